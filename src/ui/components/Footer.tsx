import { Text } from 'ink';
import { paint, useColor } from '../view/theme.js';

type Hint = readonly [text: string, priority: number];

/** Key hints in display order, each with its priority (lower stays longer on narrow screens). */
const BROWSE_HINTS: readonly Hint[] = [
  ['↑↓ move', 9],
  ['←→ fold', 8],
  ['⏎ detail', 2],
  ['/ filter', 3],
  ['s/S sort', 4],
  ['+- interval', 7],
  ['P processes', 5],
  ['l log', 6],
];
const ACTION_HINTS: readonly Hint[] = [
  ['c create', 5],
  ['u update', 5],
  ['p pause', 5],
  ['r run', 5],
  ['x shell', 6],
  ['K signal', 5],
  ['d destroy', 5],
];
const END_HINTS: readonly Hint[] = [
  ['? help', 0],
  ['q quit', 1],
];

/** What has the keys: the container table, or the process list or log below it. */
export type FooterMode = 'table' | 'processes' | 'log';

function hintsFor(mode: FooterMode, readOnly: boolean): readonly Hint[] {
  const readOnlyHint: Hint = ['read-only', 0];
  switch (mode) {
    case 'processes':
      return [['↑↓ select', 2], readOnly ? readOnlyHint : ['K signal', 3], ['P/Esc close', 1], ...END_HINTS];
    case 'log':
      return [['↑↓ scroll', 2], ['l/Esc close', 1], ...END_HINTS];
    case 'table':
      return [...BROWSE_HINTS, ...(readOnly ? [readOnlyHint] : ACTION_HINTS), ...END_HINTS];
  }
}

/** The hints that fit in `width` after the position, keeping the most important ones. */
export function footerText(width: number, readOnly: boolean, position: number, total: number, mode: FooterMode = 'table'): string {
  const where = `${total === 0 ? 0 : position + 1}/${total}`;
  const hints = hintsFor(mode, readOnly);
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

export interface FooterProps {
  width: number;
  readOnly: boolean;
  /** The selected row and how many there are, of the table or the process list. */
  position: number;
  total: number;
  mode?: FooterMode;
}

export function Footer({ width, readOnly, position, total, mode = 'table' }: FooterProps) {
  const color = useColor();
  return (
    <Text wrap="truncate" {...paint(color, undefined, { dimColor: true })}>
      {footerText(width, readOnly, position, total, mode)}
    </Text>
  );
}
