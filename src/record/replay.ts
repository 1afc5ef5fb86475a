import { Code, LmctfyError } from '../engine/errors.js';
import { isWithin } from '../engine/names.js';
import type { JournalRecord } from '../engine/journal.js';
import { PassViews } from '../stats/sampler.js';
import type { RawSample, SampleView } from '../stats/model.js';
import { StoreReader, type StoredSample } from './store.js';

/**
 * The past as the present is shown: recorded passes turned into views by the same
 * PassViews the live sampler uses (rates against the pass before, history rings), so every
 * face prints a replayed sample exactly as it prints a live one.
 */

/** The pass limited to `top` and its subtree (all of it for `/`). */
export function subtreeOf(raw: RawSample, top: string): RawSample {
  if (top === '/') return raw;
  return { ...raw, containers: raw.containers.filter((c) => isWithin(c.name, top)) };
}

/** "2026-12-02T03:00:00.000Z to …", what the store holds, for messages. */
export function describeSpan(store: StoreReader): string {
  const span = store.span();
  return span ? `${new Date(span.fromMs).toISOString()} to ${new Date(span.toMs).toISOString()}` : 'no samples';
}

/**
 * Views of the samples from `fromMs` to `toMs` of `top`'s subtree, each with rates against
 * the sample recorded before it (read too, not returned).
 */
export function replayViews(store: StoreReader, fromMs: number, toMs: number, top = '/'): SampleView[] {
  const views = new PassViews();
  const samples = store.samples(fromMs, toMs, 1);
  return samples.flatMap((s: StoredSample) => {
    const v = views.view(subtreeOf(s.raw, top));
    return s.timeMs >= fromMs ? [v] : [];
  });
}

/**
 * The recorded sample of `timeMs` (the last at or before it), refused when the store holds
 * nothing then: before its first sample, or more than two intervals after its last.
 */
export function viewAt(store: StoreReader, timeMs: number, top = '/'): SampleView {
  const span = store.span();
  const slack = 2 * store.meta.interval_ms;
  if (!span || timeMs < span.fromMs || timeMs > span.toMs + slack) {
    throw new LmctfyError(Code.OUT_OF_RANGE, `record store ${store.dir} holds nothing at ${new Date(timeMs).toISOString()}; it holds ${describeSpan(store)}`);
  }
  const views = new PassViews();
  let last: SampleView | undefined;
  for (const s of store.sampleAt(timeMs, 1)) last = views.view(subtreeOf(s.raw, top));
  if (!last) throw new LmctfyError(Code.OUT_OF_RANGE, `record store ${store.dir} holds nothing readable at ${new Date(timeMs).toISOString()}`);
  return last;
}

/** One journal record as a line of the console's status: "action create /a OK", "event oom /a". */
export function describeJournalLine(r: JournalRecord): string {
  const outcome = r.code === undefined ? '' : r.code === 0 ? ' OK' : ` failed (${Code[r.code] ?? r.code}${r.reason ? `: ${r.reason}` : ''})`;
  return `${r.kind} ${r.what} ${r.container || 'machine'}${outcome}`;
}
