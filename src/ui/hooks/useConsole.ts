import { useApp } from 'ink';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { SampleView } from '../../stats/model.js';
import { asLmctfyError } from '../../engine/errors.js';
import { passFacts } from '../components/Header.js';
import { textLine } from '../render/frame-output.js';
import { drawLines, settleLines } from '../render/line-writer.js';
import { redrawClock, setClock } from '../render/live-clock.js';
import type { ConsoleActions, ConsoleHeader, ConsoleSource } from '../source.js';
import type { ActionCall } from '../state/flows.js';
import { reduceAll, type ConsoleInput, type ConsoleState, type Effect } from '../state/console-state.js';
import { FIRST_ROW_LINE, changedRows, tableFrame, type RecentCpu } from '../state/screen.js';
import { formatClock } from '../view/format.js';
import { rowText } from '../view/row-parts.js';
import { useColor } from '../view/theme.js';
import { useJournal } from './useJournal.js';

/** How the console ends: quit, or give the terminal to a command and come back with this state. */
export type ConsoleExit = { kind: 'handOver'; state: ConsoleState; name: string; command: string };

/** How long a status message stays (a pending one stays until its outcome replaces it). */
export const STATUS_MS = 5000;

/**
 * The console's state machine (state/console-state.ts) wired to the world: inputs go
 * through the reducer in order, and the effects it asks for run here. Calls run in the
 * background; their outcomes come back as inputs.
 *
 * With `liveClock` (the line writer draws the header's time, render/live-clock.ts), a
 * sample that changes nothing on screen but the time is not rendered: the state moves on,
 * and only the clock's line is drawn again. An idle tree then costs no React render, layout
 * or frame in most passes. A sample that changes only some table rows' text (a busy tree's
 * figures and sparklines) is not rendered either: those rows' lines are made as Ink would
 * make them (render/frame-output.ts textLine) and drawn by the line writer with the clock.
 * Anything else on screen that moves, or a row the fast path cannot draw, renders.
 */
export function useConsole(
  source: ConsoleSource,
  actions: ConsoleActions,
  initial: () => ConsoleState,
  header: ConsoleHeader,
  liveClock: boolean,
): { state: ConsoleState; dispatch: (...inputs: ConsoleInput[]) => void } {
  const { exit } = useApp();
  const color = useColor();
  const [state, setRendered] = useState(initial);
  // Lines drawn without a render are the line writer's until React draws the state they show.
  const setState = (next: ConsoleState) => {
    settleLines();
    setRendered(next);
  };
  // Inputs can come faster than renders: each starts from the previous one's state.
  const live = useRef(state);
  // What the header showed of the live state's pass, as of when that state was made.
  const facts = useRef(passFacts(header, state.view));
  const dispatchRef = useRef<(...inputs: ConsoleInput[]) => void>(() => undefined);

  const run = (effect: Effect) => {
    const dispatch = dispatchRef.current;
    const fail = (e: unknown) => asLmctfyError(e).describe();
    switch (effect.kind) {
      case 'call':
        Promise.resolve()
          .then(() => perform(actions, effect.call))
          .then(
            (result) => dispatch({ type: 'done', call: effect.call, result }),
            (e: unknown) => dispatch({ type: 'failed', call: effect.call, message: fail(e) }),
          );
        break;
      case 'readSpec':
        Promise.resolve()
          .then(() => actions.specText(effect.target.name))
          .then(
            (text) => dispatch({ type: 'specRead', target: effect.target, text }),
            (e: unknown) => dispatch({ type: 'specFailed', target: effect.target, message: fail(e) }),
          );
        break;
      case 'readProcesses':
        Promise.resolve()
          .then(() => actions.processes(effect.name))
          .then(
            (snapshot) => dispatch({ type: 'processes', name: effect.name, snapshot, at: performance.now() }),
            (e: unknown) => dispatch({ type: 'processesFailed', name: effect.name, message: fail(e) }),
          );
        break;
      case 'readLog':
        Promise.resolve()
          .then(() => actions.log(effect.name, effect.offset))
          .then(
            (chunk) => dispatch({ type: 'log', name: effect.name, chunk }),
            (e: unknown) => dispatch({ type: 'logFailed', name: effect.name, message: fail(e) }),
          );
        break;
      case 'setInterval':
        source.setIntervalMs(effect.ms);
        break;
      case 'replay':
        if (source.replay) {
          let moved: { text: string; warn?: boolean };
          try {
            moved = source.replay.move(effect.move);
          } catch (e) {
            moved = { text: fail(e), warn: true };
          }
          dispatch({ type: 'replayed', ...moved });
        }
        break;
      case 'quit':
        exit();
        break;
      case 'handOver':
        exit({ kind: 'handOver', state: live.current, name: effect.name, command: effect.command } satisfies ConsoleExit);
        break;
    }
  };

  const validateSpec = (text: string) => {
    try {
      return actions.validateSpec(text);
    } catch (e) {
      return asLmctfyError(e).describe();
    }
  };
  const dispatch = (...inputs: ConsoleInput[]) => {
    const t = reduceAll(live.current, inputs, { now: Date.now(), validateSpec });
    live.current = t.state;
    facts.current = passFacts(header, t.state.view);
    setState(t.state);
    for (const effect of t.effects) run(effect);
  };
  dispatchRef.current = dispatch;
  const stable = useCallback((...inputs: ConsoleInput[]) => dispatchRef.current(...inputs), []);

  const sampled = (view: SampleView) => {
    if (!liveClock) return dispatch({ type: 'sample', view });
    setClock(formatClock(view.timestamp));
    const t = reduceAll(live.current, [{ type: 'sample', view }], { now: Date.now(), validateSpec });
    const nextFacts = passFacts(header, t.state.view);
    const recentCpu: RecentCpu = (name, n) => source.recentCpu(name, n);
    const rows = changedRows(live.current, t.state, { previous: facts.current, next: nextFacts }, recentCpu);
    live.current = t.state;
    facts.current = nextFacts;
    if (rows?.length === 0) redrawClock();
    else {
      const lines = rows === undefined ? undefined : rowLines(t.state, rows, recentCpu, color);
      if (lines === undefined || !drawLines(lines)) setState(t.state);
    }
    for (const effect of t.effects) run(effect);
  };
  const sampledRef = useRef(sampled);
  sampledRef.current = sampled;

  useEffect(() => source.subscribe((view) => sampledRef.current(view)), [source]);
  useJournal(source, stable);

  const status = state.status;
  useEffect(() => {
    if (!status || status.pending) return;
    const timer = setTimeout(() => stable({ type: 'expireStatus', id: status.id }), STATUS_MS);
    return () => clearTimeout(timer);
  }, [status, stable]);

  return { state, dispatch: stable };
}

/** The screen lines of these rows on screen (index, line), or undefined when one cannot be drawn without Ink. */
function rowLines(s: ConsoleState, rows: readonly number[], recentCpu: RecentCpu, color: boolean): Array<[number, string]> | undefined {
  const table = tableFrame(s, recentCpu);
  const lines: Array<[number, string]> = [];
  for (const i of rows) {
    const line = textLine(rowText(table.parts[i], table.top + i === table.selected, color), s.size.columns);
    if (line === undefined) return undefined;
    lines.push([FIRST_ROW_LINE + i, line]);
  }
  return lines;
}

/** Runs a call; resolves with what the status line reports (the new name, the pid, the checkpoint's directory). */
async function perform(actions: ConsoleActions, call: ActionCall): Promise<string | number | undefined> {
  switch (call.action) {
    case 'create':
      return actions.create(call.parent, call.child, call.spec);
    case 'update':
      await actions.update(call.name, call.spec);
      return undefined;
    case 'pause':
      await actions.pause(call.name);
      return undefined;
    case 'resume':
      await actions.resume(call.name);
      return undefined;
    case 'run':
      return actions.run(call.name, call.command);
    case 'signal':
      await actions.signal(call.name, call.target, call.signal);
      return undefined;
    case 'destroy':
      await actions.destroy(call.name, call.force);
      return undefined;
    case 'checkpoint':
      return actions.checkpoint(call.name, call.dir, call.leaveRunning);
  }
}
