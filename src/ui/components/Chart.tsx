import { plot } from 'asciichart';
import { Box, Text } from 'ink';
import { paint, useColor } from '../view/theme.js';

export interface ChartProps {
  title: string;
  values: readonly number[];
  /** Lines, the title included. */
  height: number;
  width: number;
  /** Axis label for a value; padded to one width so the plot does not shift. */
  label: (value: number) => string;
  min?: number;
  /** Shown while there are fewer than two values; by default "collecting history…". */
  emptyText?: string;
}

/** A line plot of the most recent values that fit the width. */
export function Chart({ title, values, height, width, label, min, emptyText = 'collecting history…' }: ChartProps) {
  const color = useColor();
  const labelWidth = label(0).length + 2;
  const points = values.slice(-Math.max(2, width - labelWidth - 1));
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0} overflow="hidden">
      <Text wrap="truncate" {...paint(color, undefined, { bold: true })}>
        {title}
      </Text>
      {points.length < 2 ? (
        <Text wrap="truncate">{emptyText}</Text>
      ) : (
        // asciichart draws `height + 1` rows; one line goes to the title.
        <Text wrap="truncate">{plot([...points], { height: Math.max(1, height - 2), min, format: label })}</Text>
      )}
    </Box>
  );
}
