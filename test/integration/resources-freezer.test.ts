import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sleep } from '../../src/engine/kernel/retry.js';
import { freeze, freezerState, selfFreezing, thaw } from '../../src/engine/resources/freezer.js';
import type { CgroupHandle } from '../../src/engine/resources/types.js';
import { describeCgroups, hasUnified, removeRoot, uniqueRoot } from '../helpers/cgroups.js';
import { cpuTicks, killChild, makeDirs, realDirs, spawnInside, v1Handle, v2Handle } from '../fixtures/cgroupfs/real.js';

const BUSY = ['/bin/sh', '-c', 'while :; do :; done'];

/** CPU ticks the process burns over `ms`. */
async function burnt(pid: number, ms: number): Promise<number> {
  const before = cpuTicks(pid);
  await sleep(ms);
  return cpuTicks(pid) - before;
}

async function freezeThawCycle(h: CgroupHandle, procs: string): Promise<void> {
  const child: ChildProcess = await spawnInside([procs], BUSY, false);
  try {
    expect(await burnt(child.pid!, 300)).toBeGreaterThan(0);
    await freeze(h);
    expect(freezerState(h)).toBe('FROZEN');
    expect(selfFreezing(h)).toBe(true);
    expect(h.resources.freezer.stats(h, 'summary')).toEqual({ freezer: { state: 'FROZEN', self_freezing: true } });
    expect(await burnt(child.pid!, 300)).toBe(0);
    await thaw(h);
    expect(freezerState(h)).toBe('THAWED');
    expect(await burnt(child.pid!, 300)).toBeGreaterThan(0);
  } finally {
    await thaw(h);
    await killChild(child);
  }
}

describeCgroups('freezer on real cgroups', () => {
  const root = uniqueRoot('res-frz');

  beforeAll(() => {
    const top = realDirs(root);
    makeDirs([top.v1.get('freezer')!, ...(hasUnified && top.unified ? [top.unified] : [])]);
  });

  afterAll(async () => {
    expect(await removeRoot(root)).toEqual([]);
  });

  it('v1: a busy loop freezes (burns no CPU) and thaws', async () => {
    const dir = realDirs(root).v1.get('freezer')!;
    await freezeThawCycle(v1Handle('/f', new Map([['freezer', dir]])), `${dir}/cgroup.procs`);
  });

  it.skipIf(!hasUnified)('v2: a busy loop freezes through cgroup.freeze and thaws', async () => {
    const dir = realDirs(root).unified!;
    await freezeThawCycle(v2Handle('/f', dir), `${dir}/cgroup.procs`);
  });
});
