import { Text } from 'ink';
import { paint, useColor, type Tone } from '../view/theme.js';

/** The outcome of the last action or key: red for errors, green for success. */
export interface Status {
  text: string;
  tone?: Tone;
}

export function StatusLine({ status }: { status: Status | undefined }) {
  const color = useColor();
  return (
    <Text wrap="truncate" {...paint(color, status?.tone)}>
      {status?.text ?? ' '}
    </Text>
  );
}
