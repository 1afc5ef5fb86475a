import type { ContainerSpec } from '../messages/types.js';
import type { LedgerEntry, Tier } from './types.js';

/**
 * What a container is guaranteed, from what the kernel will hold for it (docs/POLICY.md):
 * - CPU: its cpu.limit (the weight that, summed below capacity, gives each its share under
 *   contention); a cpu group with no limit asked has the default weight, which is 1000.
 *   BEST_EFFORT is an idle group with the minimum weight: it is guaranteed nothing.
 * - memory: its reservation (the soft limit / memory.low the kernel protects), never more
 *   than its limit (the kernel cannot give more); a limit alone is a cap, not a promise.
 *   An unlimited reservation guarantees the limit, or everything when that is unlimited.
 * Resources the container does not isolate are shared with its parent: nothing of its own.
 */

/** cpu.limit of a cpu group whose limit was never set (1024 shares, weight 100). */
export const DEFAULT_CPU_LIMIT = 1000;
/** Stands for "everything": never admitted on a finite budget. */
export const UNBOUNDED = Number.MAX_SAFE_INTEGER;

export function tierOf(spec: ContainerSpec): Tier {
  return spec.cpu?.scheduling_latency ?? 'NORMAL';
}

/** The guarantees of a container whose settings, after the change, are `spec` (isolated resources only). */
export function entryOf(spec: ContainerSpec, eviction?: number): LedgerEntry {
  const tier = tierOf(spec);
  const c = spec.cpu;
  // A mask alone is cpuset's business: no cpu group, no weight.
  const cpuGroup = c !== undefined && (c.limit !== undefined || c.max_limit !== undefined || c.scheduling_latency !== undefined || c.mask === undefined);
  const cpu = !cpuGroup || tier === 'BEST_EFFORT' ? 0 : (c.limit ?? DEFAULT_CPU_LIMIT);
  const entry: LedgerEntry = { tier, cpu, memory: memoryGuarantee(spec) };
  if (eviction !== undefined) entry.eviction = eviction;
  return entry;
}

function memoryGuarantee(spec: ContainerSpec): number {
  const m = spec.memory;
  if (m === undefined) return 0;
  const limit = m.limit === undefined || m.limit < 0 ? UNBOUNDED : m.limit;
  const reservation = m.reservation === undefined ? 0 : m.reservation < 0 ? UNBOUNDED : m.reservation;
  return Math.min(reservation, limit);
}
