import { describe, expect, it } from 'vitest';
import type { TaskSchedstat } from '../../src/engine/sampling/index.js';
import type { ProcReader, StatsSource } from '../../src/engine/sampling/index.js';
import { ContinuousHistogrammer } from '../../src/daemon/continuous-stats.js';
import { HistogramSums } from '../../src/stats/continuous.js';
import { OPEN_BUCKET, type HistogramMap } from '../../src/messages/types.js';
import { SCHEDSTAT_BUCKET_EDGES_US } from '../../src/stats/histogram.js';
import { statsWithHistograms } from '../../src/stats/window.js';

const at = (hs: HistogramMap[] | undefined, type: HistogramMap['type'], edgeUs: number) =>
  hs?.find((h) => h.type === type)?.stat[edgeUs === OPEN_BUCKET ? SCHEDSTAT_BUCKET_EDGES_US.length : SCHEDSTAT_BUCKET_EDGES_US.indexOf(edgeUs)]?.value;
const total = (hs: HistogramMap[] | undefined, type: HistogramMap['type']) => hs?.find((h) => h.type === type)?.stat.reduce((n, b) => n + b.value, 0);

const interval = (type: HistogramMap['type'], counts: Record<number, number>): HistogramMap => ({
  type,
  stat: [...SCHEDSTAT_BUCKET_EDGES_US, OPEN_BUCKET].map((bucket) => ({ bucket, value: counts[bucket] ?? 0 })),
});

describe('HistogramSums', () => {
  const table: Array<[string, HistogramMap[][], Array<[HistogramMap['type'], number, number]>]> = [
    ['nothing added: both histograms, all zero', [], [['ONCPU', 1, 0], ['QUEUE_OTHER', 1, 0]]],
    ['one interval as it is', [[interval('ONCPU', { 500: 3 })]], [['ONCPU', 500, 3], ['QUEUE_OTHER', 500, 0]]],
    [
      'intervals add bucket by bucket, the open bucket too',
      [[interval('ONCPU', { 500: 3, [OPEN_BUCKET]: 1 }), interval('QUEUE_OTHER', { 10: 2 })], [interval('ONCPU', { 500: 4, 1000: 1 })]],
      [['ONCPU', 500, 7], ['ONCPU', 1000, 1], ['ONCPU', OPEN_BUCKET, 1], ['QUEUE_OTHER', 10, 2]],
    ],
  ];
  it.each(table)('%s', (_title, intervals, expected) => {
    const sums = new HistogramSums(5);
    for (const i of intervals) sums.add(i);
    const hs = sums.histograms();
    expect(hs.map((h) => h.type)).toEqual(['ONCPU', 'QUEUE_OTHER']);
    for (const [type, edge, value] of expected) expect(at(hs, type, edge)).toBe(value);
    expect(sums.since).toBe(5);
  });
});

/** A tree scripted pass by pass: each pass's containers with id, CPU usage and threads' schedstat; counts thread reads. */
function scripted(passes: Array<Record<string, { id: number; usage: number; tasks: TaskSchedstat[]; kernel?: boolean }>>) {
  let current = passes[0]!;
  let tasksRead = 0;
  const source: StatsSource = {
    walk: () => {
      current = passes.shift() ?? current;
      return Object.entries(current).map(([name, c]) => ({ name, id: c.id }));
    },
    read: (name) => {
      const c = current[name];
      if (!c) return undefined;
      return { stats: { cpu: { usage: { total: c.usage }, ...(c.kernel ? { histograms: [interval('SERVE', { 1: 1 })] } : {}) } }, limits: {} };
    },
    pids: (name) => [current[name]!.id],
  };
  const proc = {
    tasks: (pids: number[]) => {
      tasksRead++;
      return Object.values(current).find((c) => c.id === pids[0])!.tasks;
    },
  } as unknown as ProcReader;
  return { source, proc, reads: () => tasksRead };
}

const thread = (onCpuNs: number, waitNs: number, slices: number): TaskSchedstat => ({ pid: 1, tid: 1, stat: { onCpuNs, waitNs, slices } });

describe('ContinuousHistogrammer', () => {
  it('sums every interval since it first saw a container; a recreated one starts again; one gone is forgotten', () => {
    let now = 1000;
    const { source, proc } = scripted([
      { '/a': { id: 1, usage: 0, tasks: [thread(0, 0, 0)] } },
      { '/a': { id: 1, usage: 10, tasks: [thread(2_000_000, 40_000, 4)] } },
      { '/a': { id: 1, usage: 20, tasks: [thread(4_000_000, 80_000, 8)] } },
      { '/a': { id: 2, usage: 0, tasks: [thread(0, 0, 0)] } },
      {},
    ]);
    const acc = new ContinuousHistogrammer(source, proc, () => now);
    acc.pass();
    expect(acc.histograms('/a')).toEqual({ container: '/a', since: 1000, histograms: expect.any(Array) });
    expect(total(acc.histograms('/a')!.histograms, 'ONCPU')).toBe(0);
    now = 2000;
    acc.pass();
    acc.pass();
    const a = acc.histograms('/a')!;
    // 4 + 4 slices of 500 µs on CPU and 10 µs waiting each.
    expect([a.since, at(a.histograms, 'ONCPU', 500), at(a.histograms, 'QUEUE_OTHER', 10)]).toEqual([1000, 8, 8]);
    now = 3000;
    acc.pass();
    expect(acc.histograms('/a')!.since).toBe(3000);
    expect(total(acc.histograms('/a')!.histograms, 'ONCPU')).toBe(0);
    acc.pass();
    expect(acc.histograms('/a')).toBeUndefined();
  });

  it('reads no threads of a container whose CPU usage did not move, and keeps nothing for one with kernel histograms', () => {
    const { source, proc, reads } = scripted([
      { '/idle': { id: 1, usage: 5, tasks: [thread(0, 0, 1)] }, '/k': { id: 2, usage: 1, tasks: [], kernel: true } },
      { '/idle': { id: 1, usage: 5, tasks: [thread(0, 0, 1)] }, '/k': { id: 2, usage: 2, tasks: [], kernel: true } },
    ]);
    const acc = new ContinuousHistogrammer(source, proc, () => 0);
    acc.pass();
    acc.pass();
    expect(reads()).toBe(1);
    expect(acc.histograms('/k')).toBeUndefined();
  });
});

describe('statsWithHistograms with a daemon', () => {
  const daemonHs = [interval('ONCPU', { 500: 9 })];
  const deps = (daemon: boolean) => ({
    stats: () => ({ cpu: { usage: { total: 5 } } }),
    tasks: () => [],
    sleep: async () => {},
    continuous: async () => (daemon ? { container: '/a', since: 7, pid: 42, histograms: daemonHs } : undefined),
  });

  it("no window: the daemon's histograms, saying so", async () => {
    const r = await statsWithHistograms(deps(true), undefined);
    expect(r.histograms).toBe('daemon');
    expect(r.daemon?.pid).toBe(42);
    expect(r.stats.cpu).toEqual({ usage: { total: 5 }, histograms: daemonHs });
  });

  it('no window and no daemon: as before, none', async () => {
    expect(await statsWithHistograms(deps(false), undefined)).toEqual({ stats: { cpu: { usage: { total: 5 } } }, histograms: 'none' });
  });

  it('a window: schedstat over it, the daemon not asked', async () => {
    expect((await statsWithHistograms(deps(true), 10)).histograms).toBe('schedstat');
  });
});
