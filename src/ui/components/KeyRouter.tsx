import { useInput, type Key } from 'ink';
import { createContext, useCallback, useMemo, useRef, type ReactNode } from 'react';

export type KeyHandler = (input: string, key: Key) => void;

interface KeyRegistry {
  /** Puts a handler on top; returns its removal. */
  push: (handler: { current: KeyHandler }) => () => void;
}

export const KeyContext = createContext<KeyRegistry | undefined>(undefined);

/**
 * The one Ink input listener of the app. Each key goes to the newest registered handler
 * only, so an open dialog takes the keys and the table gets them back when it closes.
 * Handlers register in layout effects (useKeys): a dialog listens from the very commit
 * that draws it, where Ink's own useInput would subscribe only in a later passive effect
 * and could miss keys typed in between.
 */
export function KeyRouter({ children }: { children: ReactNode }) {
  const stack = useRef<Array<{ current: KeyHandler }>>([]);
  const registry = useMemo<KeyRegistry>(
    () => ({
      push: (handler) => {
        stack.current = [...stack.current, handler];
        return () => {
          stack.current = stack.current.filter((h) => h !== handler);
        };
      },
    }),
    [],
  );
  const route = useCallback((input: string, key: Key) => stack.current.at(-1)?.current(input, key), []);
  useInput(route);
  return <KeyContext.Provider value={registry}>{children}</KeyContext.Provider>;
}
