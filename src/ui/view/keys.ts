import type { KeyName, KeyPress } from './key-input.js';
import type { Movement } from './viewport.js';

/** Moves through a recording (lmctfy top --replay). */
export type ReplayCommand = 'stepBack' | 'stepForward' | 'minuteBack' | 'minuteForward' | 'hourBack' | 'hourForward' | 'goTo' | 'nextEvent';

const REPLAY: ReadonlySet<string> = new Set<ReplayCommand>(['stepBack', 'stepForward', 'minuteBack', 'minuteForward', 'hourBack', 'hourForward', 'goTo', 'nextEvent']);

export function isReplayCommand(command: Command): command is ReplayCommand {
  return REPLAY.has(command);
}

/** Actions that change containers; refused in read-only mode. */
export type ActionCommand = 'create' | 'update' | 'pause' | 'run' | 'signal' | 'destroy' | 'shell' | 'checkpoint';

export type Command =
  | Movement
  | ActionCommand
  | ReplayCommand
  | 'collapse'
  | 'expand'
  | 'toggleDetail'
  | 'processes'
  | 'log'
  | 'close'
  | 'filter'
  | 'clearFilter'
  | 'sort'
  | 'reverseSort'
  | 'slower'
  | 'faster'
  | 'help'
  | 'quit';

const ACTIONS: ReadonlySet<string> = new Set<ActionCommand>(['create', 'update', 'pause', 'run', 'signal', 'destroy', 'shell', 'checkpoint']);

export function isActionCommand(command: Command): command is ActionCommand {
  return ACTIONS.has(command);
}

/**
 * What has the keys besides the dialogs (which edit text or answer questions): the
 * container table, or the process list or log of the selected container below it.
 */
export type KeyMode = 'table' | 'processes' | 'log';

type Bindings = Readonly<Record<string, Command>>;

/** Named keys are written `<name>`, typed characters as themselves. */
const COMMON: Bindings = {
  '?': 'help',
  q: 'quit',
  '<ctrl-c>': 'quit',
};

const MOVEMENT: Bindings = {
  '<up>': 'up',
  '<down>': 'down',
  '<pageUp>': 'pageUp',
  '<pageDown>': 'pageDown',
  '<home>': 'home',
  '<end>': 'end',
};

/**
 * The key map, one table per mode. `k` moves up (vi keys), so signalling is the capital
 * `K`: a reflex `k` for "up" must never open a kill dialog. `s` sorts, so the shell (k9s's
 * `s`) is `x`, for exec.
 */
export const KEY_MAP: Readonly<Record<KeyMode, Bindings>> = {
  table: {
    ...COMMON,
    ...MOVEMENT,
    j: 'down',
    k: 'up',
    '<left>': 'collapse',
    '<right>': 'expand',
    '<enter>': 'toggleDetail',
    '<escape>': 'clearFilter',
    '/': 'filter',
    s: 'sort',
    S: 'reverseSort',
    '+': 'slower',
    '=': 'slower',
    '-': 'faster',
    P: 'processes',
    l: 'log',
    c: 'create',
    u: 'update',
    p: 'pause',
    r: 'run',
    K: 'signal',
    d: 'destroy',
    x: 'shell',
    C: 'checkpoint',
    // below's replay keys: t and T step a sample.
    t: 'stepBack',
    T: 'stepForward',
    '[': 'minuteBack',
    ']': 'minuteForward',
    '{': 'hourBack',
    '}': 'hourForward',
    g: 'goTo',
    n: 'nextEvent',
  },
  processes: {
    ...COMMON,
    ...MOVEMENT,
    j: 'down',
    k: 'up',
    K: 'signal',
    P: 'close',
    '<escape>': 'close',
    '<left>': 'close',
  },
  log: {
    ...COMMON,
    ...MOVEMENT,
    j: 'down',
    k: 'up',
    l: 'close',
    '<escape>': 'close',
    '<left>': 'close',
  },
};

/** How the key map names a key: `<down>`, `<ctrl-c>`, `j`; undefined for Alt+anything. */
export function keyId(key: KeyPress): string | undefined {
  if (key.meta) return undefined;
  if (key.name !== undefined) return `<${key.name satisfies KeyName}>`;
  if (key.char === undefined) return undefined;
  return key.ctrl ? `<ctrl-${key.char}>` : key.char;
}

/** The command a key gives in a mode, if any. */
export function commandFor(mode: KeyMode, key: KeyPress): Command | undefined {
  const id = keyId(key);
  const bindings = KEY_MAP[mode];
  return id !== undefined && Object.hasOwn(bindings, id) ? bindings[id] : undefined;
}
