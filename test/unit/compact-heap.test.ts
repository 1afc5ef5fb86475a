import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { expect, it } from 'vitest';
import { compactHeapEvery } from '../../src/cli/young-generation.js';

/** Full (mark-compact) collections seen while `during` runs, counted from V8's own gc entries. */
async function majorCollections(during: (count: () => number) => Promise<void>): Promise<number> {
  const seen: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => seen.push(...list.getEntries()));
  const count = () => seen.filter((e) => (e.detail as { kind: number }).kind === constants.NODE_PERFORMANCE_GC_MAJOR).length;
  observer.observe({ entryTypes: ['gc'] });
  await during(count);
  await new Promise((r) => setImmediate(r));
  observer.disconnect();
  return count();
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('compacts the heap on every tick until stopped, and not after', async () => {
  let stop = () => {};
  const running = await majorCollections(async (count) => {
    stop = compactHeapEvery(20);
    // Ticks, not time: a loaded machine only makes them later.
    for (let waited = 0; count() < 3 && waited < 10_000; waited += 20) await pause(20);
  });
  expect(running).toBeGreaterThanOrEqual(3);
  stop();
  expect(await majorCollections(() => pause(100))).toBe(0);
});
