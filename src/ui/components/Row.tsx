import { Box, Text, Transform } from 'ink';
import { memo, type ReactNode } from 'react';
import { RIGHT_ALIGNED, memoryFraction, rowCells, type TableLayout } from '../view/columns.js';
import { fitLeft, fitRight } from '../view/format.js';
import { bar, sparkline } from '../view/glyphs.js';
import { paint, usageTone, useColor, type Tone } from '../view/theme.js';
import type { TreeRow } from '../view/tree.js';
import { vhostMark } from '../view/vhost.js';

/** Text in one tone (or none). */
export interface Part {
  text: string;
  tone?: Tone;
  /** Bar or sparkline: block characters, each one column wide. */
  blocks?: true;
}

/** One Ink Text of a row. */
export type Segment = readonly Part[];

export interface RowProps {
  segments: readonly Segment[];
  selected: boolean;
}

/**
 * One container as one table line, drawn as few Texts. Ink runs string-width over every
 * Text on every frame; it is quick for plain ASCII but splits anything else into graphemes
 * at about 2 µs each (a 160-column line with a bar and a sparkline: ~300 µs, 30× the
 * same line cut into short cells). So plain-ASCII cells are merged into as few Texts as
 * possible, with their tones as nested Texts (Ink flattens those into their parent); other
 * text (› ▾ ▸, a non-ASCII name) is a short Text of its own, and the bar and sparkline are
 * measured as ASCII (Blocks). Memoised on the strings, so a row or segment that did not
 * change is neither rendered nor committed again.
 */
export const Row = memo(
  function Row({ segments, selected }: RowProps) {
    return (
      <Box flexDirection="row" height={1}>
        {segments.map((parts, i) => (
          <RowSegment key={i} parts={parts} inverse={selected} />
        ))}
      </Box>
    );
  },
  (a, b) => a.selected === b.selected && sameList(a.segments, b.segments, sameSegment),
);

const RowSegment = memo(
  function RowSegment({ parts, inverse }: { parts: Segment; inverse: boolean }) {
    const color = useColor();
    if (parts.length === 1 && parts[0].blocks) return <Blocks part={parts[0]} inverse={inverse} />;
    if (parts.length === 1) {
      return (
        <Text wrap="truncate" {...paint(color, parts[0].tone, { inverse })}>
          {parts[0].text}
        </Text>
      );
    }
    // Untoned neighbours become one string: one text node instead of several.
    const children: ReactNode[] = [];
    let plain = '';
    for (const part of parts) {
      if (!color || part.tone === undefined) {
        plain += part.text;
        continue;
      }
      if (plain !== '') children.push(plain);
      plain = '';
      children.push(
        <Text key={children.length} {...paint(color, part.tone)}>
          {part.text}
        </Text>,
      );
    }
    if (plain !== '') children.push(plain);
    return (
      <Text wrap="truncate" {...paint(color, undefined, { inverse })}>
        {children}
      </Text>
    );
  },
  (a, b) => a.inverse === b.inverse && sameSegment(a.parts, b.parts),
);

/**
 * Block characters measured as ASCII: Ink is given dots of the same width to measure (and
 * measures them with string-width's fast path) and the blocks replace them on the way to
 * the output, as Transform allows when the width stays. Only for the bar and the sparkline:
 * they are the first columns dropped, so when they are shown the row fits and is never
 * wrapped (which would split the dots).
 */
function Blocks({ part, inverse }: { part: Part; inverse: boolean }) {
  const color = useColor();
  const dots = '.'.repeat(part.text.length);
  return (
    <Transform transform={(line) => line.replace(dots, () => part.text)}>
      <Text {...paint(color, part.tone, { inverse })}>{dots}</Text>
    </Transform>
  );
}

/** The row's Texts: runs of plain-ASCII parts, and each other part alone. */
export function rowSegments(row: TreeRow, selected: boolean, layout: TableLayout, cpuHistory: readonly number[]): Segment[] {
  const name = fitLeft(nameCell(row), layout.nameWidth);
  const marker = Math.min(name.length, markerWidth(row));
  const parts: Part[] = [{ text: selected ? '› ' : '  ' }, { text: name.slice(0, marker) }, { text: name.slice(marker) }];
  const cells = rowCells(row);
  for (const column of layout.columns) {
    const width = layout.widths[column];
    if (column === 'bar') {
      const fraction = memoryFraction(row);
      parts.push({ text: ' ' }, fraction === undefined ? { text: ' '.repeat(width) } : { text: bar(fraction, width), tone: usageTone(fraction), blocks: true });
    } else if (column === 'spark') {
      parts.push({ text: ' ' }, { text: sparkline(cpuHistory, width), blocks: true });
    } else {
      // The separating space takes the cell's tone: it shows on the selected (inverse) row.
      const cell = cells[column];
      parts.push({ text: ` ${(RIGHT_ALIGNED.has(column) ? fitRight : fitLeft)(cell.text, width)}`, tone: cell.tone });
    }
  }
  const segments: Part[][] = [];
  let run: Part[] | undefined;
  for (const part of parts) {
    if (part.text === '') continue;
    if (!isPlainAscii(part.text)) {
      segments.push([part]);
      run = undefined;
    } else if (run) run.push(part);
    else segments.push((run = [part]));
  }
  return segments;
}

/** Two spaces per level, then ▾ (expanded), ▸ (collapsed) or blank (leaf); a virtual host's mark after the name. */
export function nameCell(row: TreeRow): string {
  const marker = row.childCount === 0 ? '  ' : row.collapsed ? '▸ ' : '▾ ';
  return `${'  '.repeat(row.depth)}${marker}${row.label}${vhostMark(row.view)}`;
}

/** nameCell(row).length, without building the string for other containers than virtual hosts. */
export function nameCellLength(row: TreeRow): number {
  return markerWidth(row) + row.label.length + (row.view.raw.virtualHost ? vhostMark(row.view).length : 0);
}

function markerWidth(row: TreeRow): number {
  return 2 * row.depth + 2;
}

function isPlainAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

function sameSegment(a: Segment, b: Segment): boolean {
  return sameList(a, b, (p, q) => p.text === q.text && p.tone === q.tone && p.blocks === q.blocks);
}

function sameList<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
  return true;
}
