import { useEffect, useState } from 'react';
import { asLmctfyError } from '../../engine/errors.js';
import type { ConsoleActions } from '../source.js';

export type SpecState = { status: 'loading' } | { status: 'ready'; text: string } | { status: 'failed'; error: string };

/**
 * The container's spec text, fetched again when the name or `revision` changes (the app
 * bumps it after each successful action). Answers for a stale name are dropped.
 */
export function useSpecText(actions: ConsoleActions, name: string, revision: number): SpecState {
  const [state, setState] = useState<SpecState>({ status: 'loading' });
  useEffect(() => {
    let current = true;
    setState({ status: 'loading' });
    Promise.resolve()
      .then(() => actions.specText(name))
      .then(
      (text) => current && setState({ status: 'ready', text }),
      (e: unknown) => current && setState({ status: 'failed', error: asLmctfyError(e).describe() }),
    );
    return () => {
      current = false;
    };
  }, [actions, name, revision]);
  return state;
}
