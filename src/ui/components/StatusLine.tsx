import { Box, Text } from 'ink';
import { paint, useColor, type Tone } from '../view/theme.js';
import { statusLines } from '../view/status.js';

/** The outcome of the last action or key: red for errors, green for success. */
export interface Status {
  text: string;
  tone?: Tone;
}

/** One line, or up to three for a long message (layoutOf gives the table's rows to them). */
export function StatusLine({ status, width }: { status: Status | undefined; width: number }) {
  const color = useColor();
  const lines = statusLines(status?.text ?? ' ', width);
  if (lines.length === 1) {
    return (
      <Text wrap="truncate" {...paint(color, status?.tone)}>
        {lines[0]}
      </Text>
    );
  }
  return (
    <Box flexDirection="column">
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate" {...paint(color, status?.tone)}>
          {line}
        </Text>
      ))}
    </Box>
  );
}
