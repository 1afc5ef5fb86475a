import { Text } from 'ink';
import { useKeys } from '../hooks/useKeys.js';
import { paint, useColor } from '../view/theme.js';

/** A yes/no question: `y` says yes, any other key (Esc, n, ...) says no. */
export function Confirm({ question, onYes, onNo }: { question: string; onYes: () => void; onNo: () => void }) {
  const color = useColor();
  useKeys((input) => {
    if (input === 'y' || input === 'Y') onYes();
    else onNo();
  });
  return (
    <Text wrap="truncate" {...paint(color, 'warn', { bold: true })}>
      {`${question} [y/N]`}
    </Text>
  );
}
