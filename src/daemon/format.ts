import type { JournalRecord } from '../engine/journal.js';

/** Bytes in MiB with one decimal: pressure figures are read against limits of tens of MiB and up. */
export function formatBytes(n: number): string {
  return `${(n / 2 ** 20).toFixed(1)} MiB`;
}

/** One decision as `lmctfy daemon` prints it: time, what, container (or "machine"), tier, why. */
export function decisionLine(r: JournalRecord): string {
  const time = new Date(r.time).toISOString().slice(11, 23);
  const tier = r.tier ? ` ${r.tier}` : '';
  return `${time} ${r.what} ${r.container === '' ? 'machine' : r.container}${tier}: ${r.reason ?? ''}`;
}
