/**
 * A stand-in for Ink's log-update (ink/build/log-update.js), swapped in at bundle time by
 * ink-output-plugin.mjs. Ink's own erases the whole previous frame and writes the new one
 * every time anything in it moved: the console's header clock moves every pass, so every
 * pass rewrote all ~10 KB of a 200×50 screen. The console draws on the alternate screen,
 * its frame starting at the top-left corner, so lines can be addressed by their row: this
 * writer compares each frame with the last one line by line and writes only the lines that
 * changed, each after a cursor move to its row; a frame equal to the last writes nothing.
 * Ink's own incremental mode moves the cursor relative to where it thinks it is, which a
 * line wider than the terminal (wrapped) or a full-width line (pending wrap) puts off;
 * here every move is absolute and the terminal's auto-wrap is off while frames are drawn.
 * Streams that runConsole did not anchor (not a terminal, or not on the alternate screen)
 * keep Ink's own writer.
 *
 * Ink brackets each frame's write in the terminal's synchronized-update marks (mode 2026),
 * each mark a write of its own: three writes, three system calls and three wake-ups of the
 * terminal a frame. On an anchored stream the marks are this writer's to send, in the
 * same write as the frame (the stand-in for Ink's write-synchronized.js, in
 * ink-output-plugin.mjs, tells Ink not to).
 *
 * The header's sample clock is this writer's to draw (live-clock.ts): a frame holds its
 * slot, each write fills the slot with the current time, and redrawClock rewrites only the
 * lines holding a slot, with no frame from Ink. So that Ink hands over a frame equal to the
 * last one when only the clock moved, the writer reports itself dirty (isCursorDirty, the
 * one question Ink asks before skipping an unchanged frame) until the time shown is current.
 *
 * Table rows whose text alone changed in a pass are drawn the same way (drawLines): the
 * console makes their lines as Ink's Output would and the writer writes them, with no
 * render. Ink's tree then lags the screen: until the console renders its current state
 * (settleLines, just before), a frame from Ink gets those lines in their rows; after it,
 * the writer reports itself dirty so that Ink's next frame is compared with the screen
 * even when it equals the last one Ink made.
 */

/** Where the text cursor should be, in the frame's columns and lines (Ink's useCursor). */
export interface CursorPosition {
  x: number;
  y: number;
}

/** The writable side of a terminal as Ink hands it over. */
export interface FrameStream {
  write(data: string): unknown;
  columns?: number;
  rows?: number;
}

/** Ink's log-update: a function writing a frame, with these methods beside it. */
export interface LogUpdate {
  (str: string): boolean;
  clear(): void;
  done(): void;
  sync(str: string): void;
  setCursorPosition(position: CursorPosition | undefined): void;
  isCursorDirty(): boolean;
  willRender(str: string): boolean;
}

interface LogUpdateOptions {
  showCursor?: boolean;
  incremental?: boolean;
}

/** Ink's log-update module, its `create` taking the stream and Ink's options. */
export interface LogUpdateModule {
  create(stream: FrameStream, options?: LogUpdateOptions): LogUpdate;
}

/** cli-cursor, as Ink uses it: also shows the cursor again if the process exits meanwhile. */
export interface CursorControl {
  hide(stream: FrameStream): void;
  show(stream: FrameStream): void;
}

import { CLOCK_CELL, clockText, fillClock, onClockRedraw } from './live-clock.js';

const CSI = '\u001b[';
const CLEAR_SCREEN = `${CSI}2J`;
const CLEAR_LINE = `${CSI}2K`;
const HOME = `${CSI}H`;
const SHOW_CURSOR = `${CSI}?25h`;
const HIDE_CURSOR = `${CSI}?25l`;
/** Synchronized update (mode 2026) begin and end: the terminal shows what is between at once. */
const BEGIN_SYNC = `${CSI}?2026h`;
const END_SYNC = `${CSI}?2026l`;
/** DECAWM off/on: with auto-wrap off an over-long line is cut at the margin instead of pushing the lines below down. */
export const AUTO_WRAP_OFF = `${CSI}?7l`;
export const AUTO_WRAP_ON = `${CSI}?7h`;

const anchored = new WeakSet<object>();

/** The writers that can draw lines ahead of Ink: each draws or declines, and forgets them when settled. */
interface AheadLines {
  draw(lines: ReadonlyArray<readonly [number, string]>): boolean;
  settle(): void;
}
const aheadWriters = new Set<AheadLines>();

/**
 * Draws these screen lines (index, line as Ink's Output makes it) on the screens the line
 * writer draws, with the clock, without a frame; false when there is no such screen or one
 * cannot take them (not drawn yet, resized since, shorter), when the caller must render.
 */
export function drawLines(lines: ReadonlyArray<readonly [number, string]>): boolean {
  if (aheadWriters.size === 0) return false;
  let drawn = true;
  for (const writer of aheadWriters) drawn = writer.draw(lines) && drawn;
  return drawn;
}

/** Says that Ink's next frame is made from the console's current state: lines drawn ahead of it are its again. */
export function settleLines(): void {
  for (const writer of aheadWriters) writer.settle();
}

/**
 * Declares that Ink's frames on this stream start at the top-left corner of a screen the
 * caller owns (the alternate screen, entered with the cursor at home), so they can be
 * drawn line by line. Undone by releaseFrames.
 */
export function anchorFrames(stream: object): void {
  anchored.add(stream);
}

export function releaseFrames(stream: object): void {
  anchored.delete(stream);
}

/** Whether this writer draws the stream, synchronized-update marks included. */
export function isAnchored(stream: object): boolean {
  return anchored.has(stream);
}

/** A frame string as its screen lines: Ink ends a frame shorter than the screen with a newline. */
export function frameLines(str: string): string[] {
  const lines = str.split('\n');
  if (str.endsWith('\n')) lines.pop();
  return lines;
}

/** Moves the cursor to a line of the frame (0-based), first column. */
function lineStart(index: number): string {
  return index === 0 ? HOME : `${CSI}${index + 1}H`;
}

/**
 * The bytes that turn a screen showing `previous` (undefined: unknown, redraw it all) into
 * one showing `next`. Each changed line is cleared whole before it is written: clearing
 * after it would take the last column of a full-width line with it.
 */
export function frameDiff(previous: readonly string[] | undefined, next: readonly string[]): string {
  let out = '';
  if (previous === undefined) {
    out = CLEAR_SCREEN;
    for (let i = 0; i < next.length; i++) if (next[i] !== '') out += lineStart(i) + next[i];
    return out;
  }
  const count = Math.max(previous.length, next.length);
  for (let i = 0; i < count; i++) {
    const line = i < next.length ? next[i] : '';
    const before = i < previous.length ? previous[i] : '';
    if (line !== before) out += lineStart(i) + CLEAR_LINE + line;
  }
  return out;
}

/** Where the cursor ends after a frame: hidden, or shown at Ink's cursor position. */
function cursorAfter(position: CursorPosition | undefined): string {
  return position === undefined ? '' : `${CSI}${position.y + 1};${position.x + 1}H${SHOW_CURSOR}`;
}

function samePosition(a: CursorPosition | undefined, b: CursorPosition | undefined): boolean {
  return a?.x === b?.x && a?.y === b?.y;
}

/**
 * The line-diffing writer for an anchored stream; the same contract as Ink's log-update.
 * `synchronize`: wrap each write in the synchronized-update marks (where Ink would).
 */
export function createLineWriter(stream: FrameStream, cursor: CursorControl, { showCursor = false }: LogUpdateOptions = {}, synchronize = false): LogUpdate {
  const write = (data: string) => stream.write(synchronize ? BEGIN_SYNC + data + END_SYNC : data);
  /** What the screen shows now; undefined when unknown (first frame, cleared, resized). */
  let screen: string[] | undefined;
  let previousOutput = '';
  let size = '';
  let started = false;
  let cursorPosition: CursorPosition | undefined;
  let cursorDirty = false;
  let shownCursor: CursorPosition | undefined;
  /** The last frame's lines as Ink made them, and which of them hold a clock slot. */
  let raw: string[] = [];
  let slotRows: number[] = [];
  /** The time the screen's slots show. */
  let shownClock = '';
  let stopRedraws: (() => void) | undefined;
  /** Lines drawn by drawLines since the console last rendered, which Ink's tree does not hold yet. */
  const ahead = new Map<number, string>();
  /** Lines were drawn ahead and the console rendered since: the next frame is compared with the screen whatever Ink thinks. */
  let stale = false;

  const activeCursor = () => (cursorDirty ? cursorPosition : undefined);
  const clockMoved = () => slotRows.length > 0 && shownClock !== clockText();
  const changed = (str: string, position: CursorPosition | undefined) => stale || str !== previousOutput || !samePosition(position, shownCursor) || clockMoved();

  /** The lines to show: the frame's, with the clock drawn into its slots. */
  const filled = (lines: string[]): string[] => {
    raw = lines;
    slotRows = [];
    let out = lines;
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].indexOf(CLOCK_CELL) < 0) continue;
      if (out === lines) out = [...lines];
      slotRows.push(i);
      out[i] = fillClock(lines[i]);
    }
    shownClock = clockText();
    return out;
  };

  /** A frame's lines with the lines drawn ahead of it in their rows. */
  const withAhead = (frame: string[]): string[] => {
    if (ahead.size === 0) return frame;
    const out = [...frame];
    for (const [i, line] of ahead) if (i < out.length) out[i] = line;
    return out;
  };

  /** The bytes that bring a known screen's line `i` to `line`, which the screen then shows. */
  const drawLine = (shown: string[], i: number, line: string): string => {
    if (line === shown[i]) return '';
    shown[i] = line;
    return lineStart(i) + CLEAR_LINE + line;
  };

  /** The clock's lines with the current time. */
  const clockLines = (shown: string[]): string => {
    if (!clockMoved()) return '';
    const time = clockText();
    let out = '';
    for (const i of slotRows) out += drawLine(shown, i, fillClock(raw[i], time));
    shownClock = time;
    return out;
  };

  const writeLines = (out: string) => {
    if (out !== '') write(shownCursor === undefined ? out : HIDE_CURSOR + out + cursorAfter(shownCursor));
  };

  /** The clock's lines again on the screen as it is: the one write of a pass that moved nothing else. */
  const redraw = () => {
    if (screen !== undefined) writeLines(clockLines(screen));
  };

  const aheadLines: AheadLines = {
    draw(next) {
      if (!started || screen === undefined || `${stream.columns}x${stream.rows}` !== size) return false;
      const shown = screen;
      if (next.some(([i]) => i >= shown.length)) return false;
      let out = '';
      for (const [i, line] of next) {
        ahead.set(i, line);
        out += drawLine(shown, i, line);
      }
      writeLines(out + clockLines(shown));
      return true;
    },
    settle() {
      if (ahead.size === 0) return;
      ahead.clear();
      stale = true;
    },
  };

  const render = ((str: string): boolean => {
    if (!started) {
      if (!showCursor) cursor.hide(stream);
      stream.write(AUTO_WRAP_OFF);
      const stopClock = onClockRedraw(redraw);
      aheadWriters.add(aheadLines);
      stopRedraws = () => {
        stopClock();
        aheadWriters.delete(aheadLines);
      };
      started = true;
    }
    const position = activeCursor();
    cursorDirty = false;
    const nowSize = `${stream.columns}x${stream.rows}`;
    if (nowSize !== size) {
      // A resized terminal may have cut or moved what it showed: draw it all again. Lines
      // drawn ahead were made for the old width; the console renders for the new one.
      screen = undefined;
      size = nowSize;
      ahead.clear();
    }
    if (screen !== undefined && !changed(str, position)) return false;
    stale = false;
    const lines = withAhead(filled(frameLines(str)));
    // The console is never taller than the terminal; if a frame is, rows past the last
    // cannot be addressed, and the terminal shows its bottom as Ink's own writer would.
    const fits = stream.rows === undefined || lines.length <= stream.rows;
    let out = shownCursor !== undefined ? HIDE_CURSOR : '';
    out += fits ? frameDiff(screen, lines) : CLEAR_SCREEN + HOME + lines.join('\r\n');
    out += cursorAfter(position);
    if (out !== '') write(out);
    screen = fits ? lines : undefined;
    previousOutput = str;
    shownCursor = position;
    return true;
  }) as LogUpdate;

  render.clear = () => {
    write(HOME + CLEAR_SCREEN);
    screen = undefined;
    previousOutput = '';
    shownCursor = undefined;
  };
  render.done = () => {
    if (started) stream.write(AUTO_WRAP_ON);
    if (!showCursor) cursor.show(stream);
    stopRedraws?.();
    stopRedraws = undefined;
    screen = undefined;
    ahead.clear();
    stale = false;
    previousOutput = '';
    shownCursor = undefined;
    started = false;
  };
  // Ink wrote the frame itself (clear screen, home, frame): the screen shows it from the top,
  // its clock slots as they are until they are drawn over.
  render.sync = (str: string) => {
    const position = activeCursor();
    cursorDirty = false;
    stale = false;
    const lines = frameLines(str);
    screen = stream.rows === undefined || lines.length <= stream.rows ? lines : undefined;
    previousOutput = str;
    let out = (shownCursor !== undefined && position === undefined ? HIDE_CURSOR : '') + cursorAfter(position);
    if (screen !== undefined) {
      const shown = withAhead(filled(lines));
      out = frameDiff(screen, shown) + out;
      screen = shown;
    }
    if (out !== '') write(out);
    shownCursor = position;
  };
  render.setCursorPosition = (position: CursorPosition | undefined) => {
    cursorPosition = position;
    cursorDirty = true;
  };
  render.isCursorDirty = () => cursorDirty || stale || clockMoved();
  render.willRender = (str: string) => screen === undefined || changed(str, activeCursor());
  return render;
}

/**
 * Ink's log-update module with anchored streams drawn line by line, every other stream by
 * Ink's writer. `synchronizes`: Ink's own rule for which streams get synchronized updates.
 */
export function createLogUpdate(cursor: CursorControl, ink: LogUpdateModule, synchronizes: (stream: FrameStream) => boolean = () => false): LogUpdateModule {
  return {
    create(stream, options) {
      return anchored.has(stream) ? createLineWriter(stream, cursor, options, synchronizes(stream)) : ink.create(stream, options);
    },
  };
}
