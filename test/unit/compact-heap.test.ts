import { constants, PerformanceObserver } from 'node:perf_hooks';
import { expect, it } from 'vitest';
import { compactHeapEvery } from '../../src/cli/young-generation.js';

/** Full (mark-compact) collections seen while `during` runs, counted from V8's own gc entries. */
async function majorCollections(during: (count: () => number) => Promise<void>): Promise<number> {
  const kinds: number[] = [];
  // A gc entry's detail says which collection it was (Node's docs; not in this @types/node).
  const observer = new PerformanceObserver((list) => kinds.push(...list.getEntries().map((e) => (e as unknown as { detail: { kind: number } }).detail.kind)));
  const count = () => kinds.filter((kind) => kind === constants.NODE_PERFORMANCE_GC_MAJOR).length;
  observer.observe({ entryTypes: ['gc'] });
  await during(count);
  await new Promise((r) => setImmediate(r));
  observer.disconnect();
  return count();
}

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

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
