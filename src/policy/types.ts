import type { SchedulingLatency } from '../messages/types.js';

/**
 * The plain data admission works on (docs/POLICY.md). Amounts are integers: CPU in milli-CPUs
 * (cpu.limit's unit, 1000 = one CPU), memory in bytes.
 */

export type Tier = SchedulingLatency;
export type ResourceName = 'cpu' | 'memory';
export const RESOURCES: readonly ResourceName[] = ['cpu', 'memory'];

/** Highest first: a tier's view counts its own guarantees and those of every tier above it. */
export const TIERS: readonly Tier[] = ['PREMIER', 'PRIORITY', 'NORMAL', 'BEST_EFFORT'];

export type Amounts = Record<ResourceName, number>;

/** What one admitted container holds. */
export interface LedgerEntry {
  tier: Tier;
  /** Guarantees, after the tier's rules (guarantee.ts). */
  cpu: number;
  memory: number;
  /** memory.eviction_priority (0–10000), which only a policy gives a meaning. */
  eviction?: number;
  /** CPUs it holds exclusively (PREMIER under PolicySpec.exclusive_cpus; exclusive.ts). */
  cpus?: number[];
}

/** Admitted containers by absolute name. */
export type Ledger = Map<string, LedgerEntry>;

/** A policy with its defaults filled in. */
export interface Budget {
  capacity: Amounts;
  reserve: Amounts;
  /** capacity − reserve, never below 0. */
  allocatable: Amounts;
  /** Percent per tier. */
  overcommit: Record<Tier, number>;
}
