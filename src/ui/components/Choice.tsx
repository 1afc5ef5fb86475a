import { Box, Text } from 'ink';
import { elideMiddle } from '../view/format.js';
import { paint, useColor } from '../view/theme.js';

/**
 * One option among a few, the chosen one marked: ←/→ (or its number) choose, Enter takes it,
 * Esc cancels. The options always show whole: a question too long for `width` (a process's
 * command line) is shortened in its middle, keeping what it asks and of what.
 */
export function Choice({ question, options, chosen, width = Infinity }: { question: string; options: readonly string[]; chosen: number; width?: number }) {
  const color = useColor();
  const choices = options.map((o, i) => (i === chosen ? `[${o}]` : ` ${o} `)).join(' ');
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text {...paint(color, 'warn', { bold: true })}>{`${elideMiddle(question, Math.max(1, width - choices.length - 1))} `}</Text>
        {choices}
      </Text>
      <Text wrap="truncate" {...paint(color, undefined, { dimColor: true })}>
        ←/→ or 1-{options.length} choose, Enter sends, Esc cancels
      </Text>
    </Box>
  );
}
