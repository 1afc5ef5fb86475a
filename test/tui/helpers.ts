import * as fs from 'node:fs';
import * as path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import type { ReactElement } from 'react';
import { expect } from 'vitest';

export const KEY = {
  up: '\u001b[A',
  down: '\u001b[B',
  right: '\u001b[C',
  left: '\u001b[D',
  pageUp: '\u001b[5~',
  pageDown: '\u001b[6~',
  home: '\u001b[H',
  end: '\u001b[F',
  enter: '\r',
  escape: '\u001b',
  backspace: '\u007f',
} as const;

/** Lets Ink read input and re-render (its input and render paths are asynchronous). */
export function settle(ms = 30): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export type Rendered = ReturnType<typeof render>;

export function mount(tree: ReactElement): Rendered {
  return render(tree);
}

/** The last frame without escape sequences. */
export function screen(r: Rendered): string {
  return stripVTControlCharacters(r.lastFrame() ?? '');
}

/**
 * Sends input and waits until Ink has drawn its effect (renders run asynchronously, and
 * a key sent before the previous one is drawn would reach the old screen). Input that
 * changes nothing draws nothing: then it gives up after `patienceMs`.
 */
async function send(r: Rendered, input: string, patienceMs = 300): Promise<void> {
  await drawn(r, () => r.stdin.write(input), patienceMs);
}

/** Does `change` and waits for the frame it causes (at most `patienceMs`). */
export async function drawn(r: Rendered, change: () => void, patienceMs = 1000): Promise<void> {
  const before = r.frames.length;
  change();
  const deadline = Date.now() + patienceMs;
  while (r.frames.length === before && Date.now() < deadline) await settle(5);
  await settle(5);
}

/** Types keys one at a time. */
export async function press(r: Rendered, ...keys: string[]): Promise<void> {
  for (const key of keys) await send(r, key);
}

/** Types text as one paste (Ink delivers it as a single input). */
export async function type(r: Rendered, text: string): Promise<void> {
  await send(r, text);
}

/** Changes the fake terminal's size and tells the app, as a real terminal would. */
export async function resize(r: Rendered, columns: number, rows: number): Promise<void> {
  Object.defineProperty(r.stdout, 'columns', { value: columns, configurable: true });
  Object.defineProperty(r.stdout, 'rows', { value: rows, configurable: true });
  r.stdout.emit('resize');
  await settle();
}

/** The screen line that contains `text`, or undefined. */
export function lineWith(r: Rendered, text: string): string | undefined {
  return screen(r)
    .split('\n')
    .find((line) => line.includes(text));
}

/** The selected table line (the one with the › marker). */
export function selectedLine(r: Rendered): string | undefined {
  return screen(r)
    .split('\n')
    .find((line) => line.startsWith('›'));
}

/** The shipped console module's code (dist/console.js, beside the CLI's bundle): what its stand-ins for Ink's modules must be in. */
export function shippedConsoleCode(): string {
  const consoleModule = path.resolve('dist/console.js');
  expect(fs.existsSync(consoleModule), 'dist/ has no console.js: run npm run build').toBe(true);
  return fs.readFileSync(consoleModule, 'utf8');
}
