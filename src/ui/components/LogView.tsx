import { Box, Text } from 'ink';
import { printable, type LogPanel } from '../state/console-state.js';
import { paint, useColor } from '../view/theme.js';

/** The tail of a container's log of detached commands (or, scrolled back, an older part). */
export function LogView({ log, width, height }: { log: LogPanel; width: number; height: number }) {
  const color = useColor();
  const body = Math.max(0, height - 1);
  const all = log.partial === '' ? log.lines : [...log.lines, printable(log.partial)];
  const end = all.length - log.scroll;
  const shown = all.slice(Math.max(0, end - body), end);
  const where = log.scroll === 0 ? 'following' : `${log.scroll} lines back (End follows)`;
  return (
    <Box flexDirection="column" height={height} overflow="hidden" width={width}>
      <Text wrap="truncate" {...paint(color, undefined, { bold: true, inverse: true })}>
        {` Log of ${log.name}: output of its detached commands, ${where}; l or Esc closes `}
      </Text>
      {log.error !== undefined ? (
        <Text wrap="truncate" {...paint(color, 'error')}>
          {log.error}
        </Text>
      ) : all.length === 0 ? (
        <Text wrap="truncate" {...paint(color, undefined, { dimColor: true })}>
          {log.next === undefined ? 'reading the log…' : 'nothing logged yet: commands started with r write here'}
        </Text>
      ) : (
        shown.map((line, i) => (
          <Text key={i} wrap="truncate">
            {line === '' ? ' ' : line}
          </Text>
        ))
      )}
    </Box>
  );
}
