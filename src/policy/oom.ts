import type { Tier } from './types.js';

/**
 * oom_score_adj of a container's tasks (docs/POLICY.md): each tier a band of 0–1000, lower
 * tiers higher (killed first), and inside the band memory.eviction_priority (0–10000,
 * "higher is evicted later") from the band's top to its bottom. Non-negative only: a
 * negative value needs CAP_SYS_RESOURCE, which lmctfy cannot count on, so PREMIER's best
 * is 0, the default of every process. The kernel adds this to a task's share of memory
 * (0–1000), so a band of 250 outweighs a quarter of the machine.
 */
const BANDS: Record<Tier, [number, number]> = {
  PREMIER: [0, 0],
  PRIORITY: [1, 250],
  NORMAL: [251, 600],
  BEST_EFFORT: [601, 1000],
};

export const MAX_EVICTION_PRIORITY = 10000;
/** A container that names no eviction_priority sits in the middle of its band. */
export const DEFAULT_EVICTION_PRIORITY = 5000;

export function oomScoreAdj(tier: Tier, eviction = DEFAULT_EVICTION_PRIORITY): number {
  const [lo, hi] = BANDS[tier];
  return hi - Math.round(((hi - lo) * eviction) / MAX_EVICTION_PRIORITY);
}
