import { Box, Text } from 'ink';
import type { ConsoleEvent } from '../view/events.js';
import { formatClock } from '../view/format.js';
import { paint, useColor } from '../view/theme.js';

/** The newest `limit` events of a container, newest first. */
export function EventList({ events, limit }: { events: readonly ConsoleEvent[]; limit: number }) {
  const color = useColor();
  if (events.length === 0) return <Text>no events yet</Text>;
  const newest = events.slice(-Math.max(1, limit)).reverse();
  return (
    <Box flexDirection="column">
      {newest.map((e, i) => (
        <Text key={`${e.time}-${i}`}>
          {`${formatClock(e.time)} `}
          <Text {...paint(color, e.tone)}>{e.text}</Text>
        </Text>
      ))}
    </Box>
  );
}
