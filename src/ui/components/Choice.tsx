import { Box, Text } from 'ink';
import { paint, useColor } from '../view/theme.js';

/** One option among a few, the chosen one marked: ←/→ (or its number) choose, Enter takes it, Esc cancels. */
export function Choice({ question, options, chosen }: { question: string; options: readonly string[]; chosen: number }) {
  const color = useColor();
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text {...paint(color, 'warn', { bold: true })}>{`${question} `}</Text>
        {options.map((o, i) => (i === chosen ? `[${o}]` : ` ${o} `)).join(' ')}
      </Text>
      <Text wrap="truncate" {...paint(color, undefined, { dimColor: true })}>
        ←/→ or 1-{options.length} choose, Enter sends, Esc cancels
      </Text>
    </Box>
  );
}
