import { useCallback, useEffect, useState } from 'react';
import type { SampleView } from '../../stats/model.js';
import { recordEvent, recordOomKills, type ConsoleEvent, type EventLog } from '../view/events.js';
import type { ConsoleSource } from '../source.js';

export interface SampleState {
  /** The latest pass; undefined until the first one arrives. */
  view: SampleView | undefined;
  events: EventLog;
  /** Adds an event (an action's outcome) to a container's log. */
  logEvent: (name: string, event: ConsoleEvent) => void;
}

/** Follows the source: each pass replaces the view and feeds its OOM kills to the event log. */
export function useSampleView(source: ConsoleSource): SampleState {
  const [state, setState] = useState<{ view: SampleView | undefined; events: EventLog }>({
    view: undefined,
    events: new Map(),
  });
  useEffect(
    () => source.subscribe((view) => setState((s) => ({ view, events: recordOomKills(s.events, view) }))),
    [source],
  );
  const logEvent = useCallback(
    (name: string, event: ConsoleEvent) => setState((s) => ({ ...s, events: recordEvent(s.events, name, event) })),
    [],
  );
  return { ...state, logEvent };
}
