import { Box, useApp, type Key } from 'ink';
import { useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { layoutColumns, rowState } from '../view/columns.js';
import { Confirm } from './Confirm.js';
import { DetailPanel } from './DetailPanel.js';
import { nameCellLength } from './Row.js';
import { Footer } from './Footer.js';
import { formatInterval } from '../view/format.js';
import { Header } from './Header.js';
import { HelpOverlay } from './HelpOverlay.js';
import { useActionFlows, type ActionTarget } from '../hooks/useActionFlows.js';
import { useKeys } from '../hooks/useKeys.js';
import { useSampleView } from '../hooks/useSampleView.js';
import { useTerminalSize } from '../hooks/useTerminalSize.js';
import { stepInterval } from '../view/interval.js';
import { commandFor, isActionCommand } from '../view/keys.js';
import { Prompt } from './Prompt.js';
import type { ConsoleActions, ConsoleSource } from '../source.js';
import { StatusLine, type Status } from './StatusLine.js';
import { Table } from './Table.js';
import {
  hasContainer,
  indexTree,
  nextSort,
  parentOf,
  resolveSelection,
  rowPositions,
  visibleRows,
  type SortKey,
  type TreeIndex,
  type TreeRow,
} from '../view/tree.js';
import { move, scrollTop } from '../view/viewport.js';

export interface ConsoleProps {
  source: ConsoleSource;
  actions: ConsoleActions;
  /** Action keys only say "read-only". */
  readOnly: boolean;
}

/** Lines besides the table and the detail panel: header 2, table title 1, status 1, footer 1. */
const FIXED_LINES = 5;
/** Ink redraws the whole screen when its output fills the terminal; one spare line avoids that. */
const SPARE_LINES = 1;
const DIALOG_LINES = 2;
const MIN_TABLE_ROWS = 5;
const NO_HISTORY: readonly number[] = [];

/** The live container tree, its details and the actions on it. */
export function Console({ source, actions, readOnly }: ConsoleProps) {
  const { exit } = useApp();
  const size = useTerminalSize();
  const header = useMemo(() => source.header(), [source]);
  const { view, events, logEvent } = useSampleView(source);

  const [intervalMs, setIntervalMs] = useState(() => source.intervalMs());
  const [selectedName, setSelectedName] = useState<string>();
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const [filter, setFilter] = useState('');
  const [filterOpen, setFilterOpen] = useState(false);
  const [sort, setSort] = useState<SortKey>('name');
  const [detailOpen, setDetailOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const [status, setStatus] = useState<Status>();
  const [revision, setRevision] = useState(0);
  const [awaited, setAwaited] = useState<string>();

  // The last pass's tree lends its shape to the next while the names stay the same.
  const previousIndex = useRef<TreeIndex>(undefined);
  const index = useMemo(() => indexTree(view?.containers ?? [], previousIndex.current), [view]);
  useLayoutEffect(() => {
    previousIndex.current = index;
  });

  // A created container is selected (and its ancestors unfolded) in the first pass that has it.
  if (awaited !== undefined && hasContainer(index, awaited)) {
    setAwaited(undefined);
    setSelectedName(awaited);
    setCollapsed((c) => withoutAncestorsOf(c, awaited));
  }

  const rows = useMemo(() => visibleRows(index, { collapsed, filter, sort }), [index, collapsed, filter, sort]);
  const positions = useMemo(() => rowPositions(rows), [rows]);
  // Derived, not stored: a vanished selection shows as its nearest ancestor and comes back if it does.
  const selected = resolveSelection(positions, selectedName);
  const selectedRow: TreeRow | undefined = rows[selected];

  const flows = useActionFlows({
    actions,
    report: setStatus,
    logEvent,
    onCreated: setAwaited,
    onChanged: () => setRevision((r) => r + 1),
  });

  const dialogOpen = flows.dialog !== undefined || filterOpen;
  const available = Math.max(
    MIN_TABLE_ROWS,
    size.rows - FIXED_LINES - SPARE_LINES - (dialogOpen ? DIALOG_LINES : 0),
  );
  const tableRows = detailOpen && selectedRow ? Math.max(MIN_TABLE_ROWS, Math.floor(available * 0.35)) : available;
  const detailHeight = available - tableRows;

  const [topState, setTop] = useState(0);
  const top = scrollTop(topState, selected, tableRows, rows.length);
  if (top !== topState) setTop(top);

  const longestName = useMemo(() => rows.reduce((n, r) => Math.max(n, nameCellLength(r)), 0), [rows]);
  const layout = useMemo(() => layoutColumns(size.columns, longestName), [size.columns, longestName]);
  const cpuHistory = useCallback(
    (name: string) => source.recentCpu(name, layout.widths.spark) ?? NO_HISTORY,
    // A new pass means new history, even though the source object is the same.
    [source, view, layout],
  );

  // Keys can come faster than renders (a held ↓): each one starts where the previous key
  // left the selection, not where the last render drew it.
  const cursor = useRef(selected);
  useLayoutEffect(() => {
    cursor.current = selected;
  });
  const select = (i: number | undefined) => {
    const row = i === undefined ? undefined : rows[i];
    if (i === undefined || !row) return;
    cursor.current = i;
    setSelectedName(row.name);
  };

  const onKey = (input: string, key: Key) => {
    const command = commandFor(input, key);
    if (command === undefined) return;
    const at = cursor.current;
    const row: TreeRow | undefined = rows[at];
    if (isActionCommand(command)) {
      if (readOnly) setStatus({ text: `read-only: ${command} is disabled`, tone: 'warn' });
      else if (row) flows.begin(command, targetOf(row));
      return;
    }
    switch (command) {
      case 'up':
      case 'down':
      case 'pageUp':
      case 'pageDown':
      case 'home':
      case 'end':
        select(move(at, command, tableRows, rows.length));
        break;
      case 'collapse':
        if (!row) break;
        if (row.childCount > 0 && !row.collapsed && filter === '') {
          setCollapsed((c) => new Set(c).add(row.name));
        } else {
          const parent = parentOf(row.name);
          select(parent === undefined ? undefined : positions.get(parent));
        }
        break;
      case 'expand':
        if (row?.collapsed) setCollapsed((c) => without(c, row.name));
        break;
      case 'toggleDetail':
        setDetailOpen((open) => !open);
        break;
      case 'filter':
        setFilterOpen(true);
        break;
      case 'clearFilter':
        if (filter !== '') {
          setFilter('');
          setStatus({ text: 'filter cleared' });
        }
        break;
      case 'sort': {
        const next = nextSort(sort);
        setSort(next);
        setStatus({ text: `sorted by ${next}` });
        break;
      }
      case 'slower':
      case 'faster': {
        const next = stepInterval(intervalMs, command === 'slower' ? 1 : -1);
        source.setIntervalMs(next);
        setIntervalMs(next);
        setStatus({ text: `interval ${formatInterval(next)}` });
        break;
      }
      case 'help':
        setHelpOpen(true);
        break;
      case 'quit':
        exit();
        break;
    }
  };
  useKeys(onKey);

  // The filter prompt is typed into first; a dialog that opened meanwhile (the spec
  // editor arrives asynchronously) waits for it.
  const dialog = filterOpen ? undefined : flows.dialog;
  return (
    <Box flexDirection="column" width={size.columns}>
      <Header header={header} view={view} intervalMs={intervalMs} sort={sort} filter={filter} />
      {helpOpen ? (
        <Box height={available + 1} overflow="hidden">
          <HelpOverlay readOnly={readOnly} onClose={() => setHelpOpen(false)} />
        </Box>
      ) : (
        <Box flexDirection="column">
          <Table
            rows={rows}
            selected={selected}
            top={top}
            height={tableRows}
            layout={layout}
            cpuHistory={cpuHistory}
            emptyText={view === undefined ? 'waiting for the first sample…' : filter === '' ? 'no containers' : `nothing matches "${filter}"`}
          />
          {selectedRow && detailHeight > 0 && (
            <DetailPanel
              row={selectedRow}
              history={source.history(selectedRow.name)}
              events={events.get(selectedRow.name) ?? []}
              actions={actions}
              revision={revision}
              width={size.columns}
              height={detailHeight}
            />
          )}
        </Box>
      )}
      {filterOpen && (
        <Prompt
          label="Filter /"
          initial={filter}
          hint="substring of the name; Enter keeps it, Esc clears it"
          width={size.columns}
          onChange={setFilter}
          onSubmit={() => setFilterOpen(false)}
          onCancel={() => {
            setFilter('');
            setFilterOpen(false);
          }}
        />
      )}
      {dialog?.kind === 'prompt' && (
        <Prompt
          key={dialog.id}
          label={dialog.label}
          initial={dialog.initial}
          hint={dialog.hint}
          error={dialog.error}
          width={size.columns}
          onSubmit={flows.submit}
          onCancel={flows.cancel}
        />
      )}
      {dialog?.kind === 'confirm' && (
        <Box height={DIALOG_LINES}>
          <Confirm key={dialog.id} question={dialog.question} onYes={flows.confirm} onNo={flows.cancel} />
        </Box>
      )}
      <StatusLine status={status} />
      <Footer width={size.columns} readOnly={readOnly} position={selected} total={rows.length} />
    </Box>
  );
}

function targetOf(row: TreeRow): ActionTarget {
  return {
    name: row.name,
    state: rowState(row),
    childCount: row.childCount,
    tasks: row.view.raw.stats.pids?.current ?? 0,
  };
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
