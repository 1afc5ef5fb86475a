import type { Tier } from './types.js';

/**
 * CPU enforcement's arithmetic (docs/DAEMON.md "CPU"): while a latency tier waits for CPU,
 * NORMAL containers are capped to their share of what the latency tiers leave, so each tier
 * keeps what admission guaranteed it and NORMAL gives back only its burst. Pure: the daemon
 * reads the kernel and the ledger, this decides.
 */

/** A container with a cpu group of its own, as the cap plan sees it. */
export interface CpuMember {
  name: string;
  tier: Tier;
  /** Its admitted CPU guarantee, milli-CPUs (the ledger's). */
  guarantee: number;
  /** Holds CPUs of its own (PREMIER under exclusive_cpus): it shares nothing with NORMAL. */
  exclusive: boolean;
  /** Tasks in it or its subcontainers: a cap on an empty container takes back nothing. */
  busy: boolean;
  /** Its cpu.max_limit now, milli-CPUs; undefined when unlimited. */
  maxLimit?: number;
}

export interface CpuCap {
  name: string;
  /** The cpu.max_limit to set, milli-CPUs. */
  cap: number;
  guarantee: number;
}

/** The smallest cap, 1 % of a CPU: a share computed to nothing still lets the container make progress. */
export const MIN_CPU_CAP = 10;

/** Tiers whose CPU stalls cap NORMAL. */
export function latencySensitive(t: Tier): boolean {
  return t === 'PREMIER' || t === 'PRIORITY';
}

const within = (name: string, ancestor: string) => name.startsWith(`${ancestor}/`);

/** The members none of whose ancestors is also among them (a parent's cap or guarantee covers its subtree). */
function outermost<T extends { name: string }>(ms: readonly T[]): T[] {
  return ms.filter((m) => !ms.some((o) => within(m.name, o.name)));
}

/** What a cap plan decided: the caps, and the CPU (milli-CPUs) the latency tiers leave that they share. */
export interface CpuCapPlan {
  caps: CpuCap[];
  left: number;
}

/**
 * The caps to place while a latency tier stalls on CPU. `shared` is the CPU (milli-CPUs)
 * the root's shared containers run on: the policy's capacity less the CPUs held exclusively.
 * The latency tiers' guarantees are set aside from it; what is left is split among the busy
 * outermost NORMAL containers in proportion to their guarantees (one NORMAL container gets
 * all of it), never below MIN_CPU_CAP. A NORMAL container with a latency-sensitive container
 * below it keeps its share uncapped (its cap would hold that one back too), and one already
 * at or below its cap stays as it is. Sorted by name.
 */
export function cpuCapPlan(members: readonly CpuMember[], shared: number): CpuCapPlan {
  const latency = outermost(members.filter((m) => latencySensitive(m.tier) && !m.exclusive));
  const left = Math.max(0, shared - latency.reduce((n, m) => n + m.guarantee, 0));
  const normal = outermost(members.filter((m) => m.tier === 'NORMAL')).filter((m) => m.busy);
  // Split over every busy NORMAL container, those left uncapped included: they keep their share.
  const total = normal.reduce((n, m) => n + m.guarantee, 0);
  const capped = normal.filter((m) => !members.some((o) => latencySensitive(o.tier) && within(o.name, m.name)));
  const caps = capped
    .map((m) => ({ name: m.name, guarantee: m.guarantee, cap: Math.max(MIN_CPU_CAP, Math.floor(total > 0 ? (left * m.guarantee) / total : left / normal.length)), limit: m.maxLimit }))
    .filter((c) => c.limit === undefined || c.limit > c.cap)
    .map(({ name, guarantee, cap }) => ({ name, guarantee, cap }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { caps, left };
}
