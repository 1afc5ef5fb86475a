/** Text formatting for the console: units, clocks and fixed-width cells. */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** Binary units, at most 8 characters: "512 B", "1.5 KiB", "12.3 GiB", "512 MiB". */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '-';
  const sign = bytes < 0 ? '-' : '';
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${sign}${Math.round(value)} B`;
  let text = value < 99.95 ? value.toFixed(1) : String(Math.round(value));
  // Rounding can reach 1024 (1023.7 KiB): say 1.0 MiB instead.
  if (Number(text) >= 1024 && unit < BYTE_UNITS.length - 1) {
    unit++;
    text = (value / 1024).toFixed(1);
  }
  return `${sign}${text} ${BYTE_UNITS[unit]}`;
}

const COMPACT_BYTES = ['B', 'K', 'M', 'G', 'T', 'P', 'E'];
const COMPACT_COUNT = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

/**
 * A non-negative number in at most 4 characters with a one-letter unit of powers of `base`:
 * "999", "9.9k", "12k", "1.0M". Digits that would reach 1000 move to the next unit.
 */
function compact(value: number, base: number, units: readonly string[], unitOfOnes: string): string {
  let v = value;
  let unit = 0;
  while (v >= 999.5 && unit < units.length - 1) {
    v /= base;
    unit++;
  }
  if (unit === 0) return `${Math.round(v)}${unitOfOnes}`;
  const text = v < 9.95 ? v.toFixed(1) : String(Math.round(v));
  return `${text}${units[unit]}`;
}

/** Bytes in at most 5 characters for narrow cells (rates, with the unit in the title): "0", "512B", "1.5K", "230M". */
export function formatBytesCompact(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return '-';
  if (bytes === 0) return '0';
  return compact(bytes, 1024, COMPACT_BYTES, 'B');
}

/**
 * A count in at most `width` characters (at least 4): as is when it fits, else with a
 * decimal unit ("12k", "1.2M"), so a column never cuts a number.
 */
export function formatCount(n: number | undefined, width = Infinity): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  const plain = String(Math.round(n));
  if (plain.length <= width || n < 0) return plain;
  return compact(n, 1000, COMPACT_COUNT, '');
}

/** A percentage in at most `width` characters: one decimal while it fits ("12.3%"), else none ("12800%"). */
export function formatPercentIn(percent: number | undefined, width: number): string {
  const text = formatPercent(percent);
  if (text.length <= width || percent === undefined || !Number.isFinite(percent)) return text;
  const whole = `${Math.round(percent)}%`;
  return whole.length <= width ? whole : `${formatCount(percent, width - 1)}%`;
}

/** One decimal and a percent sign: "12.3%". */
export function formatPercent(percent: number | undefined): string {
  if (percent === undefined || !Number.isFinite(percent)) return '-';
  return `${percent.toFixed(1)}%`;
}

/** CPU cores with at most two decimals (0.5, 2, 1.25), fewer when `width` is short (127.8 in 5). */
export function formatCores(cores: number | undefined, width = Infinity): string {
  if (cores === undefined || !Number.isFinite(cores)) return '-';
  for (const decimals of [2, 1, 0]) {
    const text = String(Number(cores.toFixed(decimals)));
    if (text.length <= width) return text;
  }
  return formatCount(cores, width);
}

/** Local wall-clock time of day, HH:MM:SS. */
export function formatClock(time: string | Date): string {
  const date = typeof time === 'string' ? new Date(time) : time;
  if (Number.isNaN(date.getTime())) return '--:--:--';
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** "250 ms", "1 s", "1.5 s". */
export function formatInterval(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(2))} s`;
}

/** Histogram bucket edges, given in microseconds: "10µs", "1.5ms", "2s". */
export function formatMicros(us: number): string {
  if (us < 1000) return `${us}µs`;
  if (us < 1_000_000) return `${Number((us / 1000).toFixed(1))}ms`;
  return `${Number((us / 1_000_000).toFixed(1))}s`;
}

/** Left-aligned in exactly `width` columns; longer text ends in "…". */
export function fitLeft(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text.padEnd(width);
  return `${text.slice(0, width - 1)}…`;
}

/** Right-aligned in exactly `width` columns; longer text ends in "…". */
export function fitRight(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text.padStart(width);
  return `${text.slice(0, width - 1)}…`;
}

/** `text` in at most `width` characters, its middle replaced by "…" (keeps both ends: of a path, of a problem's position and its cause). */
export function elideMiddle(text: string, width: number): string {
  if (text.length <= width) return text;
  if (width <= 1) return '…'.slice(0, Math.max(0, width));
  const tail = Math.ceil((width - 1) / 2);
  return `${text.slice(0, width - 1 - tail)}…${text.slice(text.length - tail)}`;
}
