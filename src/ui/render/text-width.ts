/**
 * Terminal width of the console's text, with a fast path for what the console draws.
 * Ink measures every text node with string-width on every frame, twice (Yoga's measure
 * and the render): printable ASCII is quick, but one non-ASCII character sends the whole
 * string through grapheme segmentation (~2 µs a character). A table row carries a bar, a
 * sparkline and tree glyphs, so a row was cut into several texts to keep the block
 * characters out of the ASCII runs. Here the characters the console draws are counted as
 * one column each, as string-width counts them (test/tui/text-width.test.ts checks every
 * one), and SGR colour codes as none; any other character or escape sends the line to
 * string-width, so the answer is always string-width's.
 */

import { CLOCK_CELL } from './live-clock.js';

/**
 * Characters string-width measures as one column whatever comes before them: the console's
 * glyphs (tree markers, the selection mark, bars and sparklines, the virtual host's mark,
 * arrows and signs of the help and status lines, the cell of the header's live clock,
 * render/live-clock.ts) and box drawing (the detail chart).
 * A character after them that changes their width (a combining mark, a variation
 * selector) is not in the set, so such a line is measured by string-width.
 */
export const NARROW_GLYPHS = `…→←↑↓×µ−–Δ≤≥›▾▸⌂⌈⌉⏎·°${CLOCK_CELL}`;

const BOX_DRAWING_FIRST = 0x2500;
/** Through the block elements (▁…█, ▏…▉, ░▒▓). */
const BLOCK_ELEMENTS_LAST = 0x259f;

const narrow = new Set<number>([...NARROW_GLYPHS].map((c) => c.codePointAt(0)!));

/** Whether a UTF-16 code unit is a character the fast path counts as one column: printable ASCII or a narrow glyph. */
export function isNarrowCode(c: number): boolean {
  return (c >= 0x20 && c <= 0x7e) || (c >= BOX_DRAWING_FIRST && c <= BLOCK_ELEMENTS_LAST) || narrow.has(c);
}

/** The index of the `m` ending the SGR sequence (ESC [ digits and ; m) at `start`, or -1 when there is none. */
export function sgrEnd(line: string, start: number): number {
  if (line.charCodeAt(start) !== 0x1b || line.charCodeAt(start + 1) !== 0x5b) return -1;
  for (let j = start + 2; j < line.length; j++) {
    const p = line.charCodeAt(j);
    if (p === 0x6d) return j;
    if (p !== 0x3b && (p < 0x30 || p > 0x39)) return -1;
  }
  return -1;
}

/**
 * The width of `line` (no newline in it) when every character is printable ASCII, a
 * narrow glyph or part of an SGR sequence (ESC [ digits and ; m); -1 otherwise.
 */
export function fastLineWidth(line: string): number {
  let width = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x1b) {
      // Styles take no column. Any other escape (cursor moves, links) is string-width's.
      const end = sgrEnd(line, i);
      if (end < 0) return -1;
      i = end;
    } else if (isNarrowCode(c)) width++;
    else return -1;
  }
  return width;
}

export interface TextWidth {
  stringWidth(text: string): number;
  /** widest-line's contract: the widest of the text's lines. */
  widestLine(text: string): number;
}

/** string-width and widest-line with the console's fast path in front of `slow` (string-width). */
export function createTextWidth(slow: (text: string) => number): TextWidth {
  const stringWidth = (text: string): number => {
    const fast = fastLineWidth(text);
    return fast >= 0 ? fast : slow(text);
  };
  const widestLine = (text: string): number => {
    if (text.indexOf('\n') < 0) return stringWidth(text);
    let widest = 0;
    for (const line of text.split('\n')) widest = Math.max(widest, stringWidth(line));
    return widest;
  };
  return { stringWidth, widestLine };
}
