import { Box, Text } from 'ink';
import { COLUMN_TITLE, RIGHT_ALIGNED, GUTTER_WIDTH, type TableLayout } from '../view/columns.js';
import { fitLeft, fitRight } from '../view/format.js';
import { Row, rowParts } from './Row.js';
import { paint, useColor } from '../view/theme.js';
import type { TreeRow } from '../view/tree.js';

export interface TableProps {
  rows: readonly TreeRow[];
  selected: number;
  /** First row on screen. */
  top: number;
  /** Rows on screen (the title line is extra). */
  height: number;
  layout: TableLayout;
  cpuHistory: (name: string) => readonly number[];
  /** Shown instead of rows when there are none. */
  emptyText: string;
}

/** The container table; only the rows on screen are rendered, whatever the tree's size. */
export function Table({ rows, selected, top, height, layout, cpuHistory, emptyText }: TableProps) {
  const color = useColor();
  const visible = rows.slice(top, top + height);
  return (
    <Box flexDirection="column" height={height + 1}>
      <Text wrap="truncate" {...paint(color, undefined, { bold: true })}>
        {' '.repeat(GUTTER_WIDTH)}
        {fitLeft('NAME', layout.nameWidth)}
        {layout.columns
          .map((c) => ' ' + (RIGHT_ALIGNED.has(c) ? fitRight : fitLeft)(COLUMN_TITLE[c], layout.widths[c]))
          .join('')}
      </Text>
      {visible.length === 0 ? (
        <Text>{emptyText}</Text>
      ) : (
        visible.map((row, i) => (
          <Row key={row.name} parts={rowParts(row, top + i === selected, layout, cpuHistory(row.name))} selected={top + i === selected} />
        ))
      )}
    </Box>
  );
}
