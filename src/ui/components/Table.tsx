import { Box, Text } from 'ink';
import { COLUMN_TITLE, RIGHT_ALIGNED, GUTTER_WIDTH } from '../view/columns.js';
import { fitLeft, fitRight } from '../view/format.js';
import { Row } from './Row.js';
import type { TableFrame } from '../state/screen.js';
import { paint, useColor } from '../view/theme.js';

export interface TableProps {
  /** The columns and the rows on screen (state/screen.ts tableFrame). */
  frame: TableFrame;
  /** Rows on screen (the title line is extra). */
  height: number;
  /** Shown instead of rows when there are none. */
  emptyText: string;
}

/** The container table; only the rows on screen are rendered, whatever the tree's size. */
export function Table({ frame, height, emptyText }: TableProps) {
  const color = useColor();
  const { layout, rows: visible, parts, selected, top } = frame;
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
          <Row key={row.name} parts={parts[i]} selected={top + i === selected} />
        ))
      )}
    </Box>
  );
}
