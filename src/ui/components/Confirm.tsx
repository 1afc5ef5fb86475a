import { Text } from 'ink';
import { paint, useColor } from '../view/theme.js';

/** A yes/no question: `y` says yes, any other key (Esc, n, ...) says no. */
export function Confirm({ question }: { question: string }) {
  const color = useColor();
  return (
    <Text wrap="truncate" {...paint(color, 'warn', { bold: true })}>
      {`${question} [y/N]`}
    </Text>
  );
}
