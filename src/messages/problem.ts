/** How the codec reports bad input: INVALID_ARGUMENT naming the message, the place and the field. */
import { Code, LmctfyError } from '../engine/errors.js';
import { MAX_SPEC_BYTES, type MessageName } from './schema.js';

/** `ContainerSpec: line 1, column 9: memory: unknown field "limt"`. */
export function specError(name: MessageName, where: string | undefined, detail: string): LmctfyError {
  return new LmctfyError(Code.INVALID_ARGUMENT, where ? `${name}: ${where}: ${detail}` : `${name}: ${detail}`);
}

/** `line L, column C` of a string offset, both 1-based; columns count code points. */
export function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  const column = Array.from(text.slice(lineStart, offset)).length + 1;
  return `line ${line}, column ${column}`;
}

/** Prefixes a problem with the field path it concerns (nothing at the top level). */
export function atPath(path: string, detail: string): string {
  return path ? `${path}: ${detail}` : detail;
}

export function childPath(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

export function checkSize(name: MessageName, bytes: number): void {
  if (bytes > MAX_SPEC_BYTES) {
    throw specError(name, undefined, `input is ${bytes} bytes, more than the ${MAX_SPEC_BYTES} a spec may have`);
  }
}

/** Made on first use, not at every CLI start (0.6 M instructions). */
let utf8: TextDecoder | undefined;

/** Decodes UTF-8, or undefined when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return (utf8 ??= new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })).decode(bytes);
  } catch {
    return undefined;
  }
}
