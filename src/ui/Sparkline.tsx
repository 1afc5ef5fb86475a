import { Text } from 'ink';
import { sparkline } from './glyphs.js';

/** Recent values as block characters, newest on the right. */
export function Sparkline({ values, width }: { values: readonly number[]; width: number }) {
  return <Text>{sparkline(values, width)}</Text>;
}
