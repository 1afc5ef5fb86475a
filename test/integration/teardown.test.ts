/**
 * Teardown on real cgroups where the kernel or the payload does what lmctfy did not ask
 * (docs/RELIABILITY.md 2 and 5).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ContainerApi } from '../../src/engine/container-api.js';
import { Code } from '../../src/engine/errors.js';
import { withFaults } from '../../src/engine/kernel/faults.js';
import { realIo } from '../../src/engine/kernel/io.js';
import { describeCgroups, rootDirs, testRoot } from '../helpers/cgroups.js';

function exited(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z');
  } catch {
    return true;
  }
}

describeCgroups('teardown against a payload and a kernel that do not cooperate', () => {
  const t = testRoot('teardown');
  let api: ContainerApi;
  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root });
  });
  afterAll(() => t.cleanup());

  it('2: destroy -f removes subcontainers the payload made itself, with a task in the deepest', async () => {
    await api.create('nest');
    const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    const made: string[] = [];
    for (const root of rootDirs(t.root)) {
      const deepest = path.join(root, 'nest', 'own', 'deeper');
      // Only where lmctfy made the container: a payload makes its cgroups inside its own.
      if (!fs.existsSync(path.join(root, 'nest'))) continue;
      fs.mkdirSync(deepest, { recursive: true });
      made.push(deepest);
      if (/\/(freezer|pids|cpuacct)\//.test(root)) fs.writeFileSync(path.join(deepest, 'cgroup.procs'), String(sleeper.pid));
    }
    expect(made.length).toBeGreaterThan(0);
    await api.destroy('nest', { force: true });
    expect(rootDirs(t.root).filter((d) => fs.existsSync(path.join(d, 'nest')))).toEqual([]);
    expect(exited(sleeper.pid!)).toBe(true);
  });

  it('5: a kill the kernel refuses (EPERM) ends in FAILED_PRECONDITION naming the survivor', async () => {
    const c = await api.create('stubborn');
    const child = await c.run(['sleep', '600'], { detached: true });
    const f = ContainerApi.open({ root: t.root, io: withFaults(realIo, [{ op: 'kill', errno: 'EPERM' }]) });
    const err = await f
      .get('stubborn')
      .killAll()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: Code.FAILED_PRECONDITION });
    expect((err as Error).message).toContain(String(child.pid));
    expect(exited(child.pid!)).toBe(false);
    await api.destroy('stubborn', { force: true });
    expect(api.exists('stubborn')).toBe(false);
  });
});
