import type { ContainerSpec } from '../messages/types.js';
import type { Ledger, Tier } from './types.js';

/**
 * Exclusive CPUs for PREMIER (docs/POLICY.md "Exclusive CPUs"): with PolicySpec.exclusive_cpus,
 * a PREMIER container asking a whole number of CPUs (cpu.limit a multiple of 1000) and no
 * cpu.mask of its own gets that many CPUs of the root's to itself; everything else of the
 * root runs on the rest (the shared pool), which always keeps at least one CPU.
 */

/** CPUs the shared pool never gives away: the root's other containers and lmctfy's own tasks need somewhere to run. */
export const MIN_SHARED_CPUS = 1;

/** How many CPUs of its own a container would get: its whole CPUs if it qualifies, else 0. */
export function exclusiveCount(spec: ContainerSpec, tier: Tier): number {
  const c = spec.cpu;
  if (tier !== 'PREMIER' || c?.mask !== undefined || c?.limit === undefined) return 0;
  return c.limit >= 1000 && c.limit % 1000 === 0 ? c.limit / 1000 : 0;
}

/** CPUs held exclusively, by holder, from the ledger. */
export function exclusiveHolders(ledger: Ledger, except?: string): Array<{ name: string; cpus: number[] }> {
  const out: Array<{ name: string; cpus: number[] }> = [];
  for (const [name, e] of ledger) if (e.cpus?.length && name !== except) out.push({ name, cpus: e.cpus });
  return out.sort((a, b) => a.cpus[0]! - b.cpus[0]!);
}

export interface CpuRefusal {
  asked: number;
  /** CPUs of the root not held by anyone (the pool), before keeping MIN_SHARED_CPUS. */
  free: number[];
  holders: Array<{ name: string; cpus: number[] }>;
}

/**
 * `n` CPUs for `name` out of the root's `rootCpus`, highest-numbered first (low CPUs are
 * where the system's own interrupts and housekeeping usually run), or why not.
 */
export function pickCpus(rootCpus: readonly number[], ledger: Ledger, name: string, n: number): { cpus: number[] } | { refusal: CpuRefusal } {
  const holders = exclusiveHolders(ledger, name);
  const held = new Set(holders.flatMap((h) => h.cpus));
  const free = rootCpus.filter((c) => !held.has(c));
  if (free.length - n < MIN_SHARED_CPUS) return { refusal: { asked: n, free, holders } };
  return { cpus: free.slice(free.length - n).sort((a, b) => a - b) };
}

/** The shared pool: the root's CPUs no one holds exclusively. */
export function sharedCpus(rootCpus: readonly number[], ledger: Ledger): number[] {
  const held = new Set(exclusiveHolders(ledger).flatMap((h) => h.cpus));
  return rootCpus.filter((c) => !held.has(c));
}

/** Who holds any of `cpus` exclusively, other than `name` and its ancestors (a subcontainer may use its own container's CPUs). */
export function maskConflicts(ledger: Ledger, name: string, cpus: readonly number[]): Array<{ name: string; cpus: number[] }> {
  const want = new Set(cpus);
  return exclusiveHolders(ledger)
    .filter((h) => h.name !== name && !name.startsWith(`${h.name}/`))
    .map((h) => ({ name: h.name, cpus: h.cpus.filter((c) => want.has(c)) }))
    .filter((h) => h.cpus.length > 0);
}
