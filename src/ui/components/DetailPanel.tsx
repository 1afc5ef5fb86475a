import { Box, Text } from 'ink';
import type { HistorySeries } from '../../stats/model.js';
import { Chart } from './Chart.js';
import { displayState, rowState } from '../view/columns.js';
import {
  NOT_ISOLATED,
  cut,
  detailLayout,
  eventsSection,
  fillColumn,
  ioSection,
  latencySection,
  memoryIsolated,
  specSection,
  usageSection,
  type DetailSectionId,
  type Line,
  type SectionSource,
} from '../view/detail.js';
import type { ConsoleEvent } from '../view/events.js';
import { formatBytes, formatPercent } from '../view/format.js';
import { useSpecText } from '../hooks/useSpecText.js';
import { virtualHostSection } from '../view/vhost.js';
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

/**
 * Everything about the selected container: history plots, percentiles, IO, latency, events
 * and spec, laid out for the space there is (detailLayout); what has no room is named on
 * the title line instead of being drawn over.
 */
export function DetailPanel({ row, history, events, actions, revision, width, height }: DetailPanelProps) {
  const color = useColor();
  const spec = useSpecText(actions, row.name, revision);
  const inner = Math.max(0, height - 1);
  const layout = detailLayout(width, inner, memoryIsolated(row.view));
  const { rates } = row.view;
  const vhost = virtualHostSection(row.view);
  const sections = (id: DetailSectionId, columnWidth: number): SectionSource => {
    switch (id) {
      case 'vhost':
        return vhost!;
      case 'usage':
        return usageSection(row.view, history);
      case 'io':
        return ioSection(row.view);
      case 'latency':
        return (room) => latencySection(row.view, columnWidth, room);
      case 'events':
        return eventsSection(events, EVENTS_SHOWN);
      case 'spec':
        return specSection(spec);
    }
  };
  // Only a virtual host has that section.
  const shown = (ids: readonly DetailSectionId[]) => ids.filter((id) => id !== 'vhost' || vhost !== undefined);
  const columns = layout.columns.map((c) => ({ width: c.width, ...fillColumn(shown(c.sections).map((id) => sections(id, c.width)), inner, c.width) }));
  const hidden = [...layout.hiddenCharts, ...columns.flatMap((c) => c.hidden)];
  const ofCap = rates.cpuPercentOfCap === undefined ? '' : `, ${formatPercent(rates.cpuPercentOfCap)} of its cap`;
  const hint = hidden.length === 0 ? '' : `  hidden for room: ${hidden.join(', ')}`;
  const head = ` ${row.name}  ${displayState(rowState(row))}  CPU ${formatPercent(rates.cpuPercent)}`;
  // Short of room, how to close it goes first (the footer says it too), then the share of the cap.
  const candidates = [`${head}${ofCap}${hint}  (Enter closes) `, `${head}${ofCap}${hint} `, `${head}${hint} `];
  const title = candidates.find((t) => t.length <= width) ?? candidates.at(-1)!;
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Text wrap="truncate" {...paint(color, undefined, { bold: true, inverse: true })}>
        {cut(title, width)}
      </Text>
      <Box flexDirection="row" height={inner} overflow="hidden">
        {layout.chartWidth > 0 && (
          <Box flexDirection="column" width={layout.chartWidth} flexShrink={0}>
            <Chart
              title="CPU % (100 = one CPU)"
              values={history?.cpuPercent ?? []}
              height={layout.cpuChartHeight}
              width={layout.chartWidth}
              min={0}
              label={(v) => formatPercent(v).padStart(8)}
            />
            {layout.memoryChartHeight > 0 && (
              <Chart
                title="Memory usage"
                values={memoryIsolated(row.view) ? (history?.memoryUsage ?? []) : []}
                height={layout.memoryChartHeight}
                width={layout.chartWidth}
                min={0}
                label={(v) => formatBytes(v).padStart(9)}
                emptyText={memoryIsolated(row.view) ? undefined : NOT_ISOLATED}
              />
            )}
          </Box>
        )}
        {columns.map((c, i) => (
          <Box key={i} flexDirection="column" width={c.width} marginLeft={layout.chartWidth > 0 || i > 0 ? 1 : 0} flexShrink={0} overflow="hidden">
            {c.lines.map((line, j) => (
              <LineText key={j} line={line} />
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}

function LineText({ line }: { line: Line }) {
  const color = useColor();
  return (
    <Text wrap="truncate" {...paint(color, line.tone, { bold: line.bold })}>
      {line.text}
    </Text>
  );
}
