import { describe, expect, it } from 'vitest';
import { Code } from '../../src/engine/errors.js';
import { HistoryStore, Ring, nearestRank, percentiles } from '../../src/stats/history.js';
import type { ContainerView, SampleView } from '../../src/stats/model.js';

function container(name: string, cpuPercent?: number, usage?: number, id = 1): ContainerView {
  return {
    name,
    depth: 1,
    raw: { name, id, stats: usage === undefined ? {} : { memory: { usage } }, limits: {} },
    rates: cpuPercent === undefined ? {} : { cpuPercent },
  };
}
const pass = (...containers: ContainerView[]): SampleView => ({ timestamp: '', monoNs: 0, intervalSec: 1, containers });

describe('nearestRank', () => {
  const ten = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
  it.each([
    [[], 50, undefined],
    [[7], 0, 7],
    [[7], 50, 7],
    [[7], 100, 7],
    [ten, 0, 10],
    [ten, 10, 10],
    [ten, 11, 20],
    [ten, 50, 50],
    [ten, 90, 90],
    [ten, 99, 100],
    [ten, 100, 100],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 51, 3],
  ])('%j p%s = %s', (sorted, p, expected) => {
    expect(nearestRank(sorted, p)).toBe(expected);
  });
});

describe('percentiles', () => {
  it('sorts numerically, not as strings', () => {
    expect(percentiles([100, 9, 20, 3])).toEqual({ p50: 9, p90: 100, p99: 100 });
  });
  it('of nothing is undefined', () => {
    expect(percentiles([])).toBeUndefined();
  });
  it('on 1..100', () => {
    expect(percentiles(Array.from({ length: 100 }, (_, i) => 100 - i))).toEqual({ p50: 50, p90: 90, p99: 99 });
  });
});

describe('Ring', () => {
  it.each([
    [3, [1, 2], [1, 2]],
    [3, [1, 2, 3], [1, 2, 3]],
    [3, [1, 2, 3, 4, 5], [3, 4, 5]],
    [1, [1, 2], [2]],
    [40, Array.from({ length: 100 }, (_, i) => i), Array.from({ length: 40 }, (_, i) => 60 + i)],
  ])('capacity %s after pushing %j holds %j, oldest first', (cap, pushed, expected) => {
    const r = new Ring(cap);
    for (const v of pushed) r.push(v);
    expect(r.toArray()).toEqual(expected);
    for (const n of [0, 1, 2, expected.length, expected.length + 5]) expect(r.last(n)).toEqual(expected.slice(expected.length - Math.min(n, expected.length)));
    expect(r.length).toBe(expected.length);
    expect(r.allocated).toBeLessThanOrEqual(cap);
  });

  it('a Float32 ring keeps CPU % to float32 precision, growing as a Float64 one does', () => {
    const r = new Ring(40, Float32Array);
    for (let i = 0; i < 100; i++) r.push(i + 0.1);
    expect(r.allocated).toBe(40);
    expect(r.last(1)[0]).toBe(Math.fround(99.1));
    expect(r.toArray()[0]).toBeCloseTo(60.1, 5);
  });

  it.each([
    ['idle after a burst', 40, [...Array<number>(50).fill(0), 3, 7, ...Array<number>(70).fill(0)]],
    ['a burst inside the window', 40, [...Array<number>(70).fill(0), 5, ...Array<number>(10).fill(0)]],
    ['shorter than the window', 40, Array<number>(10).fill(0)],
    ['busy, then pegged', 16, [1, 2, 3, 4, ...Array<number>(30).fill(100)]],
    ['across the ring growing and wrapping', 600, [...Array.from({ length: 30 }, (_, i) => i % 3), ...Array<number>(700).fill(0)]],
  ])('recent(n) after each push equals last(n) (%s)', (_what, cap, pushed) => {
    const r = new Ring(cap, Float32Array);
    for (const v of pushed) {
      r.push(v);
      for (const n of [1, 5, 12, cap]) expect(r.recent(n)).toEqual(r.last(n));
    }
  });

  it('recent(n) is one array, shared by every ring, while the newest n values are one value; a new one once a value moves into the window', () => {
    const a = new Ring(100, Float32Array);
    const b = new Ring(100, Float32Array);
    for (let i = 0; i < 30; i++) a.push(i === 3 ? 9 : 0);
    for (let i = 0; i < 12; i++) b.push(0);
    const idle = a.recent(12);
    expect(Object.isFrozen(idle)).toBe(true);
    a.push(0);
    expect(a.recent(12)).toBe(idle);
    expect(b.recent(12)).toBe(idle);
    a.push(4);
    expect(a.recent(12)).not.toBe(idle);
    expect(a.recent(12).at(-1)).toBe(4);
    // Fewer values than the window: a fresh copy each time.
    expect(b.recent(20)).not.toBe(b.recent(20));
  });

  it('grows as it fills, not before', () => {
    const r = new Ring(600);
    expect(r.allocated).toBe(16);
    for (let i = 0; i < 17; i++) r.push(i);
    expect(r.allocated).toBe(32);
    for (let i = 0; i < 2000; i++) r.push(i);
    expect(r.allocated).toBe(600);
    expect(r.toArray().slice(-2)).toEqual([1998, 1999]);
  });
});

describe('HistoryStore', () => {
  it('keeps a bounded window per container, with percentiles', () => {
    const h = new HistoryStore({ capacity: 5 });
    for (let i = 1; i <= 8; i++) h.record(pass(container('/a', i * 10, i * 1000)));
    const s = h.series('/a')!;
    expect(s.cpuPercent).toEqual([40, 50, 60, 70, 80]);
    expect(s.memoryUsage).toEqual([4000, 5000, 6000, 7000, 8000]);
    expect(s.cpuPercentiles).toEqual({ p50: 60, p90: 80, p99: 80 });
    expect(s.memoryPercentiles).toEqual({ p50: 6000, p90: 8000, p99: 8000 });
    expect(h.recentCpu('/a', 2)).toEqual([70, 80]);
    expect(h.recentCpu('/a', 9)).toEqual([40, 50, 60, 70, 80]);
    expect(h.recentCpu('/gone', 2)).toBeUndefined();
  });

  it('records only values that exist: CPU % is absent on the first pass of a series', () => {
    const h = new HistoryStore();
    h.record(pass(container('/a', undefined, 100)));
    h.record(pass(container('/a', 12.5, 200)));
    const s = h.series('/a')!;
    expect(s.cpuPercent).toEqual([12.5]);
    expect(s.memoryUsage).toEqual([100, 200]);
  });

  it('no points means no percentiles', () => {
    const h = new HistoryStore();
    h.record(pass(container('/a')));
    expect(h.series('/a')).toEqual({ cpuPercent: [], memoryUsage: [] });
  });

  it('a recreated container (new id) starts a fresh history', () => {
    const h = new HistoryStore();
    h.record(pass(container('/a', 10, 1, 1)));
    h.record(pass(container('/a', 20, 2, 2)));
    expect(h.series('/a')!.cpuPercent).toEqual([20]);
  });

  it('forgets containers not seen for N passes, keeps those seen within them', () => {
    const h = new HistoryStore({ forgetAfterPasses: 3 });
    h.record(pass(container('/gone', 1), container('/stays', 1)));
    h.record(pass(container('/stays', 2)));
    h.record(pass(container('/stays', 3)));
    expect(h.series('/gone')).toBeDefined();
    h.record(pass(container('/stays', 4)));
    expect(h.series('/gone')).toBeUndefined();
    expect(h.series('/stays')!.cpuPercent).toEqual([1, 2, 3, 4]);
    expect(h.size).toBe(1);
  });

  it('stays bounded while 10,000 short-lived containers come and go', () => {
    const forget = 5;
    const live = 50;
    const h = new HistoryStore({ forgetAfterPasses: forget });
    let created = 0;
    let maxSize = 0;
    let maxPoints = 0;
    // Each container lives 20 passes; one in twenty is replaced each pass.
    for (let passNo = 0; created < 10_000; passNo++) {
      const containers: ContainerView[] = [];
      for (let slot = 0; slot < live; slot++) {
        const generation = Math.floor((passNo + slot) / 20);
        const name = `/churn/${slot}-${generation}`;
        containers.push(container(name, passNo % 100, passNo * 4096));
        created = Math.max(created, generation * live + slot + 1);
      }
      h.record(pass(...containers));
      maxSize = Math.max(maxSize, h.size);
      maxPoints = Math.max(maxPoints, h.allocatedPoints);
    }
    // Live ones plus those replaced within the last `forget` passes (≤ 3 per pass here).
    expect(maxSize).toBeLessThanOrEqual(live + forget * 3);
    expect(maxPoints).toBeLessThanOrEqual(maxSize * 2 * 32);
  });

  it('one long-lived container keeps exactly `capacity` points', () => {
    const h = new HistoryStore();
    for (let i = 0; i < 1000; i++) h.record(pass(container('/long', i, i)));
    expect(h.series('/long')!.cpuPercent).toHaveLength(600);
    expect(h.series('/long')!.cpuPercent[0]).toBe(400);
  });

  it.each([[{ capacity: 0 }], [{ capacity: 1.5 }], [{ forgetAfterPasses: 0 }]])('rejects %j', (options) => {
    expect(() => new HistoryStore(options)).toThrow(expect.objectContaining({ code: Code.INVALID_ARGUMENT }));
  });
});
