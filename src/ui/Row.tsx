import { Text } from 'ink';
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

/** One container as one table line: indented, foldable name, then the columns. */
export const Row = memo(function Row({ row, selected, layout, cpuHistory }: RowProps) {
  const color = useColor();
  const cells = rowCells(row);
  const fraction = memoryFraction(row);
  return (
    <Text wrap="truncate" {...paint(color, undefined, { inverse: selected })}>
      {selected ? '› ' : '  '}
      {fitLeft(nameCell(row), layout.nameWidth)}
      {layout.columns.map((column) => {
        const width = COLUMN_WIDTH[column];
        if (column === 'bar') return <Text key={column}> <Bar fraction={fraction} width={width} tone={usageTone(fraction)} /></Text>;
        if (column === 'spark') return <Text key={column}> <Sparkline values={cpuHistory} width={width} /></Text>;
        const cell = cells[column];
        const text = RIGHT_ALIGNED.has(column) ? fitRight(cell.text, width) : fitLeft(cell.text, width);
        return (
          <Text key={column}>
            {' '}
            <Text {...paint(color, cell.tone)}>{text}</Text>
          </Text>
        );
      })}
    </Text>
  );
});

/** Two spaces per level, then ▾ (expanded), ▸ (collapsed) or blank (leaf). */
export function nameCell(row: TreeRow): string {
  const marker = row.childCount === 0 ? '  ' : row.collapsed ? '▸ ' : '▾ ';
  return `${'  '.repeat(row.depth)}${marker}${row.label}`;
}
