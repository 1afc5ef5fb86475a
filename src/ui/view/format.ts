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

/** One decimal and a percent sign: "12.3%". */
export function formatPercent(percent: number | undefined): string {
  if (percent === undefined || !Number.isFinite(percent)) return '-';
  return `${percent.toFixed(1)}%`;
}

/** CPU cores with at most two decimals: 0.5, 2, 1.25. */
export function formatCores(cores: number | undefined): string {
  if (cores === undefined || !Number.isFinite(cores)) return '-';
  return String(Number(cores.toFixed(2)));
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
