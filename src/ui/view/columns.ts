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
  return fractionOf(row.view.raw.stats.memory?.usage, memoryLimitOf(row));
}

function fractionOf(usage: number | undefined, limit: number | undefined): number | undefined {
  return limit !== undefined && usage !== undefined ? usage / limit : undefined;
}

/**
 * What a table row's cells and bar show of its container, as plain values. The cells are
 * made from these alone (cellsOf), so two rows with the same facts read the same: the
 * console compares facts to skip drawing a row again (state/screen.ts).
 */
export interface RowFacts {
  cpuPercent: number | undefined;
  cpuPercentOfCap: number | undefined;
  cpuMaxMilli: number | undefined;
  memoryUsage: number | undefined;
  memoryLimit: number | undefined;
  workingSet: number | undefined;
  ioRead: number | undefined;
  ioWrite: number | undefined;
  tasks: number | undefined;
  state: FreezerState | undefined;
  tier: SchedulingLatency | undefined;
  throttled: number | undefined;
  oomKills: number | undefined;
  oomKillsDelta: number | undefined;
}

export function rowFacts(row: TreeRow): RowFacts {
  const { raw, rates } = row.view;
  const memory = raw.stats.memory;
  return {
    cpuPercent: rates.cpuPercent,
    cpuPercentOfCap: rates.cpuPercentOfCap,
    cpuMaxMilli: raw.limits.cpuMaxMilli,
    memoryUsage: memory?.usage,
    memoryLimit: memoryLimitOf(row),
    workingSet: memory?.working_set,
    ioRead: rates.ioReadBytesPerSec,
    ioWrite: rates.ioWriteBytesPerSec,
    tasks: raw.stats.pids?.current,
    state: rowState(row),
    tier: row.view.tier,
    throttled: rates.throttledPercent,
    oomKills: memory?.oom_kill_count,
    oomKillsDelta: rates.oomKillsDelta,
  };
}

export function sameFacts(a: RowFacts, b: RowFacts): boolean {
  for (const key in a) if (a[key as keyof RowFacts] !== b[key as keyof RowFacts]) return false;
  return true;
}

/** The memory bar's fill; undefined without a limit. */
export function factsFraction(f: RowFacts): number | undefined {
  return fractionOf(f.memoryUsage, f.memoryLimit);
}

/** Every text column's content and tone for one row; each fits its column's narrowest width. */
export function rowCells(row: TreeRow): Record<TextColumnId, Cell> {
  return cellsOf(rowFacts(row));
}

export function cellsOf(f: RowFacts): Record<TextColumnId, Cell> {
  const W = COLUMN_WIDTH;
  return {
    cpu: { text: formatPercentIn(f.cpuPercent, W.cpu), tone: usageTone(percentFraction(f.cpuPercentOfCap)) },
    limit: { text: f.cpuMaxMilli === undefined ? '-' : formatCores(f.cpuMaxMilli / 1000, W.limit) },
    mem: { text: `${formatBytes(f.memoryUsage)}/${formatBytes(f.memoryLimit)}`, tone: usageTone(factsFraction(f)) },
    wset: { text: formatBytes(f.workingSet) },
    read: { text: formatBytesCompact(f.ioRead) },
    write: { text: formatBytesCompact(f.ioWrite) },
    tasks: { text: formatCount(f.tasks, W.tasks) },
    state: { text: displayState(f.state), tone: stateTone(f.state) },
    tier: { text: f.tier === undefined ? '-' : TIER_LABEL[f.tier] },
    throttled: { text: formatPercent(f.throttled) },
    oom: {
      text: formatCount(f.oomKills, W.oom),
      tone: (f.oomKillsDelta ?? 0) > 0 ? 'error' : undefined,
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
