import type { Pressure, PressureLine } from '../../messages/types.js';

/**
 * Parsers for the shapes cgroupfs files come in. They never throw: a malformed value is
 * `undefined` (an absent stats field; spec readers turn it into DATA_LOSS).
 */

const INTEGER = /^-?\d+$/;

/** One integer, surrounding whitespace (a trailing newline or none) ignored. */
export function parseInteger(text: string): number | undefined {
  const t = text.trim();
  return INTEGER.test(t) ? Number(t) : undefined;
}

/** A counter: a non-negative integer. Values beyond 2^53 keep their magnitude, not every digit. */
export function parseCounter(text: string): number | undefined {
  const n = parseInteger(text);
  return n === undefined || n < 0 ? undefined : n;
}

/**
 * Normalizes a limit the kernel reports to lmctfy's -1 = unlimited: negatives (cfs quota -1)
 * and anything too big to be a real setting (v1's 2^63-4096 page-counter maximum, values
 * ≥ 2^63) mean no limit.
 */
export function limitFrom(n: number): number {
  return n < 0 || n > Number.MAX_SAFE_INTEGER ? -1 : n;
}

/** A limit file: an integer or `max`; see limitFrom for what counts as unlimited. */
export function parseLimit(text: string): number | undefined {
  const t = text.trim();
  if (t === 'max') return -1;
  const n = parseInteger(t);
  return n === undefined ? undefined : limitFrom(n);
}

/** Whitespace-separated counters on one line (cpuacct.usage_percpu); undefined if any is malformed. */
export function parseCounterList(text: string): number[] | undefined {
  const out: number[] = [];
  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    const n = parseCounter(word);
    if (n === undefined) return undefined;
    out.push(n);
  }
  return out;
}

/**
 * Flat keyed files (`key value` per line: memory.stat, cpu.stat, memory.events). Duplicates:
 * the last wins. Lines whose value is not an integer are skipped. With `wanted`, other keys
 * are not even converted: memory.stat is long and read on every sample.
 */
export function parseFlatKeyed(text: string, wanted?: ReadonlySet<string>): Map<string, number> {
  if (wanted) return pickFlatKeyed(text, wanted);
  const out = new Map<string, number>();
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    const sp = line.indexOf(' ');
    if (sp <= 0) continue;
    const n = parseInteger(line.slice(sp + 1));
    if (n !== undefined) out.set(line.slice(0, sp), n);
  }
  return out;
}

/**
 * The wanted keys only, found by searching for `\nKEY ` from the end rather than splitting
 * every line: a console pass wants 2 of memory.stat's ~70 lines.
 */
function pickFlatKeyed(text: string, wanted: ReadonlySet<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const key of wanted) {
    const n = lastValue(text, key);
    if (n !== undefined) out.set(key, n);
  }
  return out;
}

/** The integer on the last `KEY value` line whose value is an integer. */
function lastValue(text: string, key: string): number | undefined {
  const needle = `\n${key} `;
  let at = text.lastIndexOf(needle);
  for (;;) {
    // at < 0: no such line after the first; the first line has no newline before it.
    const start = at >= 0 ? at + needle.length : text.startsWith(needle.slice(1)) ? needle.length - 1 : -1;
    if (start < 0) return undefined;
    const end = text.indexOf('\n', start);
    const n = parseInteger(text.slice(start, end < 0 ? undefined : end));
    if (n !== undefined || at < 0) return n;
    at = at === 0 ? -1 : text.lastIndexOf(needle, at - 1);
  }
}

export interface NestedLine {
  key: string;
  fields: Map<string, string>;
}

/** Nested keyed files (`KEY a=1 b=2` per line: io.stat, io.max, PSI). Tokens without `=` are skipped. */
export function parseNestedKeyed(text: string): NestedLine[] {
  const out: NestedLine[] = [];
  for (const line of text.split('\n')) {
    const words = line.trim().split(/\s+/);
    const key = words[0];
    if (!key) continue;
    const fields = new Map<string, string>();
    for (const w of words.slice(1)) {
      const eq = w.indexOf('=');
      if (eq > 0) fields.set(w.slice(0, eq), w.slice(eq + 1));
    }
    out.push({ key, fields });
  }
  return out;
}

const DECIMAL = /^\d+(\.\d+)?$/;

function pressureLine(fields: Map<string, string>): PressureLine | undefined {
  const line: PressureLine = {};
  for (const k of ['avg10', 'avg60', 'avg300'] as const) {
    const v = fields.get(k);
    if (v !== undefined && DECIMAL.test(v)) line[k] = Number(v);
  }
  const total = fields.get('total');
  const t = total === undefined ? undefined : parseCounter(total);
  if (t !== undefined) line.total = t;
  return Object.keys(line).length > 0 ? line : undefined;
}

/** A PSI file (`some avg10=0.00 avg60=0.00 avg300=0.00 total=0`, and `full ...`). */
export function parsePressure(text: string): Pressure | undefined {
  const out: Pressure = {};
  for (const { key, fields } of parseNestedKeyed(text)) {
    if (key !== 'some' && key !== 'full') continue;
    const line = pressureLine(fields);
    if (line) out[key] = line;
  }
  return out.some || out.full ? out : undefined;
}
