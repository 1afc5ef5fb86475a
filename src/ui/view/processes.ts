import type { ProcessInfo } from '../../engine/process-info.js';
import { fitLeft, fitRight, formatBytes, formatPercentIn } from './format.js';

/**
 * A container's processes as htop lists them: CPU % between two reads, a sort, and lines
 * fitted to a width, over the engine's process reader.
 */

/** One process in one read. */
export type ProcessFields = ProcessInfo;

/** One read of a container's processes. */
export interface ProcessSnapshot {
  /** The kernel's USER_HZ: ticks per second of CPU. */
  clockTicksPerSecond: number;
  processes: readonly ProcessFields[];
}

/** What a line shows. */
export interface ProcessRow {
  pid: number;
  user: string;
  state: string;
  /** 100 = one CPU; absent on a process's first read (nothing to compare with). */
  cpuPercent?: number;
  rssBytes: number;
  command: string;
}

/**
 * What the list says when a container holds no process of its own. Its task count in the
 * table is its whole subtree's (pids.current is hierarchical), so a parent showing tasks
 * and an empty list would look wrong without saying where the tasks are.
 */
export function noProcessesText(name: string, subtreeTasks: number | undefined): string {
  if (subtreeTasks === undefined || subtreeTasks <= 0) return `no processes in ${name}`;
  const tasks = subtreeTasks === 1 ? 'its 1 task is' : `its ${subtreeTasks} tasks are`;
  return `no processes in ${name} itself: ${tasks} in the containers below it`;
}

/**
 * CPU % of each process of `cur` over the `elapsedSec` since `prev`: the growth of its
 * ticks. A process not in `prev`, or whose pid came back with another start time (the pid
 * was reused), has no previous read and no CPU % yet; so has a process whose ticks went
 * backwards (which only a different process could show).
 */
export function processCpu(prev: ProcessSnapshot | undefined, cur: ProcessSnapshot, elapsedSec: number): ProcessRow[] {
  const before = new Map(prev?.processes.map((p) => [p.pid, p]));
  const hz = cur.clockTicksPerSecond;
  return cur.processes.map((p) => {
    const row: ProcessRow = { pid: p.pid, user: p.user, state: p.state, rssBytes: p.rssBytes, command: p.command };
    const old = before.get(p.pid);
    if (old && old.startTicks === p.startTicks && p.cpuTicks >= old.cpuTicks && elapsedSec > 0 && hz > 0) {
      row.cpuPercent = ((p.cpuTicks - old.cpuTicks) / hz / elapsedSec) * 100;
    }
    return row;
  });
}

export type ProcessSortKey = 'cpu' | 'rss' | 'pid';
export const PROCESS_SORT_KEYS: readonly ProcessSortKey[] = ['cpu', 'rss', 'pid'];

/**
 * CPU and RSS the largest first (a process without CPU % yet last), pid the smallest
 * first; ties by pid. `reverse` turns the whole order round.
 */
export function sortProcesses(rows: readonly ProcessRow[], key: ProcessSortKey, reverse = false): ProcessRow[] {
  const metric = (r: ProcessRow) => (key === 'cpu' ? (r.cpuPercent ?? -1) : key === 'rss' ? r.rssBytes : -r.pid);
  const sorted = [...rows].sort((a, b) => metric(b) - metric(a) || a.pid - b.pid);
  return reverse ? sorted.reverse() : sorted;
}

export type ProcessColumn = 'pid' | 'user' | 'state' | 'cpu' | 'rss';

export interface ProcessLayout {
  columns: readonly ProcessColumn[];
  widths: Readonly<Record<ProcessColumn, number>>;
  /** What is left for the command line (at least MIN_COMMAND_WIDTH). */
  commandWidth: number;
}

const TITLE: Readonly<Record<ProcessColumn, string>> = { pid: 'PID', user: 'USER', state: 'S', cpu: 'CPU%', rss: 'RSS' };
const RIGHT: ReadonlySet<ProcessColumn> = new Set(['pid', 'cpu', 'rss']);
const ORDER: readonly ProcessColumn[] = ['pid', 'user', 'state', 'cpu', 'rss'];
/** Given up first to last when the command would be narrower than MIN_COMMAND_WIDTH. */
const DROP_ORDER: readonly ProcessColumn[] = ['user', 'state', 'rss'];
const MIN_COMMAND_WIDTH = 12;
/** A user name longer than this ends in "…" (htop cuts at 9). */
const MAX_USER_WIDTH = 10;
/** "100.0%"; a process on many CPUs drops the decimal ("1600%"). */
const CPU_WIDTH = 6;
/** formatBytes never needs more. */
const RSS_WIDTH = 8;

/**
 * Columns for `rows` in `width`: the pid column as wide as the largest pid (numbers are
 * never cut), the user column as its longest name (up to MAX_USER_WIDTH), the command
 * whatever is left.
 */
export function layoutProcesses(rows: readonly ProcessRow[], width: number): ProcessLayout {
  const widths: Record<ProcessColumn, number> = {
    pid: Math.max(TITLE.pid.length, ...rows.map((r) => String(r.pid).length)),
    user: Math.min(MAX_USER_WIDTH, Math.max(TITLE.user.length, ...rows.map((r) => r.user.length))),
    state: 1,
    cpu: CPU_WIDTH,
    rss: RSS_WIDTH,
  };
  const shown = new Set(ORDER);
  const left = () => width - [...shown].reduce((sum, c) => sum + widths[c] + 1, 0);
  for (const column of DROP_ORDER) {
    if (left() >= MIN_COMMAND_WIDTH) break;
    shown.delete(column);
  }
  return { columns: ORDER.filter((c) => shown.has(c)), widths, commandWidth: Math.max(MIN_COMMAND_WIDTH, left()) };
}

function cellText(row: ProcessRow, column: ProcessColumn, width: number): string {
  switch (column) {
    case 'pid':
      return String(row.pid);
    case 'user':
      return row.user;
    case 'state':
      return row.state;
    case 'cpu':
      return formatPercentIn(row.cpuPercent, width);
    case 'rss':
      return formatBytes(row.rssBytes);
  }
}

/** The title line. */
export function processTitle(layout: ProcessLayout): string {
  const cells = layout.columns.map((c) => (RIGHT.has(c) ? fitRight : fitLeft)(TITLE[c], layout.widths[c]));
  return [...cells, fitLeft('COMMAND', layout.commandWidth)].join(' ');
}

/** One process as one line of exactly the layout's width; only the command (or a long user name) is cut, with "…". */
export function processLine(row: ProcessRow, layout: ProcessLayout): string {
  const cells = layout.columns.map((c) => (RIGHT.has(c) ? fitRight : fitLeft)(cellText(row, c, layout.widths[c]), layout.widths[c]));
  return [...cells, fitLeft(row.command, layout.commandWidth)].join(' ');
}
