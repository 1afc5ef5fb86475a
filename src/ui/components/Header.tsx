import { Box, Text } from 'ink';
import type { SampleView } from '../../stats/model.js';
import { formatBytes, formatClock, formatInterval } from '../view/format.js';
import type { ConsoleHeader } from '../source.js';
import { paint, useColor } from '../view/theme.js';
import { sortLabel, type SortKey } from '../view/tree.js';

export interface HeaderProps {
  header: ConsoleHeader;
  view: SampleView | undefined;
  intervalMs: number;
  sort: SortKey;
  /** The sort runs the other way (sortLabel). */
  reverse?: boolean;
  filter: string;
}

/** Machine facts, sampling state and the CPU% convention, on two lines. */
export function Header({ header, view, intervalMs, sort, reverse = false, filter }: HeaderProps) {
  const color = useColor();
  const sample = view
    ? `sample ${formatClock(view.timestamp)}  ${view.containers.length} containers`
    : 'waiting for the first sample';
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text {...paint(color, undefined, { bold: true })}>lmctfy top</Text>
        {`  ${header.host}  ${header.cpus} CPUs  ${formatBytes(header.memoryBytes)} memory  cgroup ${header.cgroupMode}  root ${header.rootName}`}
      </Text>
      <Text wrap="truncate">
        {`interval ${formatInterval(intervalMs)}  ${sample}  sort ${sortLabel(sort, reverse)}`}
        {filter === '' ? '' : `  filter "${filter}"`}
        <Text {...paint(color, undefined, { dimColor: true })}>{'  CPU%: 100% = one CPU'}</Text>
      </Text>
    </Box>
  );
}
