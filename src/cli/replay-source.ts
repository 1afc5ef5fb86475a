import { isWithin } from '../engine/names.js';
import { PassViews } from '../stats/sampler.js';
import type { SampleView } from '../stats/model.js';
import { describeJournalLine, subtreeOf } from '../record/replay.js';
import type { StoreReader } from '../record/store.js';
import type { JournalRecord } from '../engine/journal.js';
import { parseTime } from '../record/time.js';
import type { ConsoleSource, ReplayMove } from '../ui/index.js';

/** Samples decoded before the one shown, so charts and percentiles have a window behind it. */
export const REPLAY_HISTORY = 120;

/**
 * How long after a moment's first view its history window is decoded: Ink writes a frame at
 * most every 34 ms (30 fps), so this lets the first frame reach the terminal before the
 * decoding (a few hundred ms at 1,000 containers) holds the event loop; moves within it (a
 * held key) decode only what they show.
 */
export const REPLAY_FILL_DELAY_MS = 50;
/** Samples of the window decoded a turn: each slice decodes again from its keyframe, so not too few. */
export const REPLAY_FILL_SLICE = 30;

/**
 * The console's source over a recording (lmctfy top --replay): the same ConsoleSource the
 * live sampler gives, fed from the store. Each moment reached is shown in two steps: first
 * the sample and the one before it (its rates), which is what the first frame draws; then,
 * REPLAY_FILL_DELAY_MS later, the REPLAY_HISTORY samples behind it through a fresh PassViews
 * (in slices, a move meanwhile drops it), so charts and percentiles are those the live
 * console had then. Every sample's time (for steps and the window) and the journal are
 * read when first asked: by that second step or a move, never for the first view.
 */
export function replaySource(store: StoreReader, top: string, atMs: number | undefined): ConsoleSource {
  let allTimes: number[] | undefined;
  const times = () => (allTimes ??= store.sampleTimes());
  let allJournal: JournalRecord[] | undefined;
  const journal = () => (allJournal ??= store.journal());
  const listeners = new Set<(view: SampleView) => void>();
  const journalListeners = new Set<(records: readonly JournalRecord[], past: boolean) => void>();
  /** The time of the sample shown (undefined: nothing recorded). */
  let moment: number | undefined;
  /** Journal records handed to the console so far: those up to the furthest moment shown. */
  let told = -Infinity;
  const tell = () => {
    const upTo = moment ?? -Infinity;
    if (upTo <= told) return;
    const records = journal().filter((r) => r.time > told && r.time <= upTo && isAbout(r.container, top));
    told = upTo;
    if (records.length) for (const l of journalListeners) l(records, true);
  };
  let views = new PassViews();
  let latest: SampleView | undefined;
  /** Counts moments shown: a history fill for a moment left meanwhile is dropped. */
  let shown = 0;
  let fill: NodeJS.Timeout | undefined;
  const emit = (into: PassViews, last: SampleView | undefined) => {
    views = into;
    latest = last;
    if (latest) for (const l of listeners) l(latest);
  };
  /** The window behind moment `t`, REPLAY_FILL_SLICE samples a turn of the event loop, so keys are answered meanwhile. */
  const fillWindow = (gen: number, t: number) => {
    const all = times();
    const i = indexAt(all, t);
    const window = all.slice(Math.max(0, i - REPLAY_HISTORY), i + 1);
    const into = new PassViews();
    let last: SampleView | undefined;
    const slice = (k: number) => {
      if (gen !== shown) return;
      const part = window.slice(k, k + REPLAY_FILL_SLICE);
      if (part.length) for (const s of store.samples(part[0]!, part.at(-1)!)) last = into.view(subtreeOf(s.raw, top));
      if (k + REPLAY_FILL_SLICE < window.length) {
        fill = setTimeout(() => slice(k + REPLAY_FILL_SLICE), 0);
        return;
      }
      emit(into, last);
      tell();
    };
    slice(0);
  };

  const show = (t: number, journalNow: boolean) => {
    const gen = ++shown;
    moment = t;
    const into = new PassViews();
    let last: SampleView | undefined;
    for (const s of store.samples(t, t, 1)) last = into.view(subtreeOf(s.raw, top));
    emit(into, last);
    if (journalNow) tell();
    clearTimeout(fill);
    fill = setTimeout(() => fillWindow(gen, t), REPLAY_FILL_DELAY_MS);
  };
  const indexOf = (t: number) => indexAt(times(), t);
  const where = () => `${clock(moment)} (sample ${indexOf(moment!) + 1} of ${times().length})`;
  const goto = (i: number) => {
    const all = times();
    const next = Math.max(0, Math.min(all.length - 1, i));
    const at = indexOf(moment!);
    if (next === at) return { text: `${at === 0 ? 'the first' : 'the last'} sample of the recording: ${where()}`, warn: true };
    show(all[next]!, true);
    return { text: where() };
  };
  const move = (m: ReplayMove): { text: string; warn?: boolean } => {
    if (moment === undefined) return { text: 'nothing recorded', warn: true };
    switch (m.kind) {
      case 'step':
        return goto(indexOf(moment) + m.samples);
      case 'shift':
        return goto(indexOf(moment + m.ms));
      case 'goTo':
        return goto(indexOf(parseTime(m.text, Date.now(), 'the time')));
      case 'nextEvent': {
        const now = moment;
        const next = journal().find((r) => r.time > now && isAbout(r.container, top));
        if (!next) return { text: `no journal record after ${clock(now)}`, warn: true };
        // The first sample at or after it shows what it did.
        const all = times();
        const i = all.findIndex((t) => t >= next.time);
        const moved = goto(i < 0 ? all.length - 1 : i);
        return { text: `${describeJournalLine(next)} — ${moved.text}` };
      }
    }
  };
  const first = firstMoment(store, atMs);
  if (first !== undefined) show(first, false);
  const header = latest?.host;
  return {
    subscribe(listener) {
      listeners.add(listener);
      if (latest) listener(latest);
      return () => listeners.delete(listener);
    },
    history: (name) => views.series(name),
    recentCpu: (name, n) => views.recentCpu(name, n),
    // The recording's own interval: a replay does not sample.
    setIntervalMs: () => undefined,
    intervalMs: () => store.meta.interval_ms,
    header: () => ({
      host: header?.hostname ?? 'recorded',
      cpus: header?.cpus ?? 0,
      memoryBytes: header?.memTotalBytes ?? 0,
      cgroupMode: 'recorded',
      rootName: top,
      replayTime: () => clock(moment),
    }),
    replay: { move },
    // The records up to the moment shown, in order; moving on adds those passed.
    journal(listener) {
      journalListeners.add(listener);
      const upTo = told;
      // Nothing is told before the first view's history is filled: the journal is not read for the first frame.
      const records = upTo === -Infinity ? [] : journal().filter((r) => r.time <= upTo && isAbout(r.container, top));
      if (records.length) listener(records, true);
      return () => journalListeners.delete(listener);
    },
  };
}

function isAbout(container: string, top: string): boolean {
  return top === '/' || container === '' || isWithin(container, top);
}

/**
 * The sample a replay starts at: the last at or before `atMs` (the first when it is earlier
 * than all), or the last recorded; read from the indexes of the segments it is in and the
 * first and last ones.
 */
function firstMoment(store: StoreReader, atMs: number | undefined): number | undefined {
  const span = store.span();
  if (!span) return undefined;
  if (atMs === undefined) return span.toMs;
  return store.sampleTimeAt(atMs) ?? span.fromMs;
}

/** The index of the last sample at or before `ms` (the first when it is earlier than all). */
function indexAt(times: readonly number[], ms: number): number {
  let lo = 0;
  let hi = times.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (times[mid]! <= ms) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function clock(ms: number | undefined): string {
  if (ms === undefined) return 'nothing recorded';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
