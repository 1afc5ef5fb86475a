import { render } from 'ink';
import { createElement } from 'react';
import { Code, LmctfyError } from '../engine/errors.js';
import { App } from './components/App.js';
import type { ConsoleActions, ConsoleSource } from './source.js';

export type { ConsoleActions, ConsoleHeader, ConsoleSource } from './source.js';
export { App, type AppProps } from './components/App.js';
export { FakeConsole, type FakeConsoleOptions } from './fake-source.js';

const ENTER_ALTERNATE_SCREEN = '\u001b[?1049h';
const LEAVE_ALTERNATE_SCREEN = '\u001b[?1049l';

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
 * and gives the original screen back afterwards, also when rendering fails.
 * Keys need a terminal on stdin: without one this fails with FAILED_PRECONDITION.
 */
export async function runConsole(options: RunConsoleOptions): Promise<void> {
  const { stdin, stdout } = process;
  if (!stdin.isTTY) {
    throw new LmctfyError(Code.FAILED_PRECONDITION, 'the console needs a terminal on stdin (top --json streams without one)');
  }
  const alternate = stdout.isTTY === true;
  if (alternate) stdout.write(ENTER_ALTERNATE_SCREEN);
  try {
    // Ink unmounts itself on exit (q, Ctrl+C, or a render error, which rejects here).
    await render(createElement(App, options), INK_OPTIONS).waitUntilExit();
  } finally {
    if (alternate) stdout.write(LEAVE_ALTERNATE_SCREEN);
  }
}
