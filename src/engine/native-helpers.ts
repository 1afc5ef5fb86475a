import * as fs from 'node:fs';
import * as path from 'node:path';
import { Code, LmctfyError } from './errors.js';

const found = new Map<string, string>();

/**
 * A native helper built by `npm run build` into build/ at the package top (native/*.c):
 * searched upwards because this module runs from src/ (tests) and from dist/ (the bundle).
 * `what` names it in the error when it was not built.
 */
export function nativeHelper(file: string, what: string): string {
  const known = found.get(file);
  if (known) return known;
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'build', file);
    if (fs.existsSync(candidate)) {
      found.set(file, candidate);
      return candidate;
    }
    if (path.dirname(dir) === dir) {
      throw new LmctfyError(Code.FAILED_PRECONDITION, `the ${what} build/${file} was not found; build it with \`npm run build\` (needs a C compiler)`);
    }
  }
}
