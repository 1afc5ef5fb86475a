import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Holds V8's young generation to 1 MB semi-spaces for the rest of the process: the commands
 * that run for hours (the console, serve, the daemon, the recorder) make short-lived garbage
 * every pass, and V8's default lets the young generation grow to 16 MB semi-spaces for it,
 * tens of MB of resident size. V8 reads this flag each time it would grow the young
 * generation, so it takes effect when set at run time. A `--max-semi-space-size=2` on
 * bin/lmctfy.js's `#!` line did this before, but is read only at start, and any V8 flag there
 * makes V8 refuse Node's own code cache of its built-in modules, which every command then
 * compiled (BENCHMARKS.md section 5).
 */
export function boundYoungGeneration(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * Compacts the heap every `everyMs` until the returned function is called. V8 gives old-space
 * pages back only after a full collection, and a console left open gathers garbage there at
 * about 0.25 MB a minute until V8 decides on one by itself: a full collection of the
 * console's small heap every two minutes holds its resident size about 4 MB lower for a few
 * milliseconds each time (BENCHMARKS.md section 4b). `gc` exists only in a context made after
 * `--expose-gc` is set, hence the new context.
 */
export function compactHeapEvery(everyMs: number): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const timer = setInterval(gc, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
