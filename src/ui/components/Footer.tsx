import { Text } from 'ink';
import { paint, useColor } from '../view/theme.js';

/** Key hints in display order, each with its priority (lower stays longer on narrow screens). */
const BROWSE_HINTS: ReadonlyArray<[string, number]> = [
  ['↑↓ move', 9],
  ['←→ fold', 8],
  ['⏎ detail', 2],
  ['/ filter', 3],
  ['s sort', 4],
  ['+- interval', 7],
];
const ACTION_HINTS: ReadonlyArray<[string, number]> = [
  ['c create', 5],
  ['u update', 5],
  ['p pause', 5],
  ['r run', 5],
  ['K kill', 5],
  ['d destroy', 5],
];
const END_HINTS: ReadonlyArray<[string, number]> = [
  ['? help', 0],
  ['q quit', 1],
];

/** The hints that fit in `width` after the position, keeping the most important ones. */
export function footerText(width: number, readOnly: boolean, position: number, total: number): string {
  const where = `${total === 0 ? 0 : position + 1}/${total}`;
  const hints = [...BROWSE_HINTS, ...(readOnly ? [['read-only', 0] as [string, number]] : ACTION_HINTS), ...END_HINTS];
  const byPriority = [...hints].sort((a, b) => a[1] - b[1]);
  const kept = new Set<string>();
  let used = where.length;
  for (const [hint] of byPriority) {
    if (used + 2 + hint.length > width) break;
    kept.add(hint);
    used += 2 + hint.length;
  }
  return [where, ...hints.map(([hint]) => hint).filter((h) => kept.has(h))].join('  ');
}

export function Footer({ width, readOnly, position, total }: { width: number; readOnly: boolean; position: number; total: number }) {
  const color = useColor();
  return (
    <Text wrap="truncate" {...paint(color, undefined, { dimColor: true })}>
      {footerText(width, readOnly, position, total)}
    </Text>
  );
}
