import { render } from 'ink';
import { createElement } from 'react';
import { Code, LmctfyError, asLmctfyError } from '../engine/errors.js';
import { App } from './components/App.js';
import { AUTO_WRAP_ON, anchorFrames, releaseFrames } from './render/line-writer.js';
import type { ConsoleExit } from './hooks/useConsole.js';
import { reduce, type ConsoleState } from './state/console-state.js';
import type { ConsoleActions, ConsoleSource } from './source.js';

export type { BudgetGlance, ConsoleActions, ConsoleHeader, ConsoleSource, LogChunk, ProcessSnapshot, ReplayControl, ReplayMove, SignalName } from './source.js';
export { App, type AppProps } from './components/App.js';

const ENTER_ALTERNATE_SCREEN = '\u001b[?1049h\u001b[H';
// Auto-wrap back on also when rendering failed before Ink's writer could restore it.
const LEAVE_ALTERNATE_SCREEN = `${AUTO_WRAP_ON}\u001b[?1049l`;

/**
 * Ink options of the console (the render benchmark uses the same). Not Ink's
 * incrementalRendering: in a real terminal (test/e2e) it left stale and doubled lines.
 */
export const INK_OPTIONS = { exitOnCtrlC: true } as const;

export interface RunConsoleOptions {
  source: ConsoleSource;
  actions: ConsoleActions;
  readOnly: boolean;
}

/**
 * Runs the console until the user quits. On a terminal it draws on the alternate screen
 * and gives the original screen back afterwards, also when rendering fails. To hand the
 * terminal to a command (`x`), the console ends with its state, the command runs on the
 * original screen with the terminal's own modes, and a new console starts from that state.
 * Keys need a terminal on stdin: without one this fails with FAILED_PRECONDITION.
 */
export async function runConsole(options: RunConsoleOptions): Promise<void> {
  const { stdin, stdout } = process;
  if (!stdin.isTTY) {
    throw new LmctfyError(Code.FAILED_PRECONDITION, 'the console needs a terminal on stdin (top --json streams without one)');
  }
  const alternate = stdout.isTTY === true;
  let state: ConsoleState | undefined;
  for (;;) {
    if (alternate) {
      stdout.write(ENTER_ALTERNATE_SCREEN);
      // Frames start at the screen's top-left corner: they can be drawn line by line.
      anchorFrames(stdout);
    }
    let exit: ConsoleExit | undefined;
    try {
      // Ink unmounts itself on exit (q, Ctrl+C, x, or a render error, which rejects here).
      exit = (await render(createElement(App, { ...options, initial: state }), INK_OPTIONS).waitUntilExit()) as ConsoleExit | undefined;
    } finally {
      if (alternate) {
        releaseFrames(stdout);
        stdout.write(LEAVE_ALTERNATE_SCREEN);
      }
    }
    if (exit?.kind !== 'handOver') return;
    state = reduce(exit.state, await handOver(options.actions, exit.name, exit.command), {
      now: Date.now(),
      validateSpec: () => undefined,
    }).state;
  }
}

/** Runs the command with the terminal: Ink has let go of raw mode; stdin must stop being read too. */
async function handOver(actions: ConsoleActions, name: string, command: string) {
  // Ink removed its reader; a paused stdin stops reading the terminal (a tick later,
  // once the stream has seen the reader go), so every key reaches the command.
  await new Promise((resolve) => setImmediate(resolve));
  process.stdin.pause();
  process.stdout.write(`lmctfy: ${command === '' ? 'shell' : command} in ${name}; exit it to return to the console\n`);
  try {
    const status = await actions.shell(name, command);
    return { type: 'handedBack' as const, name, command, status };
  } catch (e) {
    return { type: 'handedBack' as const, name, command, message: asLmctfyError(e).describe() };
  }
}
