/** Block-character drawings: sparklines and usage bars. */

const SPARK = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const PARTIAL = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const FULL = '█';
const TRACK = '░';

/**
 * The last `width` values as block characters, scaled to their own maximum so the shape
 * shows even at low usage; padded on the left when there are fewer values than cells.
 */
export function sparkline(values: readonly number[], width: number): string {
  if (width <= 0) return '';
  const recent = values.slice(-width).map((v) => (Number.isFinite(v) && v > 0 ? v : 0));
  const max = Math.max(1, ...recent);
  const cells = recent.map((v) => SPARK[Math.round((v / max) * (SPARK.length - 1))]);
  return cells.join('').padStart(width);
}

/** A bar of exactly `width` cells filled to `fraction` (clamped to 0..1) in eighths. */
export function bar(fraction: number, width: number): string {
  if (width <= 0) return '';
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const eighths = Math.round(f * width * 8);
  const full = Math.floor(eighths / 8);
  const partial = PARTIAL[eighths % 8];
  return (FULL.repeat(full) + partial).padEnd(width, TRACK);
}
