import { stripVTControlCharacters } from 'node:util';
import { isWithin, joinName } from '../../engine/names.js';
import type { FreezerState } from '../../messages/types.js';
import type { SampleView } from '../../stats/model.js';
import { rowState } from '../view/columns.js';
import type { JournalRecord } from '../../engine/journal.js';
import { recordEvent, recordOomKills, type ConsoleEvent, type EventLog } from '../view/events.js';
import { decisionStatus, journalEvent } from '../view/journal.js';
import { formatInterval } from '../view/format.js';
import { statusLines } from '../view/status.js';
import { stepInterval } from '../view/interval.js';
import type { KeyPress } from '../view/key-input.js';
import { commandFor, isActionCommand, isReplayCommand, type ActionCommand, type Command, type KeyMode, type ReplayCommand } from '../view/keys.js';
import type { ReplayMove } from '../source.js';
import { processCpu, sortProcesses, type ProcessRow, type ProcessSnapshot } from '../view/processes.js';
import { specToOneLine } from '../view/spec-line.js';
import { editField, type Field } from '../view/text-input.js';
import type { Tone } from '../view/theme.js';
import {
  hasContainer,
  indexTree,
  nextSort,
  parentOf,
  resolveSelection,
  rowPositions,
  sortLabel,
  visibleRows,
  type SortKey,
  type TreeIndex,
  type TreeRow,
} from '../view/tree.js';
import { move, scrollTop, type Movement } from '../view/viewport.js';
import {
  FLOWS,
  firstAskedStep,
  stepAfter,
  type ActionCall,
  type ActionTarget,
  type Answers,
  type FlowContext,
  type FlowEnv,
  type FlowName,
  type Step,
} from './flows.js';

/**
 * The console's state and everything that changes it, as one pure function:
 * reduce(state, input, env) → the next state and the effects to run (calls on the
 * containers, reads, quitting). Keys, samples, terminal sizes and the outcomes of calls
 * are all inputs, applied one at a time in the order they came, so several keys in one
 * read act exactly as if typed slowly. The Console component only draws the state and
 * runs the effects.
 */

/** A status message: `pending` ones (a call under way) stay until its outcome replaces them. */
export interface Status {
  text: string;
  tone?: Tone;
  id: number;
  pending?: boolean;
}

export type Dialog =
  | { kind: 'filter'; field: Field }
  | { kind: 'goTo'; field: Field }
  | {
      kind: 'flow';
      flow: FlowName;
      target: ActionTarget;
      answers: Answers;
      /** The step being asked. */
      step: string;
      /** A prompt's text. */
      field: Field;
      /** A choice's highlighted option. */
      choice: number;
      /** Why the last submitted text was refused; the prompt stays open. */
      error?: string;
    };

/** The selected container's processes, read again with every pass while shown. */
export interface ProcessPanel {
  name: string;
  /** The last read and when it was made (ms, monotonic): CPU % is the growth between two reads. */
  snapshot?: ProcessSnapshot;
  at?: number;
  /** In display order (CPU first). */
  rows: readonly ProcessRow[];
  selectedPid?: number;
  error?: string;
}

/** The output of the selected container's detached commands, followed as it grows. */
export interface LogPanel {
  name: string;
  lines: readonly string[];
  /** Text after the last line break, still being written. */
  partial: string;
  /** Where the next read starts; undefined before the first read (which takes the tail). */
  next?: number;
  /** Lines scrolled back from the end; 0 follows the log. */
  scroll: number;
  error?: string;
}

export type BottomPanel = 'detail' | 'processes' | 'log';

export interface ConsoleState {
  readOnly: boolean;
  /** A replay of a recording: actions are off, the replay keys move through it. */
  replay: boolean;
  /** Recorded samples a t or T moves in a replay (+ and - choose among REPLAY_STRIDES). */
  replayStride: number;
  view?: SampleView;
  index?: TreeIndex;
  events: EventLog;
  size: { columns: number; rows: number };
  intervalMs: number;
  /** The selected container's name; undefined selects the first row. */
  selected?: string;
  collapsed: ReadonlySet<string>;
  filter: string;
  sort: SortKey;
  reverse: boolean;
  /** The first table row on screen. */
  top: number;
  bottom?: BottomPanel;
  helpOpen: boolean;
  dialog?: Dialog;
  /** A dialog that became ready while another was open (the spec editor, read in the background). */
  queued?: Dialog;
  status?: Status;
  /** Bumped after each successful call so the detail panel reads the spec again. */
  revision: number;
  /** A created container, selected in the first pass that has it. */
  awaited?: string;
  /**
   * What this console last paused or resumed, until a sample shows it: a second `p`
   * pressed before the next sample must toggle back, not repeat the first action.
   */
  assumed: ReadonlyMap<string, { state: FreezerState; at: number }>;
  /** Containers this console is destroying: their disappearance is no surprise. */
  destroying: ReadonlySet<string>;
  processes?: ProcessPanel;
  log?: LogPanel;
  nextId: number;
}

export type Effect =
  | { kind: 'call'; call: ActionCall }
  | { kind: 'readSpec'; target: ActionTarget }
  | { kind: 'readProcesses'; name: string }
  | { kind: 'readLog'; name: string; offset?: number }
  | { kind: 'setInterval'; ms: number }
  | { kind: 'replay'; move: ReplayMove }
  | { kind: 'handOver'; name: string; command: string }
  | { kind: 'quit' };

export interface LogChunk {
  text: string;
  next: number;
  /** The log was rotated since the offset: `text` starts at its beginning. */
  reset: boolean;
}

export type ConsoleInput =
  | { type: 'key'; key: KeyPress }
  | { type: 'sample'; view: SampleView }
  | { type: 'resize'; columns: number; rows: number }
  | { type: 'done'; call: ActionCall; result?: string | number }
  | { type: 'failed'; call: ActionCall; message: string }
  | { type: 'specRead'; target: ActionTarget; text: string }
  | { type: 'specFailed'; target: ActionTarget; message: string }
  | { type: 'processes'; name: string; snapshot: ProcessSnapshot; at: number }
  | { type: 'processesFailed'; name: string; message: string }
  | { type: 'log'; name: string; chunk: LogChunk }
  | { type: 'logFailed'; name: string; message: string }
  | { type: 'handedBack'; name: string; command: string; status?: number; message?: string }
  | { type: 'expireStatus'; id: number }
  /** Records of the root's journal; `past` ones were there when the console started (events only, no status). */
  | { type: 'journal'; records: readonly JournalRecord[]; past?: boolean }
  | { type: 'replayed'; text: string; warn?: boolean };

/** What reduce needs from outside: the time (events, the pause toggle) and the spec check. */
export interface ReduceEnv extends FlowEnv {
  now: number;
}

export interface Transition {
  state: ConsoleState;
  effects: Effect[];
}

/** How long the console trusts its own pause/resume over a sample that has not caught up. */
export const ASSUMED_STATE_MS = 10_000;
/** Lines besides the table and the panel below it: header 2, table title 1, status 1, footer 1. */
const FIXED_LINES = 5;
/** Ink redraws the whole screen when its output fills the terminal; one spare line avoids that. */
const SPARE_LINES = 1;
export const DIALOG_LINES = 2;
const MIN_TABLE_ROWS = 5;
/** Log lines kept in memory; older ones scroll out. */
export const LOG_LINES_KEPT = 2000;

export function initialState(options: { readOnly: boolean; replay?: boolean; intervalMs: number; columns: number; rows: number }): ConsoleState {
  return {
    readOnly: options.readOnly || (options.replay ?? false),
    replay: options.replay ?? false,
    replayStride: 1,
    events: new Map(),
    size: { columns: options.columns, rows: options.rows },
    intervalMs: options.intervalMs,
    collapsed: new Set(),
    filter: '',
    sort: 'name',
    reverse: false,
    top: 0,
    helpOpen: false,
    revision: 0,
    assumed: new Map(),
    destroying: new Set(),
    nextId: 1,
  };
}

// ---- derived ----

let rowsCache: { index: TreeIndex; collapsed: ReadonlySet<string>; filter: string; sort: SortKey; reverse: boolean; rows: TreeRow[] } | undefined;

/** The table's rows; the same array while the tree and the options are the same objects. */
export function rowsOf(s: ConsoleState): readonly TreeRow[] {
  if (!s.index) return [];
  const c = rowsCache;
  if (c && c.index === s.index && c.collapsed === s.collapsed && c.filter === s.filter && c.sort === s.sort && c.reverse === s.reverse) {
    return c.rows;
  }
  const rows = visibleRows(s.index, { collapsed: s.collapsed, filter: s.filter, sort: s.sort, reverse: s.reverse });
  rowsCache = { index: s.index, collapsed: s.collapsed, filter: s.filter, sort: s.sort, reverse: s.reverse, rows };
  return rows;
}

/** The selected row's index: the named container, else its nearest ancestor shown, else the first row; -1 without rows. */
export function selectedIndex(s: ConsoleState): number {
  return resolveSelection(rowPositions(rowsOf(s)), s.selected);
}

export function selectedRow(s: ConsoleState): TreeRow | undefined {
  return rowsOf(s)[selectedIndex(s)];
}

export interface ScreenLayout {
  /** Lines for the table and the panel below it together. */
  available: number;
  tableRows: number;
  /** Lines of the detail, process or log panel; 0 when none is open. */
  bottomHeight: number;
}

export function layoutOf(s: ConsoleState): ScreenLayout {
  // A status longer than the line takes more (an admission refusal names who holds the budget).
  const statusExtra = s.status === undefined ? 0 : statusLines(s.status.text, s.size.columns).length - 1;
  const available = Math.max(MIN_TABLE_ROWS, s.size.rows - FIXED_LINES - SPARE_LINES - statusExtra - (s.dialog ? DIALOG_LINES : 0));
  const bottomOpen = s.bottom !== undefined && selectedRow(s) !== undefined;
  const tableRows = bottomOpen ? Math.max(MIN_TABLE_ROWS, Math.floor(available * 0.35)) : available;
  return { available, tableRows, bottomHeight: available - tableRows };
}

/** Who takes keys that no dialog takes. */
export function keyMode(s: ConsoleState): KeyMode {
  if (s.bottom === 'processes' && s.processes) return 'processes';
  if (s.bottom === 'log' && s.log) return 'log';
  return 'table';
}

/** The selected process's index among the panel's rows; -1 for none. */
export function selectedProcess(p: ProcessPanel): number {
  if (p.rows.length === 0) return -1;
  const at = p.rows.findIndex((r) => r.pid === p.selectedPid);
  return at < 0 ? 0 : at;
}

/** The step a flow dialog is on. */
export function currentStep(d: Extract<Dialog, { kind: 'flow' }>): Step {
  return FLOWS[d.flow].steps.find((st) => st.id === d.step)!;
}

// ---- the reducer ----

export function reduce(s: ConsoleState, input: ConsoleInput, env: ReduceEnv): Transition {
  return reduceAll(s, [input], env);
}

/**
 * Applies inputs in order; the effects of all of them, in order. The scroll position is
 * brought in line once at the end (each movement reads the selection, not the scroll), so
 * a long paste into a prompt costs no walk of the rows per character.
 */
export function reduceAll(s: ConsoleState, inputs: readonly ConsoleInput[], env: ReduceEnv): Transition {
  const effects: Effect[] = [];
  let state = s;
  for (const input of inputs) {
    const t = apply(state, input, env);
    state = t.state;
    effects.push(...t.effects);
  }
  return { state: settle(state), effects };
}

const same = (state: ConsoleState, ...effects: Effect[]): Transition => ({ state, effects });

function apply(s: ConsoleState, input: ConsoleInput, env: ReduceEnv): Transition {
  switch (input.type) {
    case 'key':
      return onKey(s, input.key, env);
    case 'sample':
      return onSample(s, input.view);
    case 'resize':
      return same({ ...s, size: { columns: input.columns, rows: input.rows } });
    case 'done':
      return onDone(s, input.call, input.result, env);
    case 'failed':
      return onFailed(s, input.call, input.message, env);
    case 'specRead': {
      const dialog = flowDialog('update', input.target, { current: specToOneLine(input.text) });
      if (!dialog) return same(s);
      const shown = withStatus(s, `editing the spec of ${input.target.name}`);
      // A dialog opened meanwhile keeps the screen; the editor waits for it.
      return same(s.dialog ? { ...shown, queued: dialog } : { ...shown, dialog });
    }
    case 'specFailed':
      return same(withStatus(s, input.message, 'error'));
    case 'processes':
      return same(onProcesses(s, input.name, input.snapshot, input.at));
    case 'processesFailed':
      return s.processes?.name === input.name ? same({ ...s, processes: { ...s.processes, error: input.message } }) : same(s);
    case 'log':
      return same(onLog(s, input.name, input.chunk));
    case 'logFailed':
      return s.log?.name === input.name ? same({ ...s, log: { ...s.log, error: input.message } }) : same(s);
    case 'handedBack': {
      const what = input.command === '' ? 'shell' : `\`${input.command}\``;
      if (input.message !== undefined) return same(withStatus(s, input.message, 'error'));
      return same(withStatus(s, `${what} in ${input.name} exited with status ${input.status}`, input.status === 0 ? 'ok' : 'warn'));
    }
    case 'expireStatus':
      return same(s.status?.id === input.id && !s.status.pending ? { ...s, status: undefined } : s);
    case 'journal':
      return same(onJournal(s, input.records, input.past ?? false));
    case 'replayed':
      return same(withStatus(s, input.text, input.warn ? 'warn' : undefined));
  }
}

/** Each record an event of its container; the newest daemon decision on the status line, unless a call is under way. */
function onJournal(s: ConsoleState, records: readonly JournalRecord[], past: boolean): ConsoleState {
  let events = s.events;
  let decision: JournalRecord | undefined;
  for (const r of records) {
    if (r.container !== '') events = recordEvent(events, r.container, journalEvent(r));
    if (r.kind === 'decision') decision = r;
  }
  const next = { ...s, events };
  if (past || decision === undefined || s.status?.pending) return next;
  const { text, tone } = decisionStatus(decision);
  return withStatus(next, text, tone);
}

/** Keeps the selection on screen (and the scroll within the rows) after any change. */
function settle(s: ConsoleState): ConsoleState {
  const top = scrollTop(s.top, selectedIndex(s), layoutOf(s).tableRows, rowsOf(s).length);
  return top === s.top ? s : { ...s, top };
}

function withStatus(s: ConsoleState, text: string, tone?: Tone, pending = false): ConsoleState {
  return { ...s, status: { text, tone, id: s.nextId, pending: pending || undefined }, nextId: s.nextId + 1 };
}

function logEvent(s: ConsoleState, name: string, text: string, tone: Tone, env: ReduceEnv): ConsoleState {
  const event: ConsoleEvent = { time: new Date(env.now).toISOString(), text, tone };
  return { ...s, events: recordEvent(s.events, name, event) };
}

// ---- samples ----

function onSample(s: ConsoleState, view: SampleView): Transition {
  const index = indexTree(view.containers, s.index);
  let next: ConsoleState = { ...s, view, index, events: recordOomKills(s.events, view) };
  const awaited = s.awaited;
  if (awaited !== undefined && hasContainer(index, awaited)) {
    next = { ...next, awaited: undefined, selected: awaited, collapsed: withoutAncestorsOf(s.collapsed, awaited) };
  } else if (s.selected !== undefined && s.index && hasContainer(s.index, s.selected) && !hasContainer(index, s.selected)) {
    const gone = s.selected;
    const shown = nearestPresent(index, gone);
    next = { ...next, selected: shown };
    const ours = [...s.destroying].some((d) => isWithin(gone, d));
    if (!ours) next = withStatus(next, `${gone} was destroyed elsewhere${shown === undefined ? '' : `; showing ${shown}`}`, 'warn');
  }
  if (s.destroying.size > 0) {
    const still = [...s.destroying].filter((d) => hasContainer(index, d));
    if (still.length !== s.destroying.size) next = { ...next, destroying: new Set(still) };
  }
  return same(next, ...refreshBottom(next));
}

/** The reads that keep the open process list or log current, one per pass. */
function refreshBottom(s: ConsoleState): Effect[] {
  if (s.bottom === 'processes' && s.processes) return [{ kind: 'readProcesses', name: s.processes.name }];
  if (s.bottom === 'log' && s.log) return [{ kind: 'readLog', name: s.log.name, offset: s.log.next }];
  return [];
}

function nearestPresent(index: TreeIndex, name: string): string | undefined {
  for (let n = parentOf(name); n !== undefined; n = parentOf(n)) if (hasContainer(index, n)) return n;
  return undefined;
}

function onProcesses(s: ConsoleState, name: string, snapshot: ProcessSnapshot, at: number): ConsoleState {
  const p = s.processes;
  if (!p || p.name !== name) return s;
  const elapsed = p.at === undefined ? 0 : (at - p.at) / 1000;
  const rows = sortProcesses(processCpu(p.snapshot, snapshot, elapsed), 'cpu');
  const keep = rows.some((r) => r.pid === p.selectedPid) ? p.selectedPid : rows[0]?.pid;
  return { ...s, processes: { name, snapshot, at, rows, selectedPid: keep } };
}

function onLog(s: ConsoleState, name: string, chunk: LogChunk): ConsoleState {
  const l = s.log;
  if (!l || l.name !== name) return s;
  const start = chunk.reset && l.next !== undefined ? { lines: [...l.lines, '── the log was rotated ──'], partial: '' } : l;
  const pieces = (start.partial + chunk.text).split('\n');
  const partial = pieces.pop() ?? '';
  const lines = pieces.length === 0 ? start.lines : [...start.lines, ...pieces.map(printable)].slice(-LOG_LINES_KEPT);
  return { ...s, log: { ...l, lines, partial, next: chunk.next, error: undefined } };
}

// ---- keys ----

function onKey(s: ConsoleState, key: KeyPress, env: ReduceEnv): Transition {
  if (s.helpOpen) return same({ ...s, helpOpen: false });
  if (s.dialog?.kind === 'filter') return onFilterKey(s, s.dialog.field, key);
  if (s.dialog?.kind === 'goTo') return onGoToKey(s, s.dialog.field, key);
  if (s.dialog?.kind === 'flow') return onFlowKey(s, s.dialog, key, env);
  const mode = keyMode(s);
  const command = commandFor(mode, key);
  if (command === undefined) return same(s);
  if (isActionCommand(command)) return onAction(s, command, mode, env);
  if (isReplayCommand(command)) return onReplay(s, command);
  if (mode === 'processes') return onProcessKey(s, command);
  if (mode === 'log') return onLogKey(s, command);
  return onTableKey(s, command);
}

function onTableKey(s: ConsoleState, command: Exclude<Command, ActionCommand | ReplayCommand>): Transition {
  const rows = rowsOf(s);
  const at = selectedIndex(s);
  const row: TreeRow | undefined = rows[at];
  const select = (i: number | undefined): ConsoleState => {
    const target = i === undefined ? undefined : rows[i];
    return target ? { ...s, selected: target.name } : s;
  };
  switch (command) {
    case 'up':
    case 'down':
    case 'pageUp':
    case 'pageDown':
    case 'home':
    case 'end':
      return same(select(move(at, command, layoutOf(s).tableRows, rows.length)));
    case 'collapse': {
      if (!row) return same(s);
      if (row.childCount > 0 && !row.collapsed && s.filter === '') return same({ ...s, collapsed: new Set(s.collapsed).add(row.name) });
      const parent = parentOf(row.name);
      return same(select(parent === undefined ? undefined : rowPositions(rows).get(parent)));
    }
    case 'expand':
      return same(row?.collapsed ? { ...s, collapsed: without(s.collapsed, row.name) } : s);
    case 'toggleDetail':
      return same({ ...s, bottom: s.bottom === 'detail' ? undefined : 'detail' });
    case 'processes':
      if (!row) return same(s);
      return same({ ...s, bottom: 'processes', processes: { name: row.name, rows: [] } }, { kind: 'readProcesses', name: row.name });
    case 'log':
      if (!row) return same(s);
      return same({ ...s, bottom: 'log', log: { name: row.name, lines: [], partial: '', scroll: 0 } }, { kind: 'readLog', name: row.name });
    case 'filter':
      return same({ ...s, dialog: { kind: 'filter', field: { value: s.filter, cursor: s.filter.length } } });
    case 'clearFilter':
      return same(s.filter === '' ? s : withStatus({ ...s, filter: '' }, 'filter cleared'));
    case 'sort': {
      const sort = nextSort(s.sort);
      return same(withStatus({ ...s, sort }, `sorted by ${sortLabel(sort, s.reverse)}`));
    }
    case 'reverseSort': {
      const reverse = !s.reverse;
      return same(withStatus({ ...s, reverse }, `sorted by ${sortLabel(s.sort, reverse)}`));
    }
    case 'slower':
    case 'faster': {
      if (s.replay) return onReplayStride(s, command === 'slower' ? 1 : -1);
      const ms = stepInterval(s.intervalMs, command === 'slower' ? 1 : -1);
      return same(withStatus({ ...s, intervalMs: ms }, `interval ${formatInterval(ms)}`), { kind: 'setInterval', ms });
    }
    case 'help':
      return same({ ...s, helpOpen: true });
    case 'quit':
      return same(s, { kind: 'quit' });
    case 'close':
      return same(s);
  }
}

function onProcessKey(s: ConsoleState, command: Exclude<Command, ActionCommand | ReplayCommand>): Transition {
  const p = s.processes!;
  if (isMovement(command)) {
    const page = Math.max(1, layoutOf(s).bottomHeight - 1);
    const at = move(selectedProcess(p), command, page, p.rows.length);
    return same(at < 0 ? s : { ...s, processes: { ...p, selectedPid: p.rows[at].pid } });
  }
  return onPanelKey(s, command);
}

function onLogKey(s: ConsoleState, command: Exclude<Command, ActionCommand | ReplayCommand>): Transition {
  const l = s.log!;
  const page = Math.max(1, layoutOf(s).bottomHeight - 1);
  const maxScroll = Math.max(0, l.lines.length + (l.partial === '' ? 0 : 1) - page);
  const scroll = (n: number) => same({ ...s, log: { ...l, scroll: Math.min(Math.max(n, 0), maxScroll) } });
  switch (command) {
    case 'up':
      return scroll(l.scroll + 1);
    case 'down':
      return scroll(l.scroll - 1);
    case 'pageUp':
      return scroll(l.scroll + page);
    case 'pageDown':
      return scroll(l.scroll - page);
    case 'home':
      return scroll(maxScroll);
    case 'end':
      return scroll(0);
    default:
      return onPanelKey(s, command);
  }
}

/** Keys the process list and the log share. */
function onPanelKey(s: ConsoleState, command: Command): Transition {
  switch (command) {
    case 'close':
      return same({ ...s, bottom: undefined, processes: undefined, log: undefined });
    case 'help':
      return same({ ...s, helpOpen: true });
    case 'quit':
      return same(s, { kind: 'quit' });
    default:
      return same(s);
  }
}

function isMovement(command: Command): command is Movement {
  return command === 'up' || command === 'down' || command === 'pageUp' || command === 'pageDown' || command === 'home' || command === 'end';
}

const REPLAY_MOVES: Readonly<Record<Exclude<ReplayCommand, 'goTo' | 'stepBack' | 'stepForward'>, ReplayMove>> = {
  minuteBack: { kind: 'shift', ms: -60_000 },
  minuteForward: { kind: 'shift', ms: 60_000 },
  hourBack: { kind: 'shift', ms: -3_600_000 },
  hourForward: { kind: 'shift', ms: 3_600_000 },
  nextEvent: { kind: 'nextEvent' },
};

/** What + and - choose for t and T in a replay: recorded samples a step moves. */
export const REPLAY_STRIDES: readonly number[] = [1, 2, 5, 10, 30, 60];

function onReplay(s: ConsoleState, command: ReplayCommand): Transition {
  if (!s.replay) return same(withStatus(s, 't T [ ] { } g n move through a recording: lmctfy top --replay', 'warn'));
  if (command === 'goTo') return same({ ...s, dialog: { kind: 'goTo', field: { value: '', cursor: 0 } } });
  if (command === 'stepBack' || command === 'stepForward') return same(s, { kind: 'replay', move: { kind: 'step', samples: command === 'stepBack' ? -s.replayStride : s.replayStride } });
  return same(s, { kind: 'replay', move: REPLAY_MOVES[command] });
}

/** + and - in a replay: the samples are as far apart as recorded, so they set how far t and T step. */
function onReplayStride(s: ConsoleState, direction: 1 | -1): Transition {
  const at = REPLAY_STRIDES.indexOf(s.replayStride);
  const stride = REPLAY_STRIDES[Math.max(0, Math.min(REPLAY_STRIDES.length - 1, at + direction))]!;
  return same(withStatus({ ...s, replayStride: stride }, `replay: t T step ${stride} sample${stride === 1 ? '' : 's'} (${formatInterval(stride * s.intervalMs)} as recorded)`));
}

function onGoToKey(s: ConsoleState, field: Field, key: KeyPress): Transition {
  const edit = editField(field, key);
  if (edit === 'cancel') return same(closeDialog(s));
  if (edit === 'submit') return field.value.trim() === '' ? same(closeDialog(s)) : same(closeDialog(s), { kind: 'replay', move: { kind: 'goTo', text: field.value } });
  return same({ ...s, dialog: { kind: 'goTo', field: edit.field } });
}

function onFilterKey(s: ConsoleState, field: Field, key: KeyPress): Transition {
  const edit = editField(field, key);
  if (edit === 'submit') return same(closeDialog(s));
  if (edit === 'cancel') return same(closeDialog({ ...s, filter: '' }));
  return same({ ...s, filter: edit.field.value, dialog: { kind: 'filter', field: edit.field } });
}

// ---- actions and their dialogs ----

/** Where an action key's flow starts, or why it does not. */
function onAction(s: ConsoleState, command: ActionCommand, mode: KeyMode, env: ReduceEnv): Transition {
  if (s.replay) return same(withStatus(s, `replay: ${command} is disabled (this is the past; lmctfy top without --replay acts)`, 'warn'));
  if (s.readOnly) return same(withStatus(s, `read-only: ${command} is disabled`, 'warn'));
  const row = selectedRow(s);
  if (!row) return same(s);
  const target = targetOf(s, row, env);
  if (mode === 'processes') {
    if (command !== 'signal') return same(s);
    const p = s.processes!;
    const proc = p.rows[selectedProcess(p)];
    if (!proc) return same(withStatus(s, `no process selected in ${p.name}`, 'warn'));
    return startFlow(s, 'signal', { ...target, name: p.name, process: { pid: proc.pid, command: proc.command } });
  }
  if (command === 'update') {
    return same(withStatus(s, `reading the spec of ${target.name}…`, undefined, true), { kind: 'readSpec', target });
  }
  return startFlow(s, command, target);
}

function targetOf(s: ConsoleState, row: TreeRow, env: ReduceEnv): ActionTarget {
  const seen = rowState(row);
  const mine = s.assumed.get(row.name);
  const state = mine && mine.state !== seen && env.now - mine.at < ASSUMED_STATE_MS ? mine.state : seen;
  return { name: row.name, state, childCount: row.childCount, tasks: row.view.raw.stats.pids?.current ?? 0 };
}

function flowDialog(flow: FlowName, target: ActionTarget, answers: Answers): Dialog | undefined {
  const c: FlowContext = { target, answers };
  const step = firstAskedStep(FLOWS[flow], c, 0);
  return step && stepDialog(flow, c, step);
}

function stepDialog(flow: FlowName, c: FlowContext, step: Step): Dialog {
  const initial = step.kind === 'prompt' ? (step.initial?.(c) ?? '') : '';
  return { kind: 'flow', flow, target: c.target, answers: c.answers, step: step.id, field: { value: initial, cursor: initial.length }, choice: 0 };
}

function startFlow(s: ConsoleState, name: FlowName, target: ActionTarget): Transition {
  const flow = FLOWS[name];
  const refusal = flow.refuse?.(target);
  if (refusal !== undefined) return same(withStatus(s, refusal, 'error'));
  const dialog = flowDialog(name, target, {});
  if (dialog) return same({ ...s, dialog });
  return finish(s, name, { target, answers: {} });
}

function onFlowKey(s: ConsoleState, d: Extract<Dialog, { kind: 'flow' }>, key: KeyPress, env: ReduceEnv): Transition {
  const step = currentStep(d);
  const c: FlowContext = { target: d.target, answers: d.answers };
  const answer = (value: string): Transition => {
    const answered: FlowContext = { target: d.target, answers: { ...d.answers, [step.id]: value } };
    const next = stepAfter(FLOWS[d.flow], step, answered);
    if (next) return same({ ...s, dialog: stepDialog(d.flow, answered, next) });
    return finish(closeDialog(s), d.flow, answered);
  };
  const cancel = () => same(withStatus(closeDialog(s), 'cancelled'));
  switch (step.kind) {
    case 'confirm':
      return key.char === 'y' || key.char === 'Y' ? answer('yes') : cancel();
    case 'choose': {
      const n = step.options.length;
      const pick = (i: number) => same({ ...s, dialog: { ...d, choice: (i + n) % n } });
      if (key.name === 'enter') return answer(step.options[d.choice]);
      if (key.name === 'escape') return cancel();
      if (key.name === 'left' || key.name === 'up' || key.name === 'backTab') return pick(d.choice - 1);
      if (key.name === 'right' || key.name === 'down' || key.name === 'tab') return pick(d.choice + 1);
      const digit = key.char === undefined ? NaN : Number(key.char);
      if (Number.isInteger(digit) && digit >= 1 && digit <= n) return pick(digit - 1);
      return same(s);
    }
    case 'prompt': {
      const edit = editField(d.field, key);
      if (edit === 'cancel') return cancel();
      if (edit === 'submit') {
        const error = step.validate?.(d.field.value, c, env);
        return error === undefined ? answer(d.field.value) : same({ ...s, dialog: { ...d, error } });
      }
      return same({ ...s, dialog: { ...d, field: edit.field } });
    }
  }
}

function closeDialog(s: ConsoleState): ConsoleState {
  return { ...s, dialog: s.queued, queued: undefined };
}

function finish(s: ConsoleState, name: FlowName, c: FlowContext): Transition {
  const end = FLOWS[name].end(c);
  if (end.kind === 'handOver') {
    const what = end.command === '' ? 'a shell' : `\`${end.command}\``;
    return same(withStatus(s, `running ${what} in ${end.name}…`, undefined, true), { kind: 'handOver', name: end.name, command: end.command });
  }
  const call = end.call;
  const next = call.action === 'destroy' ? { ...s, destroying: new Set(s.destroying).add(call.name) } : s;
  return same(withStatus(next, pendingText(call), undefined, true), { kind: 'call', call });
}

function pendingText(call: ActionCall): string {
  switch (call.action) {
    case 'create':
      return `creating ${joinName(call.parent, call.child)}…`;
    case 'update':
      return `updating ${call.name}…`;
    case 'pause':
      return `pausing ${call.name}…`;
    case 'resume':
      return `resuming ${call.name}…`;
    case 'run':
      return `starting \`${call.command}\` in ${call.name}…`;
    case 'signal':
      return `sending SIG${call.signal} to ${signalled(call)}…`;
    case 'destroy':
      return `destroying ${call.name}…`;
    case 'checkpoint':
      return `checkpointing ${call.name} into ${call.dir}…`;
  }
}

function signalled(call: Extract<ActionCall, { action: 'signal' }>): string {
  return call.target === 'all' ? `all tasks in ${call.name}` : `pid ${call.target} in ${call.name}`;
}

/** The container whose event list records a call: the container itself, or the parent of a created or destroyed one. */
function eventName(call: ActionCall): string {
  if (call.action === 'create') return call.parent;
  if (call.action === 'destroy') return parentOf(call.name) ?? call.name;
  return call.name;
}

function onDone(s: ConsoleState, call: ActionCall, result: string | number | undefined, env: ReduceEnv): Transition {
  let next: ConsoleState = { ...s, revision: s.revision + 1 };
  let text: string;
  switch (call.action) {
    case 'create':
      text = `created ${result}`;
      next = { ...next, awaited: String(result) };
      break;
    case 'update':
      text = `updated ${call.name}`;
      break;
    case 'pause':
    case 'resume':
      text = `${call.action}d ${call.name}`;
      next = { ...next, assumed: new Map(s.assumed).set(call.name, { state: call.action === 'pause' ? 'FROZEN' : 'THAWED', at: env.now }) };
      break;
    case 'run':
      text = `started pid ${result} in ${call.name}: ${call.command}`;
      break;
    case 'signal':
      text = `sent SIG${call.signal} to ${signalled(call)}`;
      break;
    case 'destroy':
      text = `destroyed ${call.name}`;
      break;
    case 'checkpoint':
      text = `checkpointed ${call.name} into ${result}${call.leaveRunning ? '' : '; it is destroyed'}`;
      break;
  }
  return same(logEvent(withStatus(next, text, 'ok'), eventName(call), text, 'ok', env), ...(call.action === 'signal' ? refreshBottom(next) : []));
}

function onFailed(s: ConsoleState, call: ActionCall, message: string, env: ReduceEnv): Transition {
  const next = call.action === 'destroy' ? { ...s, destroying: without(s.destroying, call.name) } : s;
  return same(logEvent(withStatus(next, message, 'error'), eventName(call), message, 'error', env));
}

// ---- helpers ----

/**
 * A log line as the screen can show it: colours and other escape sequences dropped, a
 * CRLF's CR dropped, another carriage return (a progress bar redrawing itself) keeps what
 * was written last, tabs
 * become spaces and other control characters go.
 */
export function printable(line: string): string {
  const text = stripVTControlCharacters(line).replace(/\r$/, '');
  const last = text.slice(text.lastIndexOf('\r') + 1);
  return last.replace(/\t/g, '    ').replace(/[\u0000-\u001f\u007f]/g, '');
}

function without(set: ReadonlySet<string>, name: string): ReadonlySet<string> {
  const next = new Set(set);
  next.delete(name);
  return next;
}

function withoutAncestorsOf(set: ReadonlySet<string>, name: string): ReadonlySet<string> {
  const next = new Set(set);
  for (let n = parentOf(name); n !== undefined; n = parentOf(n)) next.delete(n);
  return next;
}

