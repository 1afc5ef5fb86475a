import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCgroups, hasUnified, testRoot } from '../helpers/cgroups.js';
import { ContainerApi } from '../../src/engine/container-api.js';
import { realIo, type KernelIo } from '../../src/engine/kernel/io.js';
import { VALIDATE_EVERY, engineStatsSource, fsWatchDir, type StatsType, type WatchDir } from '../../src/engine/sampling/index.js';
import { Sampler } from '../../src/stats/sampler.js';
import type { CgroupVersion } from '../../src/engine/kernel/layout.js';
import type { ContainerSpec } from '../../src/messages/types.js';

const immediate = () => new Promise((r) => setImmediate(r));
/**
 * Lets inotify's events in: the kernel queued them when the change was made, and libuv
 * reads them in the event loop's poll phase. The second immediate runs only after a whole
 * loop iteration, poll phase included, however long anything took: no clock involved.
 */
const turn = async () => {
  await immediate();
  await immediate();
};

/** A KernelIo that records what a pass reads and stats. */
function countingIo() {
  const reads: string[] = [];
  const stats: string[] = [];
  const io: KernelIo = {
    ...realIo,
    readFile: (p) => (reads.push(p), realIo.readFile(p)),
    dirInfo: (p) => (stats.push(p), realIo.dirInfo(p)),
  };
  return { io, reads, stats, reset: () => ((reads.length = 0), (stats.length = 0)) };
}

function watchSuite(version: CgroupVersion) {
  const t = testRoot(`watch${version}`, version);
  let api: ContainerApi;
  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root, version });
  });
  afterAll(() => t.cleanup());

  interface Open {
    watch?: boolean | WatchDir;
    watchBudget?: number;
    io?: KernelIo;
    /** Default: never, so that only events can tell the sampler anything. */
    validateEvery?: number;
    root?: string;
    type?: StatsType;
  }
  /** Samplers over one test's own subtree, made with `spec` and destroyed after the test. */
  const within = async (top: string, spec: ContainerSpec, fn: (open: (o?: Open) => Sampler) => Promise<void>) => {
    await api.create(top, spec);
    const samplers: Sampler[] = [];
    try {
      await fn(({ watch = true, watchBudget, io = realIo, validateEvery = Number.MAX_SAFE_INTEGER, root = `/${top}`, type = 'counters' } = {}) => {
        const source = engineStatsSource(ContainerApi.open({ root: t.root, io, version }), { watch, validateEvery, watchBudget });
        const s = new Sampler(source, { root, host: false, type });
        samplers.push(s);
        return s;
      });
    } finally {
      for (const s of samplers) s.close();
      await api.destroy(top, { force: true });
    }
  };
  const names = (s: Sampler) => s.next().containers.map((c) => c.name);
  const find = (s: Sampler, name: string) => s.next().containers.find((c) => c.name === name);
  const MEMORY = version === 1 ? { memory: { limit: 104_857_600 } } : {};

  it('sees containers made and destroyed between passes, in the order a full walk gives', () =>
    within('tree', {}, async (open) => {
      const s = open();
      expect(names(s)).toEqual(['/tree']);
      await api.create('tree/a');
      await api.create('tree/a/x');
      await api.create('tree/b');
      await turn();
      expect(names(s)).toEqual(['/tree', '/tree/a', '/tree/a/x', '/tree/b']);
      await api.create('tree/a/y');
      await api.create('tree/a/x/deep');
      await api.destroy('tree/b');
      await turn();
      expect(names(s)).toEqual(['/tree', '/tree/a', '/tree/a/x', '/tree/a/x/deep', '/tree/a/y']);
      expect(names(open({ watch: false }))).toEqual(names(s));
      await api.destroy('tree/a', { force: true });
      await turn();
      expect(names(s)).toEqual(['/tree']);
    }));

  it('a container destroyed and made again under its name between passes is a new one', () =>
    within('again', {}, async (open) => {
      const s = open();
      await api.create('again/kid');
      await turn();
      const first = find(s, '/again/kid')!;
      await api.destroy('again/kid');
      await api.create('again/kid');
      await turn();
      const second = find(s, '/again/kid')!;
      expect(second.raw.id).not.toBe(first.raw.id);
      expect(second.rates).toEqual({});
    }));

  it('a steady pass reads only the counters and stats nothing', () =>
    within('steady', MEMORY, async (open) => {
      const c = countingIo();
      const s = open({ io: c.io });
      // Past the first pass, which reads settings.
      s.next();
      await turn();
      c.reset();
      s.next();
      s.next();
      const files = c.reads.filter((p) => p.includes('/steady/')).map((p) => p.slice(p.lastIndexOf('/') + 1));
      expect(c.stats).toEqual([]);
      // memory.stat and the OOM count are refreshed one pass in five whatever the events (stats-kernel tests that).
      const carried = new Set(['memory.stat', 'memory.oom_control']);
      if (version === 1) expect(files.filter((f) => !carried.has(f)).sort()).toEqual(['cpuacct.usage', 'cpuacct.usage', 'memory.usage_in_bytes', 'memory.usage_in_bytes', 'pids.current', 'pids.current']);
      // v2 here is a cgroup2 mount without controllers, so the counters' files vary; settings and freezer files are never among them.
      else expect(files.filter((f) => /^(cgroup\.(freeze|events)|cpu\.(max|weight)|memory\.(max|low|high)|pids\.max)$/.test(f))).toEqual([]);
    }));

  it.runIf(version === 1)('a limit written shows on the next pass, not on the settings schedule', () =>
    within('limited', MEMORY, async (open) => {
      const s = open();
      expect(find(s, '/limited')!.raw.limits.memoryLimit).toBe(104_857_600);
      await api.get('limited').update({ memory: { limit: 209_715_200 } }, 'diff');
      await turn();
      expect(find(s, '/limited')!.raw.limits.memoryLimit).toBe(209_715_200);
    }));

  it('pause and resume show on the next pass, on the container and below it', () =>
    within('p', {}, async (open) => {
      await api.create('p/kid');
      const s = open();
      const states = () => Object.fromEntries(s.next().containers.map((c) => [c.name, c.state]));
      expect(states()).toEqual({ '/p': 'THAWED', '/p/kid': 'THAWED' });
      await api.get('p').pause();
      await turn();
      expect(states()).toEqual({ '/p': 'FROZEN', '/p/kid': 'FROZEN' });
      await api.get('p').resume();
      await turn();
      expect(states()).toEqual({ '/p': 'THAWED', '/p/kid': 'THAWED' });
    }));

  it('a walk root destroyed and made again is watched afresh', () =>
    within('rr', {}, async (open) => {
      const s = open();
      const before = find(s, '/rr')!.raw.id;
      await api.destroy('rr');
      await api.create('rr');
      await turn();
      expect(find(s, '/rr')!.raw.id).not.toBe(before);
      await api.create('rr/x');
      await turn();
      expect(names(s)).toEqual(['/rr', '/rr/x']);
    }));

  it('a freeze above the walk root shows below it', () =>
    within('above', {}, async (open) => {
      await api.create('above/mid');
      await api.create('above/mid/kid');
      const s = open({ root: '/above/mid/kid' });
      const state = () => find(s, '/above/mid/kid')?.state;
      expect(state()).toBe('THAWED');
      await api.get('above').pause();
      await turn();
      expect(state()).toBe('FROZEN');
      await api.get('above').resume();
      await turn();
      expect(state()).toBe('THAWED');
    }));

  for (const type of ['counters', 'full'] as const) {
    it(`what no event said (an overflowed inotify queue) shows within VALIDATE_EVERY ${type} passes`, () =>
      within(`deaf-${type}`, {}, async (open) => {
        const top = `/deaf-${type}`;
        const s = open({ watch: () => ({ close: () => undefined }), validateEvery: VALIDATE_EVERY, type });
        expect(names(s)).toEqual([top]);
        // Each container is re-validated once in any VALIDATE_EVERY passes, in the walk, so
        // what it finds is in that very pass: the bound holds whatever the cgroup ids' stagger.
        const within30 = async (what: () => boolean) => {
          let passes = 1;
          while (passes <= VALIDATE_EVERY && !what()) passes++;
          expect(passes).toBeLessThanOrEqual(VALIDATE_EVERY);
        };
        await api.create(`${top}/unheard`);
        await within30(() => names(s).includes(`${top}/unheard`));
        await api.get(`${top}/unheard`).pause();
        await within30(() => find(s, `${top}/unheard`)?.state === 'FROZEN');
        await api.destroy(`${top}/unheard`, { force: true });
        await within30(() => !names(s).includes(`${top}/unheard`));
      }));
  }

  it('polls when the tree needs more watches than its budget', () =>
    within('budget', {}, async (open) => {
      const s = open({ watchBudget: 0 });
      expect(names(s)).toEqual(['/budget']);
      await api.create('budget/kid');
      // No turn of the event loop: only a poll can see it.
      expect(names(s)).toEqual(['/budget', '/budget/kid']);
    }));

  it('falls back to statting every pass when a watch cannot be added', () =>
    within('limit', {}, async (open) => {
      let added = 0;
      let closed = 0;
      const limited: WatchDir = (dir, onEvent) => {
        if (++added > 2) throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
        const w = fsWatchDir(dir, onEvent);
        return { close: () => (closed++, w.close()) };
      };
      await api.create('limit/w1');
      await api.create('limit/w2');
      const s = open({ watch: limited });
      expect(names(s)).toEqual(['/limit', '/limit/w1', '/limit/w2']);
      expect(closed).toBe(2);
      await api.create('limit/w3');
      expect(names(s)).toEqual(['/limit', '/limit/w1', '/limit/w2', '/limit/w3']);
    }));
}

describeCgroups('sampling with inotify (cgroup v1)', () => watchSuite(1));
describeCgroups('sampling with inotify (cgroup v2)', () => {
  if (!hasUnified) it.skip('no cgroup2 mount on this machine', () => undefined);
  else watchSuite(2);
});
