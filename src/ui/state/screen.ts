import { layoutColumns, type TableLayout } from '../view/columns.js';
import { RowPartsMemo, nameCellLength, sameParts, type Part } from '../view/row-parts.js';
import type { TreeRow } from '../view/tree.js';
import { layoutOf, rowsOf, selectedIndex, type ConsoleState } from './console-state.js';

/** A row's newest `n` CPU % points, oldest first (ConsoleSource.recentCpu). */
export type RecentCpu = (name: string, n: number) => readonly number[] | undefined;

/** The table as a state shows it: its columns, and the rows on screen as toned parts. */
export interface TableFrame {
  layout: TableLayout;
  /** The first row on screen, and the rows from there. */
  top: number;
  rows: readonly TreeRow[];
  parts: readonly (readonly Part[])[];
  /** The selected row's index among all rows (-1 for none), and how many there are: the footer's position. */
  selected: number;
  total: number;
}

const NO_HISTORY: readonly number[] = [];

let layoutCache: { columns: number; longestName: number; layout: TableLayout } | undefined;

/** layoutColumns, the same object while the width and the longest name are the same. */
function tableLayout(columns: number, longestName: number): TableLayout {
  const c = layoutCache;
  if (c && c.columns === columns && c.longestName === longestName) return c.layout;
  const layout = layoutColumns(columns, longestName);
  layoutCache = { columns, longestName, layout };
  return layout;
}

const frames = new WeakMap<ConsoleState, TableFrame>();
const drawn = new RowPartsMemo();

/**
 * The table of a state, with the sparklines as the history holds them when a state is
 * first drawn (or judged, by quietPass); the same frame for the same state after that.
 */
export function tableFrame(s: ConsoleState, recentCpu: RecentCpu): TableFrame {
  let frame = frames.get(s);
  if (frame) return frame;
  const all = rowsOf(s);
  let longestName = 0;
  for (const r of all) longestName = Math.max(longestName, nameCellLength(r));
  const layout = tableLayout(s.size.columns, longestName);
  const rows = all.slice(s.top, s.top + layoutOf(s).tableRows);
  const selected = selectedIndex(s);
  drawn.frame();
  const parts = rows.map((row, i) => drawn.parts(row, s.top + i === selected, layout, recentCpu(row.name, layout.widths.spark) ?? NO_HISTORY));
  frame = { layout, top: s.top, rows, parts, selected, total: all.length };
  frames.set(s, frame);
  return frame;
}

/** State fields a sample replaces every pass; any other that changes may show. */
const PASS_FIELDS: ReadonlySet<string> = new Set(['view', 'index']);

/** The screen line of the table's first row: the header's two lines, then the columns' titles. */
export const FIRST_ROW_LINE = 3;

/**
 * What a sample changed on screen, besides the header's clock: undefined when it may have
 * changed anything, or the indices (among the rows on screen) of the table rows whose text
 * changed, none for a quiet pass. Anything but row text is compared: no field but the
 * pass's own changed, the header's other facts (the caller's text of them, as of when each
 * state was made: the container count, the budget, a replay's time) are the same, and so
 * are the table's columns, its rows and their order, the selection and the footer's
 * position. The detail panel's plots move with every pass, so a state showing it may
 * change anything.
 */
export function changedRows(previous: ConsoleState, next: ConsoleState, facts: { previous: string; next: string }, recentCpu: RecentCpu): number[] | undefined {
  if (previous.view === undefined || next.view === undefined || next.bottom === 'detail' || facts.previous !== facts.next) return undefined;
  for (const key of [...Object.keys(previous), ...Object.keys(next)] as (keyof ConsoleState)[]) {
    if (!PASS_FIELDS.has(key) && next[key] !== previous[key]) return undefined;
  }
  const a = tableFrame(previous, recentCpu);
  const b = tableFrame(next, recentCpu);
  if (a.layout !== b.layout || a.top !== b.top || a.selected !== b.selected || a.total !== b.total || a.rows.length !== b.rows.length) return undefined;
  const changed: number[] = [];
  for (let i = 0; i < a.rows.length; i++) {
    if (a.rows[i].name !== b.rows[i].name) return undefined;
    if (!sameParts(a.parts[i], b.parts[i])) changed.push(i);
  }
  // Under the help the rows are not on screen where the table's are.
  return next.helpOpen && changed.length > 0 ? undefined : changed;
}

/** Whether `next`, the state after a sample, shows the same screen as `previous` but for the header's clock (changedRows). */
export function quietPass(previous: ConsoleState, next: ConsoleState, facts: { previous: string; next: string }, recentCpu: RecentCpu): boolean {
  return changedRows(previous, next, facts, recentCpu)?.length === 0;
}
