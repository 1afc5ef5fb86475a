import { LmctfyError } from '../engine/errors.js';
import { followJournal, readJournal, type JournalRecord } from '../engine/journal.js';

/**
 * The daemon's decisions as counters (docs/STATS.md): evictions by tier and by what set them
 * off, reclaims and CPU caps by tier. Counted from the root's journal, read once and then followed, so
 * a scrape costs no read of it.
 */
export interface DecisionTotals {
  /** Key `tier\0reason` → count. */
  evictions: ReadonlyMap<string, number>;
  /** Tier → count. */
  reclaims: ReadonlyMap<string, number>;
  /** Tier → count of CPU caps placed (docs/DAEMON.md "CPU"). */
  cpuCaps: ReadonlyMap<string, number>;
  /** Tier → count of short scheduler slices given to a latency-sensitive container's tasks (docs/DAEMON.md "CPU"). */
  cpuSlices: ReadonlyMap<string, number>;
}

/** The `tier` label of a decision about no tier (the machine, or a container without one). */
export const NO_TIER = 'none';

/** Running counts of decision records. Pure: `add` takes records as the journal gives them. */
export class DecisionCounter implements DecisionTotals {
  readonly evictions = new Map<string, number>();
  readonly reclaims = new Map<string, number>();
  readonly cpuCaps = new Map<string, number>();
  readonly cpuSlices = new Map<string, number>();

  /**
   * Counts done evictions (a decision `evict` with no error code: one that found nothing to
   * evict, or failed, evicted nothing) under the tier and the trigger the daemon gives in
   * `detail.trigger` (a short word: the label must not take free text), reclaims, CPU caps and
   * short slices given (not those a restarted daemon found in place: `detail.adopted`).
   */
  add(records: readonly JournalRecord[]): void {
    for (const r of records) {
      if (r.kind !== 'decision') continue;
      const tier = r.tier ?? NO_TIER;
      if (r.what === 'evict' && !r.code) {
        const trigger = r.detail?.trigger;
        const key = `${tier}\0${typeof trigger === 'string' && trigger !== '' ? trigger : 'unknown'}`;
        this.evictions.set(key, (this.evictions.get(key) ?? 0) + 1);
      } else if (r.what === 'reclaim' && !r.code) {
        this.reclaims.set(tier, (this.reclaims.get(tier) ?? 0) + 1);
      } else if (r.what === 'cpu_cap' && !r.code) {
        this.cpuCaps.set(tier, (this.cpuCaps.get(tier) ?? 0) + 1);
      } else if (r.what === 'cpu_slice' && !r.code && r.detail?.adopted !== true) {
        this.cpuSlices.set(tier, (this.cpuSlices.get(tier) ?? 0) + 1);
      }
    }
  }
}

/**
 * Counts what the root's journal holds now, then follows it; `stop` ends the following. A
 * journal that cannot be read leaves the decision families out of the exposition (said once
 * on stderr) rather than stopping the exporter: undefined.
 */
export function followDecisions(scope: string): { totals: DecisionTotals; stop: () => void } | undefined {
  const counter = new DecisionCounter();
  try {
    const read = readJournal(scope);
    counter.add(read.records);
    const stop = followJournal(scope, (records) => counter.add(records), read.next);
    return { totals: counter, stop };
  } catch (e) {
    if (!(e instanceof LmctfyError)) throw e;
    process.stderr.write(`lmctfy: warning: the daemon's decisions are not counted: ${e.message}\n`);
    return undefined;
  }
}
