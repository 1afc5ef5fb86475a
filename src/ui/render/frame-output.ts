import { GenerationCache } from './generation-cache.js';
import { createTextWidth, isNarrowCode, sgrEnd } from './text-width.js';

/**
 * A stand-in for Ink's Output (ink/build/output.js), swapped in at bundle time by
 * ink-output-plugin.mjs. Ink builds a new Output every frame and with it a fresh grid of cell
 * objects, tokenizes every written line for ANSI styles and measures every character;
 * here lines are parsed once and reused across frames, styles are interned to small
 * numbers, and plain ASCII lines skip the tokenizer. The frame string is byte-for-byte what
 * Ink's Output makes of the same writes (test/tui/frame-output.test.tsx): Ink's own
 * tokenizer, style diffing, string-width and slice-ansi are handed in, so every
 * non-trivial case goes through the same code.
 */

/** One SGR or link code, as @alcalzone/ansi-tokenize returns it. */
export interface AnsiCode {
  type: 'ansi';
  code: string;
  endCode: string;
}

export interface StyledChar {
  type: 'char';
  value: string;
  fullWidth: boolean;
  styles: AnsiCode[];
}

/** The helpers Ink's Output uses, resolved from Ink's own dependencies by the plugin. */
export interface OutputDeps {
  stringWidth(text: string): number;
  sliceAnsi(text: string, start: number, end?: number): string;
  tokenize(text: string): unknown[];
  styledCharsFromTokens(tokens: never[]): StyledChar[];
  diffAnsiCodes(from: AnsiCode[], to: AnsiCode[]): AnsiCode[];
  ansiCodesToString(codes: AnsiCode[]): string;
}

/** What Ink's Text does to its text (ink/build/components/Text.js, squash-text-nodes.js), for textLine. */
export interface TextDeps {
  /** Ink's colorize, for a foreground colour. */
  colorize(text: string, color: string, type: 'foreground'): string;
  /** chalk.inverse, as Ink's Text applies it. */
  inverse(text: string): string;
  /** What Ink's squashing does to the joined text of a Text's children. */
  sanitizeAnsi(text: string): string;
}

export type OutputTransformer = (line: string, index: number) => string;

export interface Clip {
  x1: number | undefined;
  x2: number | undefined;
  y1: number | undefined;
  y2: number | undefined;
}

type Operation =
  | { type: 'write'; x: number; y: number; text: string; transformers: OutputTransformer[] }
  | { type: 'clip'; clip: Clip }
  | { type: 'unclip' };

/** A line as cells: character, interned style and the columns Ink advances for it. */
interface ParsedLine {
  values: string[];
  /** undefined when no character is styled. */
  styles: number[] | undefined;
  /** undefined when every character takes one column. */
  widths: number[] | undefined;
}

/**
 * Distinct lines kept per generation: a few times the frame's height, since a frame writes
 * about one line per row (more under an overlay); two generations live at once. Every line
 * is an array of its characters, so a generous bound (it was 1,024) kept megabytes of
 * lines the screen had long stopped showing: a row whose sparkline moves is a new line
 * every pass.
 */
const LINES_PER_ROW = 4;
const MIN_LINE_CACHE_SIZE = 128;
/** Distinct characters whose width is kept. */
const WIDTH_CACHE_SIZE = 8192;
const NO_STYLE = 0;

/** Ink's Output constructor: `new Output({ width, height })`, one per frame. */
export type OutputClass = new (options: { width: number; height: number }) => FrameOutput;

/** The caches and Ink's helpers of the last Output class made, and the width Ink measures text with: textLine draws with them. */
let latest: { shared: Shared; text: TextDeps; stringWidth: (text: string) => number } | undefined;

/** An Output class whose instances share one set of caches across frames. */
export function createOutput(deps: OutputDeps & TextDeps): OutputClass {
  const styles = new StyleTable(deps);
  const shared: Shared = { deps, styles, lines: new LineCache(deps, styles) };
  latest = { shared, text: deps, stringWidth: createTextWidth(deps.stringWidth).stringWidth };
  return class extends FrameOutput {
    constructor(options: { width: number; height: number }) {
      super(options, shared);
    }
  };
}

interface Shared {
  deps: OutputDeps;
  styles: StyleTable;
  lines: LineCache;
  /** The last frame's rows: what wrote each, and the string it made. */
  previous?: { width: number; rows: RowWrites[]; lines: string[] };
}

/** The writes that landed on one row, in order, as pairs: column, parsed line. */
type RowWrites = Array<number | ParsedLine>;

function sameWrites(a: RowWrites, b: RowWrites): boolean {
  if (a.length !== b.length) return false;
  // Parsed lines are the cache's: the same object for the same line while it is cached.
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class FrameOutput {
  readonly width: number;
  readonly height: number;
  private readonly operations: Operation[] = [];
  private readonly widths = new Map<string, number>();
  private readonly blockWidths = new Map<string, number>();

  constructor(
    options: { width: number; height: number },
    private readonly shared: Shared,
  ) {
    this.width = options.width;
    this.height = options.height;
  }

  write(x: number, y: number, text: string, options: { transformers: OutputTransformer[] }): void {
    if (!text) return;
    this.operations.push({ type: 'write', x, y, text, transformers: options.transformers });
  }

  clip(clip: Clip): void {
    this.operations.push({ type: 'clip', clip });
  }

  unclip(): void {
    this.operations.push({ type: 'unclip' });
  }

  get(): { output: string; height: number } {
    const rows: RowWrites[] = [];
    for (let y = 0; y < this.height; y++) rows.push([]);
    this.shared.lines.fit(this.height);
    const clips: Clip[] = [];
    for (const operation of this.operations) {
      if (operation.type === 'clip') clips.push(operation.clip);
      else if (operation.type === 'unclip') clips.pop();
      else this.place(operation, clips.at(-1), rows);
    }
    // A row written by the same lines at the same columns as in the previous frame (of this
    // width) is the same string: only the rows that changed are drawn and styled again.
    const previous = this.shared.previous?.width === this.width ? this.shared.previous : undefined;
    const out: string[] = [];
    for (let y = 0; y < rows.length; y++) {
      out.push(previous !== undefined && y < previous.rows.length && sameWrites(previous.rows[y], rows[y]) ? previous.lines[y] : this.drawRow(rows[y]));
    }
    this.shared.previous = { width: this.width, rows, lines: out };
    return { output: out.join('\n'), height: rows.length };
  }

  private drawRow(writes: RowWrites): string {
    return drawRow(this.shared, this.width, writes);
  }

  /** Ink's write step, clipping included: each line the operation leaves, parsed, listed under its row with its column. */
  private place(operation: Extract<Operation, { type: 'write' }>, clip: Clip | undefined, rows: RowWrites[]): void {
    const { text, transformers } = operation;
    let { x, y } = operation;
    let textLines = text.split('\n');
    if (clip) {
      const horizontal = typeof clip.x1 === 'number' && typeof clip.x2 === 'number';
      const vertical = typeof clip.y1 === 'number' && typeof clip.y2 === 'number';
      if (horizontal) {
        const width = this.widestLine(text);
        if (x + width < clip.x1! || x > clip.x2!) return;
      }
      if (vertical) {
        if (y + textLines.length < clip.y1! || y > clip.y2!) return;
      }
      if (horizontal) {
        textLines = textLines.map((line) => {
          const from = x < clip.x1! ? clip.x1! - x : 0;
          const width = this.stringWidth(line);
          const to = x + width > clip.x2! ? clip.x2! - x : width;
          return this.shared.deps.sliceAnsi(line, from, to);
        });
        if (x < clip.x1!) x = clip.x1!;
      }
      if (vertical) {
        const from = y < clip.y1! ? clip.y1! - y : 0;
        const height = textLines.length;
        const to = y + height > clip.y2! ? clip.y2! - y : height;
        textLines = textLines.slice(from, to);
        if (y < clip.y1!) y = clip.y1!;
      }
    }
    let offsetY = 0;
    for (let index = 0; index < textLines.length; index++) {
      const row = rows[y + offsetY];
      // Like Ink: a line below the grid is dropped without moving on to the next row.
      if (!row) continue;
      let line = textLines[index];
      for (const transformer of transformers) line = transformer(line, index);
      row.push(x, this.shared.lines.get(line));
      offsetY++;
    }
  }

  private stringWidth(text: string): number {
    let width = this.widths.get(text);
    if (width === undefined) {
      width = this.shared.deps.stringWidth(text);
      this.widths.set(text, width);
    }
    return width;
  }

  private widestLine(text: string): number {
    let width = this.blockWidths.get(text);
    if (width === undefined) {
      width = 0;
      for (const line of text.split('\n')) width = Math.max(width, this.stringWidth(line));
      this.blockWidths.set(text, width);
    }
    return width;
  }
}

/** One grid row as Ink's Output makes it from these writes: a row of spaces, each line's cells laid over it in order. */
function drawRow(shared: Shared, width: number, writes: RowWrites): string {
  const rowValues: Array<string | undefined> = new Array<string>(width).fill(' ');
  const rowStyles: number[] = new Array<number>(width).fill(NO_STYLE);
  for (let w = 0; w < writes.length; w += 2) {
    const parsed = writes[w + 1] as ParsedLine;
    let offsetX = writes[w] as number;
    for (let i = 0; i < parsed.values.length; i++) {
      const style = parsed.styles === undefined ? NO_STYLE : parsed.styles[i];
      rowValues[offsetX] = parsed.values[i];
      rowStyles[offsetX] = style;
      const columns = parsed.widths === undefined ? 1 : parsed.widths[i];
      // A wide character's other columns become empty cells in its style.
      for (let k = 1; k < columns; k++) {
        rowValues[offsetX + k] = '';
        rowStyles[offsetX + k] = style;
      }
      offsetX += columns;
    }
  }
  return shared.styles.line(rowValues, rowStyles).trimEnd();
}

/** An Ink Text's content: strings, each with a foreground colour or none, as nested Texts or bare. */
export interface TextSpec {
  children: ReadonlyArray<{ text: string; color?: string }>;
  /** The Text's own colour and inverse. */
  color?: string;
  inverse?: boolean;
}

/**
 * The line Ink draws for a Text of `spec` alone on its row, at the first column of a frame
 * `width` columns wide whose Text spans the width, without React, layout or a frame: the
 * same squashing and styling as Ink's Text (its own helpers) and the same cells and style
 * codes as a frame of this Output (its caches). Undefined when no Output was made yet, or
 * when the text is wider than the frame: Ink would truncate or wrap it first.
 */
export function textLine(spec: TextSpec, width: number): string | undefined {
  if (latest === undefined) return undefined;
  const { shared, text: ink, stringWidth } = latest;
  let joined = '';
  let controls = false;
  for (const child of spec.children) {
    controls ||= hasControls(child.text);
    joined += child.color === undefined || child.text === '' ? child.text : ink.colorize(child.text, child.color, 'foreground');
  }
  // Ink's squashing keeps the colour codes chalk adds: it changes only text holding control characters.
  let line = controls ? ink.sanitizeAnsi(joined) : joined;
  // Ink measures with widest-line's stand-in (text-width.ts): string-width's answer, without its segmentation for the console's glyphs.
  if (stringWidth(line) > width) return undefined;
  if (spec.color !== undefined) line = ink.colorize(line, spec.color, 'foreground');
  if (spec.inverse === true) line = ink.inverse(line);
  // A row drawn this way is new (its figures moved) and the next pass's is newer: neither
  // kept in the line cache, where it would only age into the old generation, nor made into cells when it need not be.
  return shared.styles.narrowLine(line, width) ?? drawRow(shared, width, [0, shared.lines.parse(line)]);
}

/** Whether text holds a C0 or C1 control character (an escape among them). */
function hasControls(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/**
 * Style sets (a character's active codes) as numbers, 0 for none, and the escape strings
 * between two of them, each computed once with Ink's own diffing.
 */
class StyleTable {
  private readonly byKey = new Map<string, number>([['', NO_STYLE]]);
  private readonly sets: AnsiCode[][] = [[]];
  private readonly opens: string[] = [''];
  private readonly closes: string[] = [''];
  private readonly transitions = new Map<number, string>();

  constructor(private readonly deps: OutputDeps) {}

  private readonly afterCodes = new Map<string, number>();

  /** The style after SGR sequence `sgr` in style `from`, as Ink's tokenizer reduces it (computed once a pair). */
  after(from: number, sgr: string): number {
    const key = `${from}\u0000${sgr}`;
    let to = this.afterCodes.get(key);
    if (to === undefined) {
      const [char] = this.deps.styledCharsFromTokens(this.deps.tokenize(`${this.opens[from]}${sgr} `) as never[]);
      to = this.intern(char.styles);
      this.afterCodes.set(key, to);
    }
    return to;
  }

  /** The id of a reduced code list; equal code sequences share one id (end codes follow from codes). */
  intern(codes: AnsiCode[]): number {
    if (codes.length === 0) return NO_STYLE;
    let key = codes[0].code;
    for (let i = 1; i < codes.length; i++) key += '\u0000' + codes[i].code;
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.sets.length;
      this.sets.push(codes);
      this.opens.push(this.deps.ansiCodesToString(codes));
      this.closes.push(this.deps.ansiCodesToString(this.deps.diffAnsiCodes(codes, [])));
      this.byKey.set(key, id);
    }
    return id;
  }

  /**
   * What line() makes of the cells of `line` written alone at the first column of a row
   * `width` wide (then trimmed as drawRow trims), straight from the string: for a line of
   * printable ASCII, the console's narrow glyphs and SGR codes (as LineCache.parseNarrow
   * takes) that fits the row, the characters between codes are copied in runs. Undefined
   * for any other line.
   */
  narrowLine(line: string, width: number): string | undefined {
    let out = '';
    let style = NO_STYLE;
    let previous = -1;
    let run = 0;
    let cells = 0;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 0x1b) {
        const end = sgrEnd(line, i);
        if (end < 0) return undefined;
        if (i > run) {
          out += this.enter(previous, style) + line.slice(run, i);
          previous = style;
        }
        style = this.after(style, line.slice(i, end + 1));
        i = end;
        run = end + 1;
      } else if (isNarrowCode(c)) cells++;
      else return undefined;
    }
    if (cells > width) return undefined;
    if (line.length > run) {
      out += this.enter(previous, style) + line.slice(run);
      previous = style;
    }
    // The row's unwritten cells are unstyled spaces, which the trim takes off again.
    if (cells < width) {
      out += this.enter(previous, NO_STYLE);
      previous = NO_STYLE;
    }
    return (previous === -1 ? out : out + this.closes[previous]).trimEnd();
  }

  /** The codes before a character in `style` after one in `previous` (-1: the row's first). */
  private enter(previous: number, style: number): string {
    if (previous === -1) return this.opens[style];
    return style === previous ? '' : this.transition(previous, style);
  }

  /** One grid row as Ink's styledCharsToString writes it; unset cells are skipped. */
  line(values: ReadonlyArray<string | undefined>, styles: readonly number[]): string {
    let out = '';
    let previous = -1;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (value === undefined) continue;
      const style = styles[i];
      if (previous === -1) out += this.opens[style];
      else if (style !== previous) out += this.transition(previous, style);
      out += value;
      previous = style;
    }
    return previous === -1 ? out : out + this.closes[previous];
  }

  private transition(from: number, to: number): string {
    const key = from * 0x10000 + to;
    let codes = this.transitions.get(key);
    if (codes === undefined) {
      codes = this.deps.ansiCodesToString(this.deps.diffAnsiCodes(this.sets[from], this.sets[to]));
      this.transitions.set(key, codes);
    }
    return codes;
  }
}

/**
 * Parsed lines across frames, most of which repeat from one frame to the next. Two
 * generations bound it: when the current one is full it becomes the old one, and lines
 * still in use move back to the current one as they are read.
 */
class LineCache {
  private readonly cache = new GenerationCache<string, ParsedLine>(MIN_LINE_CACHE_SIZE);
  private readonly charWidths = new Map<string, number>();
  /** One string per narrow character: a line's cells share them instead of one string each. */
  private readonly narrow = new Map<number, string>();

  constructor(
    private readonly deps: OutputDeps,
    private readonly styles: StyleTable,
  ) {}

  /** Sizes the generations for frames of this many rows. */
  fit(height: number): void {
    this.cache.limit = Math.max(MIN_LINE_CACHE_SIZE, LINES_PER_ROW * height);
  }

  get(line: string): ParsedLine {
    return this.cache.get(line, (l) => this.parse(l));
  }

  /** The line parsed without keeping it: a line drawn once, which no frame will write again. */
  parse(line: string): ParsedLine {
    const simple = this.parseNarrow(line);
    if (simple !== undefined) return simple;
    const chars = this.deps.styledCharsFromTokens(this.deps.tokenize(line) as never[]);
    const values: string[] = [];
    const styles: number[] = [];
    const widths: number[] = [];
    for (const char of chars) {
      values.push(char.value);
      styles.push(this.styles.intern(char.styles));
      widths.push(Math.max(1, this.charWidth(char.value)));
    }
    return { values, styles, widths };
  }

  /**
   * A line of printable ASCII and the console's narrow glyphs between SGR sequences (a table
   * row: text, tree marks, bars and sparklines, colours): one grapheme and one column per
   * character, as the tokenizer and string-width say of them, and each style change worked
   * out once by Ink's tokenizer (StyleTable.after). Undefined for any other line, which
   * the tokenizer parses whole.
   */
  private parseNarrow(line: string): ParsedLine | undefined {
    const values: string[] = [];
    const styles: number[] = [];
    let style = NO_STYLE;
    let styled = false;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 0x1b) {
        const end = sgrEnd(line, i);
        if (end < 0) return undefined;
        style = this.styles.after(style, line.slice(i, end + 1));
        i = end;
      } else if (isNarrowCode(c)) {
        let value = this.narrow.get(c);
        if (value === undefined) {
          value = line[i];
          this.narrow.set(c, value);
        }
        values.push(value);
        styles.push(style);
        if (style !== NO_STYLE) styled = true;
      } else return undefined;
    }
    return { values, styles: styled ? styles : undefined, widths: undefined };
  }

  private charWidth(value: string): number {
    let width = this.charWidths.get(value);
    if (width === undefined) {
      width = this.deps.stringWidth(value);
      if (this.charWidths.size >= WIDTH_CACHE_SIZE) this.charWidths.clear();
      this.charWidths.set(value, width);
    }
    return width;
  }
}
