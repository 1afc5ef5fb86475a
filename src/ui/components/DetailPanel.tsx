import { Box, Text } from 'ink';
import type { HistorySeries, Percentiles } from '../../stats/model.js';
import { Chart } from './Chart.js';
import { displayState, rowState } from '../view/columns.js';
import { EventList } from './EventList.js';
import type { ConsoleEvent } from '../view/events.js';
import { formatBytes, formatPercent } from '../view/format.js';
import { Histogram } from './Histogram.js';
import { useSpecText } from '../hooks/useSpecText.js';
import type { ConsoleActions } from '../source.js';
import { paint, useColor } from '../view/theme.js';
import type { TreeRow } from '../view/tree.js';

export interface DetailPanelProps {
  row: TreeRow;
  history: HistorySeries | undefined;
  events: readonly ConsoleEvent[];
  actions: ConsoleActions;
  /** Bumped after each successful action so the spec is read again. */
  revision: number;
  width: number;
  height: number;
}

const EVENTS_SHOWN = 5;

/** Everything about the selected container: history plots, latency, spec and events. */
export function DetailPanel({ row, history, events, actions, revision, width, height }: DetailPanelProps) {
  const color = useColor();
  const spec = useSpecText(actions, row.name, revision);
  const bold = paint(color, undefined, { bold: true });
  const inner = Math.max(2, height - 1);
  const chartWidth = Math.max(20, Math.floor(width * 0.4));
  const middleWidth = Math.max(20, Math.floor(width * 0.32));
  const rightWidth = Math.max(10, width - chartWidth - middleWidth - 2);
  const { rates, histograms } = row.view;
  const ofCap = rates.cpuPercentOfCap === undefined ? '' : `, ${formatPercent(rates.cpuPercentOfCap)} of its cap`;
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Text wrap="truncate" {...paint(color, undefined, { bold: true, inverse: true })}>
        {` ${row.name}  ${displayState(rowState(row))}  CPU ${formatPercent(rates.cpuPercent)}${ofCap}  (Enter closes) `}
      </Text>
      <Box flexDirection="row" height={inner} overflow="hidden">
        <Box flexDirection="column" width={chartWidth}>
          <Chart
            title="CPU % (100 = one CPU)"
            values={history?.cpuPercent ?? []}
            height={Math.floor(inner / 2)}
            width={chartWidth}
            min={0}
            label={(v) => formatPercent(v).padStart(8)}
          />
          <Chart
            title="Memory usage"
            values={history?.memoryUsage ?? []}
            height={inner - Math.floor(inner / 2)}
            width={chartWidth}
            label={(v) => formatBytes(v).padStart(9)}
          />
        </Box>
        <Box flexDirection="column" width={middleWidth} marginLeft={1} overflow="hidden">
          <Text {...bold}>Percentiles p50 / p90 / p99</Text>
          <Text wrap="truncate">{`CPU  ${percentiles(history?.cpuPercentiles, formatPercent)}`}</Text>
          <Text wrap="truncate">{`MEM  ${percentiles(history?.memoryPercentiles, formatBytes)}`}</Text>
          <Histogram histograms={histograms ?? []} width={middleWidth} height={Math.max(0, inner - 4)} />
        </Box>
        <Box flexDirection="column" width={rightWidth} marginLeft={1} overflow="hidden">
          <Text {...bold}>Events</Text>
          <EventList events={events} limit={EVENTS_SHOWN} />
          <Text {...bold}>Spec</Text>
          {spec.status === 'loading' && <Text>loading…</Text>}
          {spec.status === 'failed' && <Text {...paint(color, 'error')}>{spec.error}</Text>}
          {spec.status === 'ready' && <Text>{spec.text.trim() === '' ? '(all defaults)' : spec.text.trimEnd()}</Text>}
        </Box>
      </Box>
    </Box>
  );
}

function percentiles(p: Percentiles | undefined, format: (n: number) => string): string {
  return p === undefined ? 'not enough history' : `${format(p.p50)} / ${format(p.p90)} / ${format(p.p99)}`;
}
