import type { FreezerState, SchedulingLatency } from '../../messages/types.js';
import { formatBytes, formatBytesCompact, formatCores, formatCount, formatPercent, formatPercentIn } from './format.js';
import { stateTone, usageTone, type Tone } from './theme.js';
import type { TreeRow } from './tree.js';

/** The table's columns after the name, in display order. */
export type ColumnId =
  | 'cpu'
  | 'limit'
  | 'mem'
  | 'bar'
  | 'wset'
  | 'read'
  | 'write'
  | 'tasks'
  | 'state'
  | 'tier'
  | 'throttled'
  | 'oom'
  | 'spark';

const ORDER: readonly ColumnId[] = ['cpu', 'limit', 'mem', 'bar', 'wset', 'read', 'write', 'tasks', 'state', 'tier', 'throttled', 'oom', 'spark'];

/**
 * Each column's narrowest width. Every number a text column can hold fits it whole
 * (formatters switch to a compact unit, "12k", before they would be cut).
 */
export const COLUMN_WIDTH: Readonly<Record<ColumnId, number>> = {
  cpu: 7,
  limit: 5,
  mem: 17,
  bar: 5,
  wset: 8,
  read: 6,
  write: 6,
  tasks: 5,
  state: 8,
  tier: 4,
  throttled: 6,
  oom: 4,
  spark: 8,
};

/** Room to spare goes to these columns, in this order, each up to its width here. */
const GROWTH: ReadonlyArray<[ColumnId, number]> = [
  ['bar', 10],
  ['spark', 60],
  ['bar', 20],
];

export const COLUMN_TITLE: Readonly<Record<ColumnId, string>> = {
  cpu: 'CPU%',
  limit: 'CORES',
  mem: 'MEM USED/LIMIT',
  bar: '',
  wset: 'WSET',
  read: 'IO R/s',
  write: 'IO W/s',
  tasks: 'TASKS',
  state: 'STATE',
  tier: 'TIER',
  throttled: 'THROT%',
  oom: 'OOM',
  spark: 'CPU HIST',
};

export const RIGHT_ALIGNED: ReadonlySet<ColumnId> = new Set(['cpu', 'limit', 'mem', 'wset', 'read', 'write', 'tasks', 'throttled', 'oom']);

/** Columns given up, first to last, when the terminal is too narrow for the name. */
// IO comes and goes as one pair, and only where everything else already fits; the tier
// next, as it changes least (it is fixed at create) and the detail panel names it too.
const DROP_ORDER: readonly (readonly ColumnId[])[] = [['read', 'write'], ['tier'], ['spark'], ['bar'], ['wset'], ['throttled'], ['oom'], ['limit'], ['tasks'], ['state']];

/** Narrowest name column before columns start to go. */
export const MIN_NAME_WIDTH = 16;

/** Selection gutter before the name. */
export const GUTTER_WIDTH = 2;

export interface TableLayout {
  nameWidth: number;
  columns: readonly ColumnId[];
  /** Width of every shown column. */
  widths: Readonly<Record<ColumnId, number>>;
}

/**
 * Columns that fit `width`, dropping the least useful ones first. The name column takes
 * what is left, but no more than the longest name needs: every padding character drawn is
 * work for Ink on every frame. Width still left over lengthens the memory bar and the
 * sparkline (more history).
 */
export function layoutColumns(width: number, longestName = Infinity): TableLayout {
  const shown = new Set(ORDER);
  const rest = () => width - GUTTER_WIDTH - [...shown].reduce((sum, c) => sum + COLUMN_WIDTH[c] + 1, 0);
  for (const group of DROP_ORDER) {
    if (rest() >= MIN_NAME_WIDTH) break;
    for (const column of group) shown.delete(column);
  }
  const nameWidth = Math.max(Math.min(rest(), longestName), MIN_NAME_WIDTH);
  const widths = { ...COLUMN_WIDTH };
  let spare = rest() - nameWidth;
  for (const [column, upTo] of GROWTH) {
    if (!shown.has(column) || spare <= 0) continue;
    const grow = Math.max(0, Math.min(spare, upTo - widths[column]));
    widths[column] += grow;
    spare -= grow;
  }
  return { nameWidth, columns: ORDER.filter((c) => shown.has(c)), widths };
}

/** Above this a limit means "no limit": no machine has 2^60 bytes, and the kernel's own "unlimited" is near 2^63. */
const UNLIMITED = 2 ** 60;

export function effectiveLimit(limit: number | undefined): number | undefined {
  return limit !== undefined && Number.isFinite(limit) && limit > 0 && limit < UNLIMITED ? limit : undefined;
}

/** FREEZING and FROZEN as the kernel says; THAWED (or unknown) is shown as RUNNING. */
export function displayState(state: FreezerState | undefined): string {
  return state === 'FREEZING' || state === 'FROZEN' ? state : 'RUNNING';
}

export function rowState(row: TreeRow): FreezerState | undefined {
  return row.view.state ?? row.view.raw.stats.freezer?.state;
}

export interface Cell {
  text: string;
  tone?: Tone;
}

/** Columns drawn as text; `bar` and `spark` are drawn by their own components. */
export type TextColumnId = Exclude<ColumnId, 'bar' | 'spark'>;

function memoryLimitOf(row: TreeRow): number | undefined {
  return effectiveLimit(row.view.raw.limits.memoryLimit ?? row.view.raw.stats.memory?.limit);
}

/** Memory usage as a fraction of the limit; undefined without a limit. */
export function memoryFraction(row: TreeRow): number | undefined {
  const usage = row.view.raw.stats.memory?.usage;
  const limit = memoryLimitOf(row);
  return limit !== undefined && usage !== undefined ? usage / limit : undefined;
}

/** Every text column's content and tone for one row; each fits its column's narrowest width. */
export function rowCells(row: TreeRow): Record<TextColumnId, Cell> {
  const { raw, rates } = row.view;
  const memory = raw.stats.memory;
  const cpuCap = raw.limits.cpuMaxMilli;
  const state = rowState(row);
  const W = COLUMN_WIDTH;
  return {
    cpu: { text: formatPercentIn(rates.cpuPercent, W.cpu), tone: usageTone(percentFraction(rates.cpuPercentOfCap)) },
    limit: { text: cpuCap === undefined ? '-' : formatCores(cpuCap / 1000, W.limit) },
    mem: { text: `${formatBytes(memory?.usage)}/${formatBytes(memoryLimitOf(row))}`, tone: usageTone(memoryFraction(row)) },
    wset: { text: formatBytes(memory?.working_set) },
    read: { text: formatBytesCompact(rates.ioReadBytesPerSec) },
    write: { text: formatBytesCompact(rates.ioWriteBytesPerSec) },
    tasks: { text: formatCount(raw.stats.pids?.current, W.tasks) },
    state: { text: displayState(state), tone: stateTone(state) },
    tier: { text: row.view.tier === undefined ? '-' : TIER_LABEL[row.view.tier] },
    throttled: { text: formatPercent(rates.throttledPercent) },
    oom: {
      text: formatCount(memory?.oom_kill_count, W.oom),
      tone: (rates.oomKillsDelta ?? 0) > 0 ? 'error' : undefined,
    },
  };
}

/** Tiers cut to the column's four characters (docs/POLICY.md names them whole). */
export const TIER_LABEL: Readonly<Record<SchedulingLatency, string>> = {
  PREMIER: 'PREM',
  PRIORITY: 'PRIO',
  NORMAL: 'NORM',
  BEST_EFFORT: 'BEST',
};

function percentFraction(percent: number | undefined): number | undefined {
  return percent === undefined ? undefined : percent / 100;
}
