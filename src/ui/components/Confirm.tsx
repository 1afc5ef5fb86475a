import { Text } from 'ink';
import { paint, useColor } from '../view/theme.js';

/**
 * A yes/no question: `y` says yes, any other key (Esc, n, ...) says no. Too long for the
 * line, it loses its middle, never the end that says what answers do.
 */
export function Confirm({ question }: { question: string }) {
  const color = useColor();
  return (
    <Text wrap="truncate-middle" {...paint(color, 'warn', { bold: true })}>
      {`${question} [y/N]`}
    </Text>
  );
}
