import type { SampleView } from '../../stats/model.js';
import type { Tone } from './theme.js';

/** Something that happened to a container while the console watched: an action or an OOM kill. */
export interface ConsoleEvent {
  /** RFC 3339. */
  time: string;
  text: string;
  tone: Tone;
}

/** Per-container event logs, newest last. */
export type EventLog = ReadonlyMap<string, readonly ConsoleEvent[]>;

/** Events kept per container; older ones drop off. */
export const EVENTS_PER_CONTAINER = 20;

export function recordEvent(log: EventLog, name: string, event: ConsoleEvent): EventLog {
  const next = new Map(log);
  next.set(name, [...(log.get(name) ?? []), event].slice(-EVENTS_PER_CONTAINER));
  return next;
}

/**
 * Adds an event for every OOM kill the pass saw and forgets containers that are gone, so
 * the log stays as large as the tree. Returns `log` itself when nothing changed.
 */
export function recordOomKills(log: EventLog, view: SampleView): EventLog {
  let next: Map<string, readonly ConsoleEvent[]> | undefined;
  // The logged names not seen in this pass: a small set, where one of every name would
  // cost a Set insertion per container per pass.
  const gone = new Set(log.keys());
  for (const c of view.containers) {
    if (gone.size > 0) gone.delete(c.name);
    const kills = c.rates.oomKillsDelta ?? 0;
    if (kills <= 0) continue;
    next ??= new Map(log);
    const text = kills === 1 ? 'OOM kill' : `${kills} OOM kills`;
    next.set(c.name, [...(next.get(c.name) ?? []), { time: view.timestamp, text, tone: 'error' as const }].slice(-EVENTS_PER_CONTAINER));
  }
  for (const name of gone) {
    next ??= new Map(log);
    next.delete(name);
  }
  return next ?? log;
}
