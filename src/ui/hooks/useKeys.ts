import { useContext, useLayoutEffect, useRef } from 'react';
import { KeyContext, type KeyHandler } from '../components/KeyRouter.js';

/**
 * Receives keys while the component is mounted and is the newest to ask (see KeyRouter).
 * The latest handler is always the one called, so a key never sees an older render's state.
 */
export function useKeys(handler: KeyHandler): void {
  const registry = useContext(KeyContext);
  if (!registry) throw new Error('useKeys needs a <KeyRouter> above it');
  const latest = useRef(handler);
  useLayoutEffect(() => {
    latest.current = handler;
  });
  useLayoutEffect(() => registry.push(latest), [registry]);
}
