import { describe, expect, it } from 'vitest';
import type { TaskSchedstat } from '../../src/engine/sampling/index.js';
import type { ContainerStats, HistogramMap } from '../../src/messages/types.js';
import { SCHEDSTAT_BUCKET_EDGES_US } from '../../src/stats/histogram.js';
import { statsWithHistograms, type WindowDeps } from '../../src/stats/window.js';

const KERNEL: HistogramMap[] = [{ type: 'SERVE', stat: [{ bucket: 1000, value: 3 }] }];

/** A container whose stats and thread readings follow a script, one entry per read; counts what was read. */
function container(stats: ContainerStats[], tasks: TaskSchedstat[][]) {
  const log: string[] = [];
  const deps: WindowDeps = {
    stats: () => (log.push('stats'), stats.shift()!),
    tasks: () => (log.push('tasks'), tasks.shift()!),
    sleep: async (ms) => void log.push(`sleep ${ms}`),
  };
  return { deps, log };
}

const thread = (onCpuNs: number, waitNs: number, slices: number): TaskSchedstat => ({ pid: 10, tid: 11, stat: { onCpuNs, waitNs, slices } });

describe('statsWithHistograms', () => {
  it("a kernel with cpuacct.histogram: its histograms in one read, no window waited even if asked", async () => {
    const { deps, log } = container([{ cpu: { histograms: KERNEL } }], []);
    expect(await statsWithHistograms(deps, 2000)).toEqual({ stats: { cpu: { histograms: KERNEL } }, histograms: 'kernel' });
    expect(log).toEqual(['stats']);
  });

  it('no kernel histograms and no window: the stats as they are, saying there are none', async () => {
    const { deps, log } = container([{ cpu: { usage: { total: 5 } } }], []);
    expect(await statsWithHistograms(deps, undefined)).toEqual({ stats: { cpu: { usage: { total: 5 } } }, histograms: 'none' });
    expect(log).toEqual(['stats']);
  });

  it('a window: schedstat before and after it, the stats read at its end, histograms of what ran in between', async () => {
    // 4 timeslices in the window: 2 ms on CPU (500 µs each) and 40 µs of waiting (10 µs each).
    const { deps, log } = container(
      [{ cpu: { usage: { total: 1 } } }, { cpu: { usage: { total: 2 } } }],
      [[thread(1_000_000, 0, 1)], [thread(3_000_000, 40_000, 5)]],
    );
    const { stats, histograms } = await statsWithHistograms(deps, 1500);
    expect(histograms).toBe('schedstat');
    expect(log).toEqual(['stats', 'tasks', 'sleep 1500', 'stats', 'tasks']);
    expect(stats.cpu?.usage).toEqual({ total: 2 });
    const at = (type: HistogramMap['type'], edgeUs: number) => stats.cpu?.histograms?.find((h) => h.type === type)?.stat[SCHEDSTAT_BUCKET_EDGES_US.indexOf(edgeUs)]?.value;
    expect(at('ONCPU', 500)).toBe(4);
    expect(at('QUEUE_OTHER', 10)).toBe(4);
  });

  it('a window over a container with no processes: histograms present and empty', async () => {
    const { deps } = container([{}, {}], [[], []]);
    const { stats } = await statsWithHistograms(deps, 1);
    expect(stats.cpu?.histograms?.map((h) => h.stat.reduce((n, b) => n + b.value, 0))).toEqual([0, 0]);
  });
});
