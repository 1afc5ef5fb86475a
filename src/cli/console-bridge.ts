// Stands in for ./top.js in the CommonJS CLI bundle (scripts/build.mjs swaps it in):
// imports the console's ES module (dist/console.js) when `lmctfy top` opens it.
import { Code, LmctfyError } from '../engine/errors.js';
import type { TopOptions } from './top.js';

type ImportModule = (url: string) => Promise<unknown>;
let importModule: ImportModule | undefined;

/**
 * bin/lmctfy.js's own import(): the bundle cannot import, since V8 drops a script's dynamic
 * import callback when it compiles the script from a code cache.
 */
export function setImportModule(fn: ImportModule): void {
  importModule = fn;
}

export async function runInteractiveTop(opts: TopOptions): Promise<void> {
  if (!importModule) throw new LmctfyError(Code.INTERNAL, 'the console module cannot be imported (start lmctfy with bin/lmctfy.js)');
  const console = (await importModule(new URL('./console.js', import.meta.url).href)) as typeof import('./console-module.js');
  try {
    await console.runInteractiveTop(opts);
  } catch (e) {
    // That module has its own copy of the engine: its errors become ours, so the exit
    // status is still the canonical code (src/cli/main.ts).
    if (e instanceof console.LmctfyError) throw new LmctfyError(e.code, e.message, { cause: e, ...(e.errno ? { errno: e.errno } : {}) });
    throw e;
  }
}
