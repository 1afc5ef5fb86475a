import { TIERS, type Tier } from '../policy/types.js';

/** A container the daemon may reclaim from or evict, with what it ranks by. */
export interface Candidate {
  name: string;
  tier: Tier;
  /** memory.eviction_priority: 0–10000, higher is evicted later. */
  eviction: number;
  /** Bytes charged to it and its subcontainers. */
  usage: number;
  /** Its memory reservation, bytes (0: none). */
  reservation: number;
}

/** Lowest tier first: BEST_EFFORT 0 … PREMIER 3. */
export function tierRank(t: Tier): number {
  return TIERS.length - 1 - TIERS.indexOf(t);
}

export function aboveReservation(c: Candidate): number {
  return Math.max(0, c.usage - c.reservation);
}

/**
 * The order containers are evicted in (docs/DAEMON.md): lowest tier first, then lower
 * eviction_priority, then most memory above its reservation (the kubelet's and Borg's
 * order: what was promised least goes first, and among equals the one holding the most it
 * was not promised). Name last, so the order is the same on every run.
 */
export function evictionOrder(cs: readonly Candidate[]): Candidate[] {
  return [...cs].sort(
    (a, b) =>
      tierRank(a.tier) - tierRank(b.tier) ||
      a.eviction - b.eviction ||
      aboveReservation(b) - aboveReservation(a) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

/**
 * Who may be evicted or reclaimed from for pressure felt by tier `felt`: containers of a
 * lower tier. Pressure on the machine as a whole (`felt` undefined) may take any tier,
 * still lowest first.
 */
export function eligible(cs: readonly Candidate[], felt: Tier | undefined): Candidate[] {
  return felt === undefined ? [...cs] : cs.filter((c) => tierRank(c.tier) < tierRank(felt));
}

/**
 * Reclaim before evicting: from the same order, each container's memory above its
 * reservation, until `need` bytes are asked for. Returns [container, bytes] pairs.
 */
export function reclaimPlan(cs: readonly Candidate[], need: number): Array<[Candidate, number]> {
  const out: Array<[Candidate, number]> = [];
  let left = need;
  for (const c of evictionOrder(cs)) {
    if (left <= 0) break;
    const take = Math.min(left, aboveReservation(c));
    if (take <= 0) continue;
    out.push([c, take]);
    left -= take;
  }
  return out;
}

/**
 * What a stall reclaims from: the containers of the lowest tier that holds anything above
 * its reservation. A stall says only that memory is short, not how much, so it takes one tier
 * at a time: a stall that persists reaches the next tier up at its next firing (or evicts).
 * Reclaiming every tier at once took a thrashing high-tier container's own page cache when
 * the machine's trigger fired for its thrash, which made that thrash worse.
 */
export function lowestReclaimable(cs: readonly Candidate[]): Candidate[] {
  const lowest = evictionOrder(cs).find((c) => aboveReservation(c) > 0);
  return lowest === undefined ? [] : cs.filter((c) => c.tier === lowest.tier && aboveReservation(c) > 0);
}
