/** The sampling interval ladder that `+` and `-` walk. */

export const MIN_INTERVAL_MS = 250;
export const MAX_INTERVAL_MS = 60_000;
const STEPS = [250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000];

/** The next step up (+1, longer) or down (-1, shorter) from any current value, within bounds. */
export function stepInterval(ms: number, direction: 1 | -1): number {
  if (direction > 0) return STEPS.find((s) => s > ms) ?? MAX_INTERVAL_MS;
  return [...STEPS].reverse().find((s) => s < ms) ?? MIN_INTERVAL_MS;
}
