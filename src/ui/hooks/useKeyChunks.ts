import { useStdin } from 'ink';
import { useLayoutEffect, useRef } from 'react';
import { splitKeys, type KeyPress } from '../view/key-input.js';

/**
 * Calls `onKeys` with every key of each terminal read, in order. Ink's useInput hands a
 * run of typed characters (`jjj`, `sq`, a paste) over as one string, which no key map
 * matches, so this listens to what Ink reads (its reader already keeps an escape sequence
 * split over two reads together) and splits it into keys itself. Ink is pinned
 * (docs/DEPENDENCIES.md): an upgrade must keep `internal_eventEmitter`'s 'input' events,
 * which the multi-key tests check.
 * Listens from the first commit (a layout effect), so no key typed early is lost.
 */
export function useKeyChunks(onKeys: (keys: KeyPress[]) => void): void {
  const { internal_eventEmitter: input, setRawMode } = useStdin();
  const latest = useRef(onKeys);
  useLayoutEffect(() => {
    latest.current = onKeys;
  });
  useLayoutEffect(() => {
    setRawMode(true);
    const listener = (chunk: string) => {
      const keys = splitKeys(chunk);
      if (keys.length > 0) latest.current(keys);
    };
    input.on('input', listener);
    return () => {
      input.off('input', listener);
      setRawMode(false);
    };
  }, [input, setRawMode]);
}
