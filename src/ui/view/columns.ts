import type { FreezerState } from '../../messages/types.js';
import { formatBytes, formatCores, formatPercent } from './format.js';
import { stateTone, usageTone, type Tone } from './theme.js';
import type { TreeRow } from './tree.js';

/** The table's columns after the name, in display order. */
export type ColumnId = 'cpu' | 'limit' | 'mem' | 'bar' | 'wset' | 'tasks' | 'state' | 'throttled' | 'oom' | 'spark';

const ORDER: readonly ColumnId[] = ['cpu', 'limit', 'mem', 'bar', 'wset', 'tasks', 'state', 'throttled', 'oom', 'spark'];

export const COLUMN_WIDTH: Readonly<Record<ColumnId, number>> = {
  cpu: 7,
  limit: 5,
  mem: 17,
  bar: 5,
  wset: 8,
  tasks: 5,
  state: 8,
  throttled: 6,
  oom: 3,
  spark: 8,
};

export const COLUMN_TITLE: Readonly<Record<ColumnId, string>> = {
  cpu: 'CPU%',
  limit: 'CORES',
  mem: 'MEM USED/LIMIT',
  bar: '',
  wset: 'WSET',
  tasks: 'TASKS',
  state: 'STATE',
  throttled: 'THROT%',
  oom: 'OOM',
  spark: 'CPU HIST',
};

export const RIGHT_ALIGNED: ReadonlySet<ColumnId> = new Set(['cpu', 'limit', 'mem', 'wset', 'tasks', 'throttled', 'oom']);

/** Columns given up, first to last, when the terminal is too narrow for the name. */
const DROP_ORDER: readonly ColumnId[] = ['spark', 'bar', 'wset', 'throttled', 'oom', 'limit', 'tasks', 'state'];

/** Narrowest name column before columns start to go. */
export const MIN_NAME_WIDTH = 16;

/** Selection gutter before the name. */
export const GUTTER_WIDTH = 2;

export interface TableLayout {
  nameWidth: number;
  columns: readonly ColumnId[];
}

/** Fits the columns to the terminal width, dropping the least useful ones first. */
/**
 * Columns that fit `width`. The name column takes what is left, but no more than the
 * longest name needs: every padding character drawn is work for Ink on every frame.
 */
export function layoutColumns(width: number, longestName = Infinity): TableLayout {
  const shown = new Set(ORDER);
  const nameWidth = () => width - GUTTER_WIDTH - [...shown].reduce((sum, c) => sum + COLUMN_WIDTH[c] + 1, 0);
  for (const column of DROP_ORDER) {
    if (nameWidth() >= MIN_NAME_WIDTH) break;
    shown.delete(column);
  }
  return { nameWidth: Math.max(Math.min(nameWidth(), longestName), MIN_NAME_WIDTH), columns: ORDER.filter((c) => shown.has(c)) };
}

/** Above this a limit means "no limit" (cgroup v1 writes 2^63 rounded down to a page). */
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

/** Every text column's content and tone for one row. */
export function rowCells(row: TreeRow): Record<TextColumnId, Cell> {
  const { raw, rates } = row.view;
  const memory = raw.stats.memory;
  const cpuCap = raw.limits.cpuMaxMilli;
  const state = rowState(row);
  return {
    cpu: { text: formatPercent(rates.cpuPercent), tone: usageTone(percentFraction(rates.cpuPercentOfCap)) },
    limit: { text: cpuCap === undefined ? '-' : formatCores(cpuCap / 1000) },
    mem: { text: `${formatBytes(memory?.usage)}/${formatBytes(memoryLimitOf(row))}`, tone: usageTone(memoryFraction(row)) },
    wset: { text: formatBytes(memory?.working_set) },
    tasks: { text: raw.stats.pids?.current === undefined ? '-' : String(raw.stats.pids.current) },
    state: { text: displayState(state), tone: stateTone(state) },
    throttled: { text: formatPercent(rates.throttledPercent) },
    oom: {
      text: memory?.oom_kill_count === undefined ? '-' : String(memory.oom_kill_count),
      tone: (rates.oomKillsDelta ?? 0) > 0 ? 'error' : undefined,
    },
  };
}

function percentFraction(percent: number | undefined): number | undefined {
  return percent === undefined ? undefined : percent / 100;
}
