/**
 * The character classes of protobuf text format's numbers and identifiers (and of container
 * names, src/engine/names.ts), tested by character code. Each regular expression V8 runs costs it a compile at first use and
 * another, to machine code, at the second; a `create` ran ten of them twice or more for one
 * line of spec, ~1 M instructions of its start (BENCHMARKS.md section 5).
 */

/** `[0-9]` at `i` (false past the end). */
export function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

/** `[A-Za-z]` at `i`. */
export function isLetterAsciiAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i) | 0x20;
  return c >= 97 && c <= 122;
}

/** `[A-Za-z_]` at `i`. */
export function isIdentStartAt(s: string, i: number): boolean {
  return isLetterAsciiAt(s, i) || s.charCodeAt(i) === 95;
}

/** `[A-Za-z0-9_]` at `i`. */
export function isIdentCharAt(s: string, i: number): boolean {
  return isIdentStartAt(s, i) || isDigitAt(s, i);
}

/** Where the run of `[0-9]` starting at `i` ends. */
export function digitsEnd(s: string, i: number): number {
  while (isDigitAt(s, i)) i++;
  return i;
}

/** Where the run of `[A-Za-z0-9_]` starting at `i` ends. */
export function identEnd(s: string, i: number): number {
  while (isIdentCharAt(s, i)) i++;
  return i;
}

/** The character at `i` is `lower` in either case (`lower` a lower-case ASCII letter). */
export function isLetterAt(s: string, i: number, lower: string): boolean {
  return (s.charCodeAt(i) | 0x20) === lower.charCodeAt(0);
}

/** `^0[xX]`. */
export function hasHexPrefix(s: string): boolean {
  return s.charCodeAt(0) === 48 && isLetterAt(s, 1, 'x');
}

/** `^0[0-7]+$`: a C octal literal. */
export function isOctalLiteral(s: string): boolean {
  if (s.length < 2 || s.charCodeAt(0) !== 48) return false;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 55) return false;
  }
  return true;
}
