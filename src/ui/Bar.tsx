import { Text } from 'ink';
import { bar } from './glyphs.js';
import { paint, useColor, type Tone } from './theme.js';

/** Usage against a limit as a block bar; blank when there is no limit. */
export function Bar({ fraction, width, tone, inverse = false }: { fraction: number | undefined; width: number; tone?: Tone; inverse?: boolean }) {
  const color = useColor();
  return <Text {...paint(color, tone, { inverse })}>{fraction === undefined ? ' '.repeat(width) : bar(fraction, width)}</Text>;
}
