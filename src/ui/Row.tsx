import { Box, Text } from 'ink';
import { memo } from 'react';
import { Bar } from './Bar.js';
import {
  COLUMN_WIDTH,
  RIGHT_ALIGNED,
  memoryFraction,
  rowCells,
  type TableLayout,
} from './columns.js';
import { fitLeft, fitRight } from './format.js';
import { Sparkline } from './Sparkline.js';
import { paint, usageTone, useColor } from './theme.js';
import type { TreeRow } from './tree.js';

export interface RowProps {
  row: TreeRow;
  selected: boolean;
  layout: TableLayout;
  cpuHistory: readonly number[];
}

/**
 * One container as one table line: indented, foldable name, then the columns. Each cell is
 * its own Text in a row Box, so Ink measures short strings: plain-ASCII cells take
 * string-width's fast path and only the glyph cells (tree markers, bar, sparkline) pay for
 * Unicode segmentation. One long mixed string made a frame 30× slower (bench/ui-render.mjs).
 */
export const Row = memo(function Row({ row, selected, layout, cpuHistory }: RowProps) {
  const color = useColor();
  const cells = rowCells(row);
  const fraction = memoryFraction(row);
  const sel = paint(color, undefined, { inverse: selected });
  return (
    <Box flexDirection="row" height={1}>
      <Text {...sel}>{selected ? '› ' : '  '}</Text>
      <Text {...sel} wrap="truncate">{fitLeft(nameCell(row), layout.nameWidth)}</Text>
      {layout.columns.map((column) => {
        const width = COLUMN_WIDTH[column];
        if (column === 'bar') {
          return (
            <Box key={column} flexShrink={0}>
              <Text {...sel}> </Text>
              <Bar fraction={fraction} width={width} tone={usageTone(fraction)} inverse={selected} />
            </Box>
          );
        }
        if (column === 'spark') {
          return (
            <Box key={column} flexShrink={0}>
              <Text {...sel}> </Text>
              <Sparkline values={cpuHistory} width={width} inverse={selected} />
            </Box>
          );
        }
        const cell = cells[column];
        const text = RIGHT_ALIGNED.has(column) ? fitRight(cell.text, width) : fitLeft(cell.text, width);
        return (
          <Text key={column} {...paint(color, cell.tone, { inverse: selected })}>
            {' '}
            {text}
          </Text>
        );
      })}
    </Box>
  );
});

/** Two spaces per level, then ▾ (expanded), ▸ (collapsed) or blank (leaf). */
export function nameCell(row: TreeRow): string {
  const marker = row.childCount === 0 ? '  ' : row.collapsed ? '▸ ' : '▾ ';
  return `${'  '.repeat(row.depth)}${marker}${row.label}`;
}
