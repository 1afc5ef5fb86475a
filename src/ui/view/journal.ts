import { Code } from '../../engine/errors.js';
import type { JournalRecord } from '../../engine/journal.js';
import type { ConsoleEvent } from './events.js';
import type { Tone } from './theme.js';

/**
 * The root's journal (docs/JOURNAL.md) as the console shows it: each record an event of its
 * container in the detail panel, and a daemon decision on the status line as it happens.
 * Pure functions of the records.
 */

const PAST: Record<string, string> = {
  evict: 'evicted',
  reclaim: 'reclaimed memory of',
  oom: 'saw an OOM kill in',
  start: 'started on',
  cpu_cap: 'capped the CPU of',
  cpu_release: 'released the CPU cap of',
  cpu_slice: 'gave a short CPU slice to',
  cpu_slice_release: 'gave the default CPU slice back to',
  release_cpus: 'gave back the exclusive CPUs of',
  oom_score: "put the policy's oom_score_adj back in",
  oom_hold: "held the kernel's OOM killer off in",
  oom_release: "gave the kernel's OOM killer back in",
};

function failed(r: JournalRecord): boolean {
  return r.code !== undefined && r.code !== Code.OK;
}

function toneOf(r: JournalRecord): Tone {
  if (failed(r)) return 'error';
  return r.kind === 'action' ? 'ok' : 'warn';
}

/** One record as an event of its container: who did what, and why where it says. */
export function journalEvent(r: JournalRecord): ConsoleEvent {
  const why = r.reason === undefined ? '' : `: ${r.reason}`;
  let text: string;
  if (r.kind === 'action') {
    const who = r.pid === undefined ? '' : ` by pid ${r.pid}`;
    text = failed(r) ? `${r.what}${who} failed (${Code[r.code!] ?? r.code})${why}` : `${r.what}${who}`;
  } else if (r.kind === 'decision') {
    text = `daemon ${r.what}${r.tier === undefined ? '' : ` (${r.tier})`}${why}`;
  } else {
    text = `${r.what}${why}`;
  }
  return { time: new Date(r.time).toISOString(), text, tone: toneOf(r) };
}

/** A daemon decision as the status line says it: "daemon: evicted /batch1 (BEST_EFFORT): …". */
export function decisionStatus(r: JournalRecord): { text: string; tone: Tone } {
  const where = r.container === '' ? 'the machine' : r.container;
  const tier = r.tier === undefined ? '' : ` (${r.tier})`;
  const why = r.reason === undefined ? '' : `: ${r.reason}`;
  if (failed(r)) return { text: `daemon: ${r.what} ${where}${tier} failed (${Code[r.code!] ?? r.code})${why}`, tone: 'error' };
  const verb = PAST[r.what] ?? r.what;
  return { text: `daemon: ${verb} ${where}${tier}${why}`, tone: r.what === 'evict' || r.what === 'oom' ? 'error' : 'warn' };
}
