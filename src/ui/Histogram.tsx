import { Box, Text } from 'ink';
import type { HistogramMap } from '../spec/types.js';
import { fitRight, formatMicros } from './format.js';
import { bar } from './glyphs.js';
import { paint, useColor } from './theme.js';

const LABEL_WIDTH = 8;
const COUNT_WIDTH = 7;

/** Bucket label: upper edge ("≤100µs"), the last bucket open-ended from its lower edge (">1s"). */
export function bucketLabel(bucket: number, last: boolean): string {
  return `${last ? '>' : '≤'}${formatMicros(bucket)}`;
}

/** Scheduling latency distributions as horizontal bars, one block per histogram type. */
export function Histogram({ histograms, width }: { histograms: readonly HistogramMap[]; width: number }) {
  const color = useColor();
  if (histograms.length === 0) return <Text>no latency histograms here</Text>;
  const barWidth = Math.max(1, width - LABEL_WIDTH - COUNT_WIDTH - 2);
  return (
    <Box flexDirection="column">
      {histograms.map((h) => {
        const max = Math.max(1, ...h.stat.map((s) => s.value));
        return (
          <Box key={h.type} flexDirection="column">
            <Text {...paint(color, undefined, { bold: true })}>{`${h.type} latency`}</Text>
            {h.stat.map((s, i) => (
              <Text key={s.bucket} wrap="truncate">
                {`${fitRight(bucketLabel(s.bucket, i === h.stat.length - 1), LABEL_WIDTH)} ${bar(s.value / max, barWidth)} ${fitRight(String(s.value), COUNT_WIDTH)}`}
              </Text>
            ))}
          </Box>
        );
      })}
    </Box>
  );
}
