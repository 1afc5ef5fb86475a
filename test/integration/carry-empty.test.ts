import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { ContainerApi } from '../../src/engine/container-api.js';
import { realIo, type KernelIo } from '../../src/engine/kernel/io.js';
import { engineStatsSource, type StatsType } from '../../src/engine/sampling/index.js';
import { Sampler, type SamplerOptions } from '../../src/stats/sampler.js';
import type { RawContainerSample } from '../../src/stats/model.js';

/** Lets inotify's events in (see stats-watch.test.ts): two immediates are a whole loop iteration, poll phase included. */
const turn = async () => {
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
};

/** A carrying sampler of /top over a watching source, and the files it reads. */
function carrying(root: string, opts: SamplerOptions): { s: Sampler; reads: string[] } {
  const reads: string[] = [];
  const io: KernelIo = { ...realIo, readFile: (p) => (reads.push(p), realIo.readFile(p)) };
  const source = engineStatsSource(ContainerApi.open({ root, io }), { watch: true, validateEvery: Number.MAX_SAFE_INTEGER });
  return { s: new Sampler(source, { ...opts, root: '/top', host: false, carryEmpty: true }), reads };
}

const byName = (s: Sampler) => new Map(s.sample().containers.map((c): [string, RawContainerSample] => [c.name, c]));

/** What a polling pass of /top that reads every file gives now. */
function polled(root: string, type: StatsType): Map<string, RawContainerSample> {
  const s = new Sampler(engineStatsSource(ContainerApi.open({ root })), { root: '/top', host: false, type });
  const out = byName(s);
  s.close();
  return out;
}

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

  const open = () => carrying(t.root, { type: 'export' });
  const fresh = () => polled(t.root, 'export');
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

/**
 * The console's counters passes (Sampler carryEmpty with schedstat histograms over a
 * watching source): below a container read with no task and its CPU time where it stood,
 * nothing is read, and what the console shows (CPU time, tasks, freezer state, an empty
 * interval of latency histograms) is still what reading the files gives: a container paused
 * or a task started from elsewhere shows on the next pass.
 */
describeCgroups('counters passes carry an empty, still subtree (cgroup v1)', () => {
  const t = testRoot('carryc');
  let api: ContainerApi;
  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root });
    await api.create('top', {});
    await api.create('top/a', {});
    await api.create('top/a/b', {});
    await api.create('top/c', {});
  });
  afterAll(() => t.cleanup());

  const fresh = () => polled(t.root, 'counters');
  const below = (reads: string[]) => reads.filter((p) => /\/top\/(a|c)\//.test(p));
  const figures = (c: RawContainerSample | undefined) => c && { cpu: c.stats.cpu?.usage, tasks: c.stats.pids?.current, freezer: c.stats.freezer?.state };
  const emptyInterval = (c: RawContainerSample | undefined) => c?.stats.cpu?.histograms?.every((h) => h.stat.every((b) => b.value === 0));
  /** Two passes: the first reading of each container has no histograms, the second an empty interval's. */
  const settled = async () => {
    const o = carrying(t.root, { type: 'counters', histograms: true });
    byName(o.s);
    await turn();
    byName(o.s);
    await turn();
    return o;
  };

  it('reads only the top of an idle tree; the rest keep their readings, with an empty interval of histograms, as reading every file gives them', async () => {
    const { s, reads } = await settled();
    const before = byName(s);
    await turn();
    reads.length = 0;
    const after = byName(s);
    for (const name of ['/top/a', '/top/a/b', '/top/c']) {
      expect(after.get(name)).toBe(before.get(name));
      expect(emptyInterval(after.get(name)), name).toBe(true);
    }
    expect(below(reads)).toEqual([]);
    const now = fresh();
    for (const [name, c] of after) expect(figures(c), name).toEqual(figures(now.get(name)));
    s.close();
  });

  it("full passes (top --json) too: only the top's files are read, and every figure of a carried container is a full pass's of every file", async () => {
    const o = carrying(t.root, { type: 'full', histograms: true });
    byName(o.s);
    await turn();
    byName(o.s);
    await turn();
    const before = byName(o.s);
    await turn();
    o.reads.length = 0;
    const after = byName(o.s);
    expect(below(o.reads)).toEqual([]);
    const now = polled(t.root, 'full');
    for (const name of ['/top/a', '/top/a/b', '/top/c']) {
      const c = after.get(name)!;
      expect(c).toBe(before.get(name));
      expect(emptyInterval(c), name).toBe(true);
      const { histograms: _, ...cpu } = c.stats.cpu!;
      expect({ ...c.stats, cpu }, name).toEqual(now.get(name)!.stats);
      expect(c.limits, name).toEqual(now.get(name)!.limits);
    }
    o.s.close();
  });

  it('a carried container paused from elsewhere shows FROZEN on the next pass, and THAWED once resumed', async () => {
    const { s } = await settled();
    byName(s);
    await api.get('top/a/b').pause();
    try {
      await turn();
      expect(byName(s).get('/top/a/b')?.stats.freezer?.state).toBe('FROZEN');
      await turn();
      expect(byName(s).get('/top/a/b')?.stats.freezer?.state).toBe('FROZEN');
    } finally {
      await api.get('top/a/b').resume();
    }
    await turn();
    expect(byName(s).get('/top/a/b')?.stats.freezer?.state).toBe('THAWED');
    s.close();
  });

  it("a carried subtree's top paused from elsewhere: its children read FROZEN too on the next pass", async () => {
    const { s } = await settled();
    byName(s);
    await api.get('top/a').pause();
    try {
      await turn();
      const paused = byName(s);
      expect(figures(paused.get('/top/a'))?.freezer).toBe('FROZEN');
      expect(figures(paused.get('/top/a/b'))?.freezer).toBe('FROZEN');
      expect(figures(paused.get('/top/c'))?.freezer).toBe('THAWED');
    } finally {
      await api.get('top/a').resume();
    }
    await turn();
    const resumed = byName(s);
    for (const name of ['/top/a', '/top/a/b']) expect(figures(resumed.get(name))?.freezer, name).toBe('THAWED');
    s.close();
  });

  it('a task started in a carried subtree shows on the next pass, running and counted; once it is gone the subtree is carried again', async () => {
    const { s, reads } = await settled();
    byName(s);
    const spinner = await api.get('top/a/b').run(['/bin/sh', '-c', 'while :; do :; done']);
    try {
      await turn();
      const joined = byName(s);
      expect(joined.get('/top/a/b')?.stats.pids?.current).toBe(1);
      expect(joined.get('/top/a')?.stats.pids?.current).toBe(1);
      // It runs: each pass reads its CPU time moving.
      const first = joined.get('/top/a/b')!.stats.cpu!.usage!.total!;
      let later = first;
      for (let i = 0; i < 50 && later === first; i++) {
        await new Promise((r) => setTimeout(r, 20));
        later = byName(s).get('/top/a/b')!.stats.cpu!.usage!.total!;
      }
      expect(later).toBeGreaterThan(first);
    } finally {
      spinner.kill('SIGKILL');
      await once(spinner, 'exit');
    }
    // PID 1 reaps late: until then the killed task is a zombie and counts.
    let tasks: number | undefined = 1;
    for (let i = 0; i < 100 && tasks !== 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      tasks = byName(s).get('/top/a/b')?.stats.pids?.current;
    }
    expect(tasks).toBe(0);
    await turn();
    byName(s);
    await turn();
    byName(s);
    reads.length = 0;
    const after = byName(s);
    expect(below(reads)).toEqual([]);
    expect(emptyInterval(after.get('/top/a/b'))).toBe(true);
    const now = fresh();
    for (const [name, c] of after) expect(figures(c), name).toEqual(figures(now.get(name)));
    s.close();
  });
});
