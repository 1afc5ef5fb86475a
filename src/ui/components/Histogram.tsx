import { Box, Text } from 'ink';
import type { CpuHistogramType, HistogramMap } from '../../messages/types.js';
import { fitRight, formatMicros } from '../view/format.js';
import { bar } from '../view/glyphs.js';
import { paint, useColor } from '../view/theme.js';

const LABEL_WIDTH = 8;
const COUNT_WIDTH = 7;

const MEANING: Partial<Record<CpuHistogramType, string>> = {
  ONCPU: 'on-CPU time per timeslice',
  QUEUE_OTHER: 'run-queue wait per timeslice',
  QUEUE_SELF: 'wait behind own tasks',
  SERVE: 'runnable time',
  SLEEP: 'sleep time',
};

/** Bucket label: upper edge ("≤100µs"), the last bucket open-ended from its lower edge (">1s"). */
export function bucketLabel(bucket: number, last: boolean): string {
  return `${last ? '>' : '≤'}${formatMicros(bucket)}`;
}

/**
 * The buckets worth drawing in `rows` lines: empty ones at either end are dropped, and when
 * still too many, a window around the fullest bucket is kept. Indexes keep "last bucket" known.
 */
export function visibleBuckets(stat: HistogramMap['stat'], rows: number): Array<{ index: number; bucket: number; value: number }> {
  const all = stat.map((s, index) => ({ index, ...s }));
  const nonZero = all.filter((s) => s.value > 0);
  if (nonZero.length === 0 || rows <= 0) return [];
  let from = nonZero[0]!.index;
  let to = nonZero[nonZero.length - 1]!.index;
  if (to - from + 1 > rows) {
    const peak = nonZero.reduce((a, b) => (b.value > a.value ? b : a)).index;
    from = Math.max(from, Math.min(peak - Math.floor(rows / 2), to - rows + 1));
    to = from + rows - 1;
  }
  return all.slice(from, to + 1);
}

/** Scheduling latency distributions as horizontal bars, fitted into `height` lines. */
export function Histogram({ histograms, width, height }: { histograms: readonly HistogramMap[]; width: number; height: number }) {
  const color = useColor();
  if (histograms.length === 0) return <Text>no latency histograms here</Text>;
  const barWidth = Math.max(1, width - LABEL_WIDTH - COUNT_WIDTH - 2);
  const rowsEach = Math.max(0, Math.floor(height / histograms.length) - 1);
  return (
    <Box flexDirection="column" flexShrink={0}>
      {histograms.map((h) => {
        const shown = visibleBuckets(h.stat, rowsEach);
        const max = Math.max(1, ...shown.map((s) => s.value));
        return (
          <Box key={h.type} flexDirection="column" flexShrink={0}>
            <Text wrap="truncate" {...paint(color, undefined, { bold: true })}>
              {`${h.type}: ${MEANING[h.type] ?? 'latency'}`}
            </Text>
            {shown.length === 0 && <Text>no timeslices this interval</Text>}
            {shown.map((s) => (
              <Text key={s.bucket} wrap="truncate">
                {`${fitRight(bucketLabel(s.bucket, s.index === h.stat.length - 1), LABEL_WIDTH)} ${bar(s.value / max, barWidth)} ${fitRight(String(s.value), COUNT_WIDTH)}`}
              </Text>
            ))}
          </Box>
        );
      })}
    </Box>
  );
}
