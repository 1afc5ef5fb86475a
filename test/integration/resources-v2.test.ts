import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { blkioV2 as blkio } from '../../src/engine/resources/v2/blkio.js';
import { cpuV2 as cpu } from '../../src/engine/resources/v2/cpu.js';
import { memoryV2 as memory } from '../../src/engine/resources/v2/memory.js';
import { pids } from '../../src/engine/resources/pids.js';
import { describeCgroups, hasUnified, removeRoot, uniqueRoot } from '../helpers/cgroups.js';
import { makeDirs, realDirs, v2Handle } from '../fixtures/cgroupfs/real.js';

/**
 * The cgroup2 mount here has no controllers enabled: only core files (cpu.stat, PSI,
 * cgroup.freeze) exist, so every controller setting must be refused by name.
 */
describeCgroups('resources on the real cgroup2 mount', () => {
  const root = uniqueRoot('res-v2');
  let dir = '';

  beforeAll(() => {
    if (!hasUnified) return;
    dir = realDirs(root).unified!;
    makeDirs([dir]);
  });

  afterAll(async () => {
    expect(await removeRoot(root)).toEqual([]);
  });

  it.skipIf(!hasUnified)('cpu stats come from the core cpu.stat, with PSI', () => {
    const s = cpu.stats(v2Handle('/r', dir), 'full');
    expect(s.cpu?.usage?.total).toBeTypeOf('number');
    expect(s.cpu?.usage?.user).toBeTypeOf('number');
    if (fs.existsSync(`${dir}/cpu.pressure`)) expect(s.pressure?.cpu?.some?.total).toBeTypeOf('number');
  });

  it.skipIf(!hasUnified)('settings of controllers that are not enabled are UNIMPLEMENTED, naming subtree_control', () => {
    const h = v2Handle('/r', dir);
    const enabled = fs.readFileSync(`${dir}/cgroup.controllers`, 'utf8');
    const cases = [
      ['cpu', () => cpu.apply(h, { cpu: { limit: 100 } }, 'diff')],
      ['memory', () => memory.apply(h, { memory: { reservation: 0 } }, 'diff')],
      ['pids', () => pids.apply(h, { pids: { limit: 5 } }, 'diff')],
      ['io', () => blkio.apply(h, { blockio: { device_limit_set: { default_limit: 100 } } }, 'diff')],
    ] as const;
    for (const [controller, fn] of cases) {
      if (enabled.split(/\s+/).includes(controller)) continue;
      try {
        fn();
        expect.unreachable(`${controller} write should fail`);
      } catch (e) {
        expect(e).toBeInstanceOf(LmctfyError);
        expect((e as LmctfyError).code).toBe(Code.UNIMPLEMENTED);
        expect((e as LmctfyError).message).toContain(`controller ${controller} is not enabled in ${path.dirname(dir)}/cgroup.subtree_control`);
      }
    }
    expect(cpu.read(h)).toBeUndefined();
    expect(memory.read(h)).toBeUndefined();
  });
});
