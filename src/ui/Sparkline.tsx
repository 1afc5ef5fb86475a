import { Text } from 'ink';
import { paint, useColor } from './theme.js';
import { sparkline } from './glyphs.js';

/** Recent values as block characters, newest on the right. */
export function Sparkline({ values, width, inverse = false }: { values: readonly number[]; width: number; inverse?: boolean }) {
  const color = useColor();
  return <Text {...paint(color, undefined, { inverse })}>{sparkline(values, width)}</Text>;
}
