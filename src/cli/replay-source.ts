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
 * The console's source over a recording (lmctfy top --replay): the same ConsoleSource the
 * live sampler gives, fed from the store. Each move decodes the samples up to the moment
 * reached, with REPLAY_HISTORY before it, through a fresh PassViews: rates, history and
 * percentiles are those the live console had then.
 */
export function replaySource(store: StoreReader, top: string, atMs: number | undefined): ConsoleSource {
  const times = store.sampleTimes();
  const journal = store.journal();
  const listeners = new Set<(view: SampleView) => void>();
  const journalListeners = new Set<(records: readonly JournalRecord[], past: boolean) => void>();
  /** Journal records handed to the console so far: those up to the furthest moment shown. */
  let told = -Infinity;
  const tell = () => {
    const upTo = times[at] ?? -Infinity;
    if (upTo <= told) return;
    const records = journal.filter((r) => r.time > told && r.time <= upTo && isAbout(r.container, top));
    told = upTo;
    if (records.length) for (const l of journalListeners) l(records, true);
  };
  let views = new PassViews();
  let latest: SampleView | undefined;
  let at = times.length - 1;
  if (atMs !== undefined) at = indexAt(times, atMs);

  const show = () => {
    views = new PassViews();
    latest = undefined;
    const t = times[at];
    if (t === undefined) return;
    for (const s of store.samples(times[Math.max(0, at - REPLAY_HISTORY)]!, t)) latest = views.view(subtreeOf(s.raw, top));
    if (latest) for (const l of listeners) l(latest);
    tell();
  };
  const where = () => `${clock(times[at])} (sample ${at + 1} of ${times.length})`;
  const goto = (i: number) => {
    const next = Math.max(0, Math.min(times.length - 1, i));
    if (next === at) return { text: `${at === 0 ? 'the first' : 'the last'} sample of the recording: ${where()}`, warn: true };
    at = next;
    show();
    return { text: where() };
  };
  const move = (m: ReplayMove): { text: string; warn?: boolean } => {
    switch (m.kind) {
      case 'step':
        return goto(at + m.samples);
      case 'shift':
        return goto(indexAt(times, times[at]! + m.ms));
      case 'goTo':
        return goto(indexAt(times, parseTime(m.text, Date.now(), 'the time')));
      case 'nextEvent': {
        const now = times[at]!;
        const next = journal.find((r) => r.time > now && isAbout(r.container, top));
        if (!next) return { text: `no journal record after ${clock(now)}`, warn: true };
        // The first sample at or after it shows what it did.
        const i = times.findIndex((t) => t >= next.time);
        const moved = goto(i < 0 ? times.length - 1 : i);
        return { text: `${describeJournalLine(next)} — ${moved.text}` };
      }
    }
  };
  show();
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
      replayTime: () => clock(times[at]),
    }),
    replay: { move },
    // The records up to the moment shown, in order; moving on adds those passed.
    journal(listener) {
      journalListeners.add(listener);
      const upTo = told;
      const records = journal.filter((r) => r.time <= upTo && isAbout(r.container, top));
      if (records.length) listener(records, true);
      return () => journalListeners.delete(listener);
    },
  };
}

function isAbout(container: string, top: string): boolean {
  return top === '/' || container === '' || isWithin(container, top);
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
