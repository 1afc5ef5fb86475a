import { OPEN_BUCKET, type CpuHistogramType, type HistogramMap } from '../../messages/types.js';
import type { ContainerView, HistorySeries, Percentiles } from '../../stats/model.js';
import type { ConsoleEvent } from './events.js';
import { fitRight, formatBytes, formatClock, formatCount, formatMicros, formatPercent } from './format.js';
import { bar } from './glyphs.js';
import type { Tone } from './theme.js';

/**
 * The detail panel as lines: every text section is a list of lines of at most the column's
 * width, stacked while they fit, so no text is drawn over another however small the
 * terminal; a section with no room is left out and named, for the panel to say so.
 */

export interface Line {
  text: string;
  tone?: Tone;
  bold?: boolean;
}

export interface Section {
  title: string;
  /** What a hint calls the section when it has no room; the title by default. */
  name?: string;
  lines: readonly Line[];
  /** Lines may be cut from the end (ending in "… N more") rather than the section left out. */
  cuttable?: boolean;
}

export interface Column {
  lines: Line[];
  /** Titles of the sections that did not fit. */
  hidden: string[];
}

/** `text` cut to `width` characters, the last one "…" when cut; not padded. */
export function cut(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** A section, or one made for the lines left when its turn comes (room, title included). */
export type SectionSource = Section | ((room: number) => Section);

/** Stacks the sections into `height` lines of `width`, in order, leaving out what does not fit. */
export function fillColumn(sections: readonly SectionSource[], height: number, width: number): Column {
  const lines: Line[] = [];
  const hidden: string[] = [];
  const add = (line: Line) => lines.push({ ...line, text: cut(line.text, width) });
  for (const source of sections) {
    const room = height - lines.length;
    const section = typeof source === 'function' ? source(room) : source;
    const need = 1 + Math.max(1, section.lines.length);
    // Cut, a section keeps its title, two lines (one says little) and the "more" line.
    if (need > room && !(section.cuttable && room >= 4)) {
      hidden.push(section.name ?? section.title);
      continue;
    }
    add({ text: section.title, bold: true });
    const shown = need <= room ? section.lines.length : room - 2;
    for (const line of section.lines.slice(0, shown)) add(line);
    if (shown < section.lines.length) add({ text: `… ${section.lines.length - shown} more` });
  }
  return { lines, hidden };
}

export type DetailSectionId = 'usage' | 'io' | 'vhost' | 'latency' | 'events' | 'spec';

export interface DetailLayout {
  /** Width of the chart column; 0 when the charts are not shown. */
  chartWidth: number;
  /** Lines of each chart, its title included; 0 when it is not shown. */
  cpuChartHeight: number;
  memoryChartHeight: number;
  /** The text columns right of the charts, left to right. */
  columns: ReadonlyArray<{ width: number; sections: readonly DetailSectionId[] }>;
  /** What the chart column could not show. */
  hiddenCharts: string[];
}

/** Three columns from here up: charts, numbers and latency, events and spec. */
export const WIDE_DETAIL = 120;
/** Below this the charts give way to the text. */
const CHARTS_FROM = 60;
/** A chart's title and at least three rows of plot. */
const MIN_CHART_LINES = 4;

/** Lines the memory chart takes when there is nothing to plot: its title and why. */
const EMPTY_CHART_LINES = 2;

/**
 * How the panel uses `width` × `height` lines (the title line not included). Without
 * memory accounting (`memoryChart` false) the memory chart is just its title and why, and
 * the CPU chart takes the rest.
 */
export function detailLayout(width: number, height: number, memoryChart = true): DetailLayout {
  const hiddenCharts: string[] = [];
  let chartWidth = width >= CHARTS_FROM ? Math.floor(width * (width >= WIDE_DETAIL ? 0.4 : 0.5)) : 0;
  let cpuChartHeight = 0;
  let memoryChartHeight = 0;
  if (chartWidth > 0 && !memoryChart && height >= MIN_CHART_LINES + EMPTY_CHART_LINES) {
    memoryChartHeight = EMPTY_CHART_LINES;
    cpuChartHeight = height - memoryChartHeight;
  } else if (chartWidth > 0 && memoryChart && height >= 2 * MIN_CHART_LINES) {
    cpuChartHeight = Math.floor(height / 2);
    memoryChartHeight = height - cpuChartHeight;
  } else if (chartWidth > 0 && height >= MIN_CHART_LINES) {
    cpuChartHeight = height;
    hiddenCharts.push('Memory chart');
  } else {
    chartWidth = 0;
    hiddenCharts.push('Charts');
  }
  const rest = width - (chartWidth > 0 ? chartWidth + 1 : 0);
  if (width >= WIDE_DETAIL && chartWidth > 0) {
    const middle = Math.floor(width * 0.32);
    return {
      chartWidth,
      cpuChartHeight,
      memoryChartHeight,
      columns: [
        { width: middle, sections: ['usage', 'io', 'vhost', 'latency'] },
        { width: rest - middle - 1, sections: ['events', 'spec'] },
      ],
      hiddenCharts,
    };
  }
  return { chartWidth, cpuChartHeight, memoryChartHeight, columns: [{ width: rest, sections: ['usage', 'io', 'vhost', 'events', 'spec', 'latency'] }], hiddenCharts };
}

/** Whether the container's memory is accounted at all (it has its own memory cgroup). */
export function memoryIsolated(view: ContainerView): boolean {
  return view.raw.stats.memory?.usage !== undefined;
}

export const NOT_ISOLATED = 'no memory limit set / not isolated';

function percentiles(p: Percentiles | undefined, format: (n: number) => string): string {
  return p === undefined ? 'not enough history' : `${format(p.p50)} / ${format(p.p90)} / ${format(p.p99)}`;
}

export function usageSection(view: ContainerView, history: HistorySeries | undefined): Section {
  return {
    title: 'Percentiles p50 / p90 / p99',
    lines: [
      { text: `CPU  ${percentiles(history?.cpuPercentiles, formatPercent)}` },
      { text: `MEM  ${memoryIsolated(view) ? percentiles(history?.memoryPercentiles, formatBytes) : NOT_ISOLATED}` },
    ],
  };
}

function ioLine(label: string, bytes: number | undefined, ops: number | undefined): string {
  const iops = ops === undefined ? '' : `  ${formatCount(ops, 5)} IOPS`;
  return `${label} ${bytes === undefined ? '-' : `${formatBytes(bytes)}/s`}${iops}`;
}

/** Block IO rates: bytes and operations per second. */
export function ioSection(view: ContainerView): Section {
  const r = view.rates;
  if (r.ioReadBytesPerSec === undefined && r.ioWriteBytesPerSec === undefined) {
    return { title: 'Block IO', lines: [{ text: view.raw.stats.blockio ? 'collecting…' : 'none counted for this container yet' }] };
  }
  return {
    title: 'Block IO',
    lines: [{ text: ioLine('read ', r.ioReadBytesPerSec, r.ioReadOpsPerSec) }, { text: ioLine('write', r.ioWriteBytesPerSec, r.ioWriteOpsPerSec) }],
  };
}

export function eventsSection(events: readonly ConsoleEvent[], limit: number): Section {
  const newest = events.slice(-Math.max(1, limit)).reverse();
  return {
    title: 'Events',
    lines: newest.length === 0 ? [{ text: 'no events yet' }] : newest.map((e) => ({ text: `${formatClock(e.time)} ${e.text}`, tone: e.tone })),
    cuttable: true,
  };
}

export type SpecText = { status: 'loading' } | { status: 'ready'; text: string } | { status: 'failed'; error: string };

export function specSection(spec: SpecText): Section {
  if (spec.status === 'loading') return { title: 'Spec', lines: [{ text: 'loading…' }] };
  if (spec.status === 'failed') return { title: 'Spec', lines: [{ text: spec.error, tone: 'error' }] };
  const text = spec.text.trimEnd();
  return { title: 'Spec', lines: text.trim() === '' ? [{ text: '(all defaults)' }] : text.split('\n').map((t) => ({ text: t })), cuttable: true };
}

const MEANING: Partial<Record<CpuHistogramType, string>> = {
  ONCPU: 'on-CPU time per timeslice',
  QUEUE_OTHER: 'run-queue wait per timeslice',
  QUEUE_SELF: 'wait behind own tasks',
  SERVE: 'runnable time',
  SLEEP: 'sleep time',
};

/** Bucket label: upper edge ("≤100µs"), or for the open bucket (OPEN_BUCKET) its lower edge (">1s"). */
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

const LABEL_WIDTH = 8;

/** Where the histograms came from, as the sampler says (never a kernel file name). */
const SOURCE: Readonly<Record<NonNullable<ContainerView['raw']['histogramSource']>, string>> = {
  kernel: 'kept by the kernel',
  schedstat: 'from task scheduler statistics',
};

/**
 * Scheduling latency distributions as horizontal bars, as many buckets as `room` lines
 * hold, with counts never cut (a compact unit when long).
 */
export function latencySection(view: ContainerView, width: number, room: number): Section {
  const histograms = view.histograms ?? [];
  // Each histogram takes its name line; the section its title.
  const rowsEach = Math.max(1, Math.floor((room - 1) / Math.max(1, histograms.length)) - 1);
  const source = view.raw.histogramSource;
  const title = `Latency${source ? ` (${SOURCE[source]})` : ''}`;
  const name = 'Latency';
  if (histograms.length === 0) return { title, name, lines: [{ text: 'no latency histograms for this container' }] };
  const lines: Line[] = [];
  for (const h of histograms) {
    lines.push({ text: `${h.type}: ${MEANING[h.type] ?? 'latency'}` });
    const shown = visibleBuckets(h.stat, rowsEach);
    if (shown.length === 0) lines.push({ text: 'no timeslices this interval' });
    const max = Math.max(1, ...shown.map((s) => s.value));
    const counts = shown.map((s) => formatCount(s.value, 7));
    const countWidth = Math.max(0, ...counts.map((c) => c.length));
    const barWidth = Math.max(1, width - LABEL_WIDTH - countWidth - 2);
    shown.forEach((s, i) => {
      // The open bucket has no upper edge: it is labelled from the edge below it.
      const open = s.bucket === OPEN_BUCKET;
      const edge = open ? (h.stat[s.index - 1]?.bucket ?? 0) : s.bucket;
      lines.push({ text: `${fitRight(bucketLabel(edge, open), LABEL_WIDTH)} ${bar(s.value / max, barWidth)} ${counts[i]!.padStart(countWidth)}` });
    });
  }
  return { title, name, lines, cuttable: true };
}
