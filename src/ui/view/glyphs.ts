/** Block-character drawings: sparklines and usage bars. */

const SPARK = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const PARTIAL = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const FULL = '█';
const TRACK = '░';

/**
 * The last `width` values as block characters, scaled to their own maximum so the shape
 * shows even at low usage; padded on the left when there are fewer values than cells.
 * Drawn for every row on screen every pass: one loop for the maximum and one for the
 * cells, no intermediate arrays.
 */
export function sparkline(values: readonly number[], width: number): string {
  if (width <= 0) return '';
  const from = Math.max(0, values.length - width);
  let max = 1;
  for (let i = from; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v) && v > max) max = v;
  }
  let cells = '';
  for (let i = from; i < values.length; i++) {
    const v = values[i];
    cells += SPARK[Number.isFinite(v) && v > 0 ? Math.round((v / max) * (SPARK.length - 1)) : 0];
  }
  return values.length - from < width ? ' '.repeat(width - (values.length - from)) + cells : cells;
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
