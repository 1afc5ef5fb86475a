import { Code, LmctfyError } from '../../src/engine/errors.js';

/** The LmctfyError a call throws, or undefined when it succeeds; anything else is rethrown. */
export function errorOf(fn: () => unknown): LmctfyError | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof LmctfyError) return e;
    throw e;
  }
}

/** The canonical code a call fails with (INTERNAL for a non-LmctfyError), undefined on success. */
export function codeOf(fn: () => unknown): Code | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof LmctfyError ? e.code : Code.INTERNAL;
  }
}
