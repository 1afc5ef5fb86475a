import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TaskSchedstat } from '../../src/engine/sampling/index.js';
import { OPEN_BUCKET, type HistogramMap } from '../../src/messages/types.js';
import {
  SCHEDSTAT_BUCKET_EDGES_US,
  SchedstatHistogrammer,
  bucketIndex,
  histogramsFromSchedstat,
  readingsByTask,
} from '../../src/stats/histogram.js';

const US = 1000;
const OPEN = SCHEDSTAT_BUCKET_EDGES_US.length;

const task = (tid: number, onCpuNs: number, waitNs: number, slices: number, pid = 1): TaskSchedstat => ({
  pid,
  tid,
  stat: { onCpuNs, waitNs, slices },
});
const prevOf = (...tasks: TaskSchedstat[]) => readingsByTask(tasks);

/** bucket index → count, only the non-zero ones. */
function counts(h: HistogramMap | undefined): Record<number, number> {
  const out: Record<number, number> = {};
  h?.stat.forEach((b, i) => {
    if (b.value !== 0) out[i] = b.value;
  });
  return out;
}
const byType = (hs: HistogramMap[], type: HistogramMap['type']) => hs.find((h) => h.type === type);

describe('bucketIndex', () => {
  it.each([
    [0, 0],
    [1 * US, 0],
    [1 * US + 1, 1],
    [2 * US, 1],
    [3 * US, 2],
    [999 * US, 9],
    [1000 * US, 9],
    [100000 * US, 15],
    [100000 * US + 1, OPEN],
    [3600e9, OPEN],
  ])('%s ns → bucket %s', (ns, expected) => {
    expect(bucketIndex(ns)).toBe(expected);
  });
});

describe('histogramsFromSchedstat', () => {
  it('has the fixed shape: ONCPU and QUEUE_OTHER, closed buckets by upper edge, then the open one as OPEN_BUCKET', () => {
    const hs = histogramsFromSchedstat(new Map(), []);
    expect(hs.map((h) => h.type)).toEqual(['ONCPU', 'QUEUE_OTHER']);
    for (const h of hs) {
      expect(h.stat.map((b) => b.bucket)).toEqual([...SCHEDSTAT_BUCKET_EDGES_US, OPEN_BUCKET]);
      // No two buckets share a label: the open one is told from the last finite one (100 ms).
      expect(new Set(h.stat.map((b) => b.bucket)).size).toBe(h.stat.length);
      expect(h.stat.every((b) => b.value === 0)).toBe(true);
    }
  });

  it('each task adds Δslices to the bucket of its mean per-slice time', () => {
    const prev = prevOf(task(1, 0, 0, 100), task(2, 1e9, 1e9, 5));
    // tid 1: 10 slices, 30 µs on CPU and 1500 µs waiting in all → 3 µs and 150 µs per slice.
    // tid 2: 4 slices, 800 ms on CPU → 200 ms per slice (open bucket), no waiting.
    const hs = histogramsFromSchedstat(prev, [task(1, 30 * US, 1500 * US, 110), task(2, 1.8e9, 1e9, 9)]);
    expect(counts(byType(hs, 'ONCPU'))).toEqual({ 2: 10, [OPEN]: 4 });
    expect(counts(byType(hs, 'QUEUE_OTHER'))).toEqual({ 7: 10, 0: 4 });
  });

  it('shares frozen entries for the empty buckets only: a counted bucket is its own object', () => {
    const [a] = histogramsFromSchedstat(prevOf(task(1, 0, 0, 0)), [task(1, 10 * US, 0, 1)]);
    const [b] = histogramsFromSchedstat(prevOf(task(1, 0, 0, 0)), [task(1, 20 * US, 0, 2)]);
    expect(a!.stat[0]).toBe(b!.stat[0]);
    expect(Object.isFrozen(a!.stat[0])).toBe(true);
    expect(a!.stat[3]).not.toBe(b!.stat[3]);
    expect([a!.stat[3]!.value, b!.stat[3]!.value]).toEqual([1, 2]);
  });

  it.each([
    ['a task that exited between passes is dropped', [task(1, 0, 0, 0), task(2, 0, 0, 0)], [task(1, 10 * US, 0, 1)], { 3: 1 }],
    ['a new task starts its series and adds nothing yet', [task(1, 0, 0, 0)], [task(1, 10 * US, 0, 1), task(3, 5e9, 0, 50)], { 3: 1 }],
    ['a task with no new timeslice adds nothing', [task(1, 0, 0, 7)], [task(1, 5e9, 0, 7)], {}],
    ['counters going backwards (reused tid) add nothing', [task(1, 9e9, 9e9, 900)], [task(1, 10 * US, 0, 1)], {}],
    ['same tid in another process is another task', [task(1, 0, 0, 0, 1)], [task(1, 10 * US, 0, 1, 2)], {}],
  ])('%s', (_, before, now, expected) => {
    expect(counts(byType(histogramsFromSchedstat(prevOf(...before), now), 'ONCPU'))).toEqual(expected);
  });

  it('conserves timeslices: every counted slice lands in exactly one bucket of each histogram', () => {
    const stat = fc.record({
      onCpuNs: fc.integer({ min: 0, max: 1e12 }),
      waitNs: fc.integer({ min: 0, max: 1e12 }),
      slices: fc.integer({ min: 0, max: 1e6 }),
    });
    fc.assert(
      fc.property(fc.array(fc.tuple(stat, stat), { maxLength: 50 }), (pairs) => {
        const prev = readingsByTask(pairs.map(([a], i) => ({ pid: 1, tid: i, stat: a })));
        const cur = pairs.map(([, b], i) => ({ pid: 1, tid: i, stat: b }));
        const expected = pairs.reduce((sum, [a, b]) => {
          const ok = b.slices > a.slices && b.onCpuNs >= a.onCpuNs && b.waitNs >= a.waitNs;
          return sum + (ok ? b.slices - a.slices : 0);
        }, 0);
        for (const h of histogramsFromSchedstat(prev, cur)) {
          expect(h.stat.reduce((s, b) => s + b.value, 0)).toBe(expected);
        }
      }),
    );
  });
});

describe('SchedstatHistogrammer', () => {
  it('first reading starts the series; later readings give that interval only', () => {
    const h = new SchedstatHistogrammer();
    expect(h.observe('/a', 1, [task(1, 0, 0, 0)])).toBeUndefined();
    const first = h.observe('/a', 1, [task(1, 10 * US, 0, 1)]);
    expect(counts(byType(first!, 'ONCPU'))).toEqual({ 3: 1 });
    const second = h.observe('/a', 1, [task(1, 10 * US + 2 * 500 * US, 0, 3)]);
    expect(counts(byType(second!, 'ONCPU'))).toEqual({ 8: 2 });
  });

  it('a recreated container (new id) starts over', () => {
    const h = new SchedstatHistogrammer();
    h.observe('/a', 1, [task(1, 0, 0, 0)]);
    expect(h.observe('/a', 2, [task(1, 10 * US, 0, 1)])).toBeUndefined();
    expect(h.observe('/a', 2, [task(1, 20 * US, 0, 2)])).toBeDefined();
  });

  it('a container with no tasks has empty histograms, not none', () => {
    const h = new SchedstatHistogrammer();
    h.observe('/idle', 1, []);
    const hs = h.observe('/idle', 1, []);
    expect(hs?.every((x) => x.stat.every((b) => b.value === 0))).toBe(true);
  });

  it('still() answers without the tasks only while the CPU usage has not moved since the last reading', () => {
    const h = new SchedstatHistogrammer();
    expect(h.still('/a', 1, 100)).toBeUndefined(); // never read
    h.observe('/a', 1, [task(1, 10 * US, 0, 1)], 100);
    // Unchanged usage: the empty histograms a reading of unchanged tasks gives.
    const quiet = h.still('/a', 1, 100);
    expect(quiet).toEqual(h.observe('/a', 1, [task(1, 10 * US, 0, 1)], 100));
    expect(h.still('/a', 1, 150)).toBeUndefined(); // usage moved
    expect(h.still('/a', 2, 100)).toBeUndefined(); // recreated
    expect(h.still('/a', 1, undefined)).toBeUndefined(); // usage unknown
    // Every still container shares one, which nobody can change for the others.
    h.observe('/b', 2, [], 7);
    expect(h.still('/b', 2, 7)).toBe(quiet);
    expect(() => ((quiet![0]!.stat[0] as { value: number }).value = 1)).toThrow(TypeError);
    expect(() => (quiet![0]!.stat as unknown[]).push({})).toThrow(TypeError);
    // A later reading diffs against the last tasks read, across the still passes.
    h.still('/a', 1, 100);
    expect(counts(byType(h.observe('/a', 1, [task(1, 10 * US + 2 * 500 * US, 0, 3)], 200)!, 'ONCPU'))).toEqual({ 8: 2 });
  });

  it('prune forgets containers that are gone', () => {
    const h = new SchedstatHistogrammer();
    h.observe('/a', 1, []);
    h.observe('/b', 1, []);
    h.prune(new Set(['/b']));
    expect(h.size).toBe(1);
    expect(h.observe('/a', 1, [])).toBeUndefined();
  });

  it('custom edges', () => {
    const h = new SchedstatHistogrammer([10, 100]);
    h.observe('/a', 1, [task(1, 0, 0, 0)]);
    const hs = h.observe('/a', 1, [task(1, 50 * US, 500 * US, 1)])!;
    expect(byType(hs, 'ONCPU')!.stat).toEqual([
      { bucket: 10, value: 0 },
      { bucket: 100, value: 1 },
      { bucket: OPEN_BUCKET, value: 0 },
    ]);
    expect(counts(byType(hs, 'QUEUE_OTHER'))).toEqual({ 2: 1 });
  });
});
