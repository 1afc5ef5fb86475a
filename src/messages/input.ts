/** A spec as the user gave it (command line or `-c` file), in any of the three formats. */
import type { MessageName } from './schema.js';
import { checkSize, decodeUtf8, specError } from './problem.js';
import { parseText } from './text.js';
import { parseJson } from './json.js';
import { parseBinary } from './binary.js';

export type SpecFormat = 'text' | 'json' | 'binary' | 'auto';

/**
 * Control characters text never holds but binary protobuf nearly always does (tags and
 * lengths below 32): a small binary message is often valid UTF-8, so validity alone
 * cannot tell the two apart.
 */
const NOT_TEXT = /[\u0000-\u0008\u000e-\u001f]/;

/**
 * How `auto` reads an input: bytes that are not UTF-8 text are binary; text whose first
 * non-blank character is `{` is JSON (text format cannot start with `{`); the rest is text
 * format.
 */
export function detectFormat(input: string | Uint8Array): 'text' | 'json' | 'binary' {
  const text = typeof input === 'string' ? input : decodeUtf8(input);
  if (text === undefined || (typeof input !== 'string' && NOT_TEXT.test(text))) return 'binary';
  return /^\uFEFF?\s*\{/.test(text) ? 'json' : 'text';
}

export function parseSpecInput<T>(name: MessageName, input: string | Uint8Array, format: SpecFormat = 'auto'): T {
  checkSize(name, typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.length);
  const chosen = format === 'auto' ? detectFormat(input) : format;
  if (chosen === 'binary') {
    if (typeof input === 'string') throw specError(name, undefined, 'binary input must be bytes, not a string');
    return parseBinary<T>(name, input);
  }
  const text = typeof input === 'string' ? input : decodeUtf8(input);
  if (text === undefined) throw specError(name, undefined, `${chosen} input is not valid UTF-8`);
  return chosen === 'json' ? parseJson<T>(name, text) : parseText<T>(name, text);
}
