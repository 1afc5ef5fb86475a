import { useEffect } from 'react';
import type { ConsoleSource } from '../source.js';
import type { ConsoleInput } from '../state/console-state.js';

/** Feeds the source's journal, if it follows one, into the console's inputs while mounted. */
export function useJournal(source: ConsoleSource, dispatch: (...inputs: ConsoleInput[]) => void): void {
  useEffect(() => source.journal?.((records, past) => dispatch({ type: 'journal', records, past })), [source, dispatch]);
}
