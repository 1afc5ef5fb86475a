import { Box, Text } from 'ink';
import { useState } from 'react';
import { layoutProcesses, processLine, processTitle, type ProcessRow } from '../view/processes.js';
import { paint, useColor } from '../view/theme.js';
import { scrollTop } from '../view/viewport.js';

export interface ProcessListProps {
  /** In display order (sortProcesses). */
  rows: readonly ProcessRow[];
  /** Index of the selected row; -1 for none. */
  selected: number;
  width: number;
  /** Lines, the title included. */
  height: number;
  /** Shown instead of rows when there are none: "reading processes…", an error, "no processes". */
  emptyText: string;
}

/** A container's processes as htop lists them, the selected one highlighted and kept on screen. */
export function ProcessList({ rows, selected, width, height, emptyText }: ProcessListProps) {
  const color = useColor();
  const bodyHeight = Math.max(0, height - 1);
  const [topState, setTop] = useState(0);
  const top = scrollTop(topState, selected, bodyHeight, rows.length);
  if (top !== topState) setTop(top);
  const layout = layoutProcesses(rows, width);
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Text wrap="truncate" {...paint(color, undefined, { bold: true })}>
        {processTitle(layout)}
      </Text>
      {rows.length === 0 ? (
        <Text wrap="truncate">{emptyText}</Text>
      ) : (
        rows.slice(top, top + bodyHeight).map((row, i) => (
          <Text key={row.pid} wrap="truncate" {...paint(color, row.state === 'Z' ? 'warn' : undefined, { inverse: top + i === selected })}>
            {processLine(row, layout)}
          </Text>
        ))
      )}
    </Box>
  );
}
