import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { ContainerApi } from '../../src/engine/container-api.js';
import { realIo, type KernelIo } from '../../src/engine/kernel/io.js';
import { engineStatsSource } from '../../src/engine/sampling/index.js';
import { Sampler } from '../../src/stats/sampler.js';
import type { RawContainerSample } from '../../src/stats/model.js';

/** Lets inotify's events in (see stats-watch.test.ts): two immediates are a whole loop iteration, poll phase included. */
const turn = async () => {
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
};

/**
 * `serve`'s export passes (Sampler carryEmpty over a watching source): below a container
 * read with no task and its CPU time where it stood, nothing is read, and every figure is
 * still what reading the files gives.
 */
describeCgroups('export passes carry an empty, still subtree (cgroup v1)', () => {
  const t = testRoot('carry');
  let api: ContainerApi;
  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root });
    await api.create('top', { cpu: { limit: 1000 } });
    await api.create('top/a', { pids: { limit: 64 } });
    await api.create('top/a/b', {});
    await api.create('top/c', { cpu: { limit: 500 } });
    await api.create('top/c/d', {});
  });
  afterAll(() => t.cleanup());

  const open = () => {
    const reads: string[] = [];
    const io: KernelIo = { ...realIo, readFile: (p) => (reads.push(p), realIo.readFile(p)) };
    const s = new Sampler(engineStatsSource(ContainerApi.open({ root: t.root, io }), { watch: true, validateEvery: Number.MAX_SAFE_INTEGER }), { root: '/top', host: false, type: 'export', carryEmpty: true });
    return { s, reads };
  };
  const byName = (s: Sampler) => new Map(s.sample().containers.map((c): [string, RawContainerSample] => [c.name, c]));
  /** What a polling pass that reads every file gives now. */
  const fresh = () => {
    const s = new Sampler(engineStatsSource(ContainerApi.open({ root: t.root })), { root: '/top', host: false, type: 'export' });
    const out = byName(s);
    s.close();
    return out;
  };
  /** The files read below the top, but for /top/c's own (a cpu group, read every pass). */
  const below = (reads: string[]) => reads.filter((p) => /\/top\/(a|c\/d)\//.test(p));
  const figures = (c: RawContainerSample | undefined) => c && { cpu: c.stats.cpu?.usage, tasks: c.stats.pids?.current };

  it('reads only the top of an idle tree; the rest are their last readings, as a pass of every file gives them', async () => {
    const { s, reads } = open();
    byName(s);
    await turn();
    const before = byName(s);
    reads.length = 0;
    const after = byName(s);
    for (const name of ['/top/a', '/top/a/b', '/top/c/d']) expect(after.get(name)).toBe(before.get(name));
    // A cpu group's throttling figures are read every pass (a capped group's period timer runs past its last task).
    expect(after.get('/top/c')).not.toBe(before.get('/top/c'));
    expect(below(reads)).toEqual([]);
    expect(reads.filter((p) => p.includes('/top/')).length).toBeGreaterThan(0);
    const now = fresh();
    for (const [name, c] of after) expect(figures(c), name).toEqual(figures(now.get(name)));
    s.close();
  });

  it('a task that joins, runs and exits shows at once, and the subtree is carried again once it is empty', async () => {
    const { s, reads } = open();
    byName(s);
    await turn();
    byName(s);
    const sleeper = await api.get('top/a/b').run(['/bin/sleep', '30']);
    try {
      await turn();
      const busy = byName(s);
      expect(busy.get('/top/a/b')?.stats.pids?.current).toBe(1);
      expect(busy.get('/top/a')?.stats.pids?.current).toBe(1);
    } finally {
      sleeper.kill('SIGKILL');
      await once(sleeper, 'exit');
    }
    const ran = await api.get('top/a/b').run(['/bin/sh', '-c', 'i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done']);
    await once(ran, 'exit');
    await turn();
    const after = byName(s);
    expect(after.get('/top/a/b')?.stats.pids?.current).toBe(0);
    const now = fresh();
    for (const [name, c] of after) expect(figures(c), name).toEqual(figures(now.get(name)));
    byName(s);
    reads.length = 0;
    byName(s);
    expect(below(reads)).toEqual([]);
    s.close();
  });
});
