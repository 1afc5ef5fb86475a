/**
 * The header's sample clock, drawn by the line writer instead of React. The clock is the
 * one thing on the console's screen that moves every pass: with it in the React tree, an
 * idle tree cost a React render, a Yoga layout, Ink's walk of the whole tree and a frame
 * each second only to change eight characters. On a screen the line writer draws
 * (line-writer.ts), the header holds CLOCK_SLOT in the clock's place, the writer fills it
 * with the time at every write, and a pass that moves nothing else only redraws that line
 * (useConsole). Elsewhere (not a terminal, tests) the header shows the time as text.
 */

/** A private-use character, one column wide, that marks the clock's cells in a frame. */
export const CLOCK_CELL = '\uE000';
/** formatClock's width: HH:MM:SS. */
export const CLOCK_WIDTH = 8;
export const CLOCK_SLOT = CLOCK_CELL.repeat(CLOCK_WIDTH);

let clock = '--:--:--';
const redrawers = new Set<() => void>();

/** The time the slot shows from the next write on. */
export function setClock(text: string): void {
  clock = text;
}

export function clockText(): string {
  return clock;
}

/** Draws the current time into the screens showing a slot, without a new frame. */
export function redrawClock(): void {
  for (const redraw of redrawers) redraw();
}

/** A writer's redraw, called by redrawClock until the returned function removes it. */
export function onClockRedraw(redraw: () => void): () => void {
  redrawers.add(redraw);
  return () => redrawers.delete(redraw);
}

/** The line with its slot cells replaced by the clock's characters in order (a slot cut short by truncation keeps its first ones). */
export function fillClock(line: string, text = clock): string {
  const at = line.indexOf(CLOCK_CELL);
  if (at < 0) return line;
  let out = line.slice(0, at);
  let k = 0;
  for (let i = at; i < line.length; i++) {
    const c = line[i];
    out += c === CLOCK_CELL ? (text[k++] ?? ' ') : c;
  }
  return out;
}
