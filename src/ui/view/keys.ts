import type { Key } from 'ink';
import type { Movement } from './viewport.js';

/** Actions that change containers; refused in read-only mode. */
export type ActionCommand = 'create' | 'update' | 'pause' | 'run' | 'kill' | 'destroy';

export type Command =
  | Movement
  | ActionCommand
  | 'collapse'
  | 'expand'
  | 'toggleDetail'
  | 'filter'
  | 'clearFilter'
  | 'sort'
  | 'slower'
  | 'faster'
  | 'help'
  | 'quit';

const ACTIONS: ReadonlySet<string> = new Set<ActionCommand>(['create', 'update', 'pause', 'run', 'kill', 'destroy']);

export function isActionCommand(command: Command): command is ActionCommand {
  return ACTIONS.has(command);
}

/**
 * `k` moves up (vi keys), so killing all tasks is the capital `K`: a reflex `k` for
 * "up" must never open a kill dialog.
 */
const LETTERS: Readonly<Record<string, Command>> = {
  j: 'down',
  k: 'up',
  '/': 'filter',
  s: 'sort',
  '+': 'slower',
  '=': 'slower',
  '-': 'faster',
  '?': 'help',
  q: 'quit',
  c: 'create',
  u: 'update',
  p: 'pause',
  r: 'run',
  K: 'kill',
  d: 'destroy',
};

/** The browsing key map (dialogs read their own keys). */
export function commandFor(input: string, key: Key): Command | undefined {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.pageUp) return 'pageUp';
  if (key.pageDown) return 'pageDown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.leftArrow) return 'collapse';
  if (key.rightArrow) return 'expand';
  if (key.return) return 'toggleDetail';
  if (key.escape) return 'clearFilter';
  if (key.ctrl || key.meta) return undefined;
  return Object.hasOwn(LETTERS, input) ? LETTERS[input] : undefined;
}
