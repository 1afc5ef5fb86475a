import { Box, useIsScreenReaderEnabled, useStdout } from 'ink';
import { useCallback, useMemo } from 'react';
import { isAnchored } from '../render/line-writer.js';
import { Choice } from './Choice.js';
import { Confirm } from './Confirm.js';
import { DetailPanel } from './DetailPanel.js';
import { Footer } from './Footer.js';
import { Header } from './Header.js';
import { HelpOverlay } from './HelpOverlay.js';
import { LogView } from './LogView.js';
import { ProcessList } from './ProcessList.js';
import { Prompt } from './Prompt.js';
import { StatusLine } from './StatusLine.js';
import { Table } from './Table.js';
import { noProcessesText } from '../view/processes.js';
import { tableFrame } from '../state/screen.js';
import { useConsole } from '../hooks/useConsole.js';
import { useKeyChunks } from '../hooks/useKeyChunks.js';
import { measure, useTerminalResize } from '../hooks/useTerminalSize.js';
import type { ConsoleActions, ConsoleSource } from '../source.js';
import {
  DIALOG_LINES,
  currentStep,
  initialState,
  keyMode,
  layoutOf,
  rowsOf,
  selectedProcess,
  type ConsoleState,
  type Dialog,
} from '../state/console-state.js';

export interface ConsoleProps {
  source: ConsoleSource;
  actions: ConsoleActions;
  /** Action keys only say "read-only". */
  readOnly: boolean;
  /** The state to start from: the console coming back after handing the terminal to a command. */
  initial?: ConsoleState;
}

/** The live container tree, its details and the actions on it. */
export function Console({ source, actions, readOnly, initial }: ConsoleProps) {
  const { stdout } = useStdout();
  const header = useMemo(() => source.header(), [source]);
  // On a screen the line writer draws, the header's time is its to draw (render/live-clock.ts);
  // Ink writes a screen reader's text itself.
  const screenReader = useIsScreenReaderEnabled();
  const liveClock = isAnchored(stdout) && !screenReader;
  const { state, dispatch } = useConsole(
    source,
    actions,
    // Coming back from a command, the terminal may have been resized meanwhile.
    () => (initial ? { ...initial, size: measure(stdout) } : initialState({ readOnly, replay: source.replay !== undefined, intervalMs: source.intervalMs(), ...measure(stdout) })),
    header,
    liveClock,
  );
  useKeyChunks((keys) => dispatch(...keys.map((key) => ({ type: 'key' as const, key }))));
  useTerminalResize(useCallback((size) => dispatch({ type: 'resize', ...size }), [dispatch]));
  const size = state.size;

  const { view, filter } = state;
  const table = tableFrame(state, (name, n) => source.recentCpu(name, n));
  const selected = table.selected;
  const selectedRow = rowsOf(state)[selected];
  const { available, tableRows, bottomHeight } = layoutOf(state);

  return (
    <Box flexDirection="column" width={size.columns}>
      <Header header={header} view={view} intervalMs={state.intervalMs} sort={state.sort} reverse={state.reverse} filter={filter} width={size.columns} liveClock={liveClock} />
      {state.helpOpen ? (
        <Box height={available + 1} overflow="hidden">
          <HelpOverlay readOnly={readOnly} replay={state.replay} />
        </Box>
      ) : (
        <Box flexDirection="column">
          <Table
            frame={table}
            height={tableRows}
            emptyText={view === undefined ? 'waiting for the first sample…' : filter === '' ? 'no containers' : `nothing matches "${filter}"`}
          />
          {selectedRow && bottomHeight > 0 && state.bottom === 'detail' && (
            <DetailPanel
              row={selectedRow}
              history={source.history(selectedRow.name)}
              events={state.events.get(selectedRow.name) ?? []}
              actions={actions}
              revision={state.revision}
              width={size.columns}
              height={bottomHeight}
            />
          )}
          {bottomHeight > 0 && state.bottom === 'processes' && state.processes && (
            <ProcessList
              rows={state.processes.rows}
              selected={selectedProcess(state.processes)}
              width={size.columns}
              height={bottomHeight}
              emptyText={state.processes.error ?? (state.processes.snapshot ? noProcessesText(state.processes.name, selectedRow?.name === state.processes.name ? selectedRow.view.raw.stats.pids?.current : undefined) : 'reading processes…')}
            />
          )}
          {bottomHeight > 0 && state.bottom === 'log' && state.log && <LogView log={state.log} width={size.columns} height={bottomHeight} />}
        </Box>
      )}
      {state.dialog && <DialogView dialog={state.dialog} width={size.columns} />}
      <StatusLine status={state.status} width={size.columns} />
      <Footer width={size.columns} readOnly={readOnly} position={selected} total={table.total} mode={keyMode(state)} />
    </Box>
  );
}

function DialogView({ dialog, width }: { dialog: Dialog; width: number }) {
  if (dialog.kind === 'goTo') {
    return <Prompt label="Go to" field={dialog.field} hint="now, 10m ago, 1h30m ago, 03:12, 2026-12-02 03:12; Enter goes, Esc cancels" width={width} />;
  }
  if (dialog.kind === 'filter') {
    return <Prompt label="Filter /" field={dialog.field} hint="substring of the name; Enter keeps it, Esc clears it" width={width} />;
  }
  const step = currentStep(dialog);
  const c = { target: dialog.target, answers: dialog.answers };
  switch (step.kind) {
    case 'prompt':
      return <Prompt label={step.label(c)} field={dialog.field} hint={step.hint} error={dialog.error} width={width} />;
    case 'confirm':
      return (
        <Box height={DIALOG_LINES}>
          <Confirm question={step.question(c)} />
        </Box>
      );
    case 'choose':
      return <Choice question={step.question(c)} options={step.options} chosen={dialog.choice} width={width} />;
  }
}
