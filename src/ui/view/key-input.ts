/**
 * Terminal input as keys. One read from the terminal can hold several keys: typed fast,
 * auto-repeated, pasted or over a slow ssh link, `jjj` or `j\x1b[B` arrive together, and
 * every one of them must act, in order. Pure: a chunk in, its keys out.
 */

export type KeyName =
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'pageUp'
  | 'pageDown'
  | 'home'
  | 'end'
  | 'enter'
  | 'escape'
  | 'tab'
  | 'backTab'
  | 'backspace'
  | 'delete';

/** One key: a named key, or a typed character (`char`), with the modifiers the terminal reported. */
export interface KeyPress {
  name?: KeyName;
  /** The character typed (one code point); absent for named keys. Ctrl+A is char 'a' with ctrl. */
  char?: string;
  ctrl?: boolean;
  /** Alt/Meta: the key came prefixed by Esc. */
  meta?: boolean;
  /**
   * An Enter followed by more text in the same read: a line break inside pasted text,
   * which a text field takes as a space rather than as "submit".
   */
  inText?: boolean;
}

const ESC = '\u001b';

/** Final bytes of `ESC [ …` and `ESC O …` sequences without a number. */
const LETTER_KEYS: Readonly<Record<string, KeyName>> = {
  A: 'up',
  B: 'down',
  C: 'right',
  D: 'left',
  H: 'home',
  F: 'end',
  Z: 'backTab',
};

/** `ESC [ n ~` keys (xterm, rxvt and the Linux console number Home/End differently). */
const TILDE_KEYS: Readonly<Record<string, KeyName>> = {
  '1': 'home',
  '3': 'delete',
  '4': 'end',
  '5': 'pageUp',
  '6': 'pageDown',
  '7': 'home',
  '8': 'end',
};

/**
 * Splits one read into its keys, in order. Escape sequences (arrows, PgUp/PgDn, Home/End,
 * with or without modifiers, in CSI or SS3 form) are one key each; an Esc at the end of
 * the read, or before something that does not start a sequence, is the Esc key (Ink
 * already holds back a lone Esc briefly in case the rest of a sequence follows). Sequences
 * that are not keys (focus reports, unknown function keys) are dropped.
 */
export function splitKeys(chunk: string): KeyPress[] {
  const keys: KeyPress[] = [];
  const chars = [...chunk];
  let i = 0;
  while (i < chars.length) {
    const ch = chars[i];
    if (ch === ESC) {
      const parsed = escapeSequence(chars, i);
      if (parsed.key) keys.push(parsed.key);
      i = parsed.next;
      continue;
    }
    keys.push(plainKey(ch));
    // A CRLF line break (pasted from some editors) is one Enter.
    i += ch === '\r' && chars[i + 1] === '\n' ? 2 : 1;
  }
  markLineBreaksInText(keys);
  return keys;
}

function plainKey(ch: string): KeyPress {
  if (ch === '\r' || ch === '\n') return { name: 'enter' };
  if (ch === '\t') return { name: 'tab' };
  if (ch === '\u007f' || ch === '\b') return { name: 'backspace' };
  const code = ch.codePointAt(0)!;
  // Ctrl+A .. Ctrl+Z (and a few more) arrive as 0x01..0x1f.
  if (code < 0x20) return { char: String.fromCharCode(code + 0x60), ctrl: true };
  return { char: ch };
}

function escapeSequence(chars: readonly string[], at: number): { key?: KeyPress; next: number } {
  const next = chars[at + 1];
  if (next === undefined) return { key: { name: 'escape' }, next: at + 1 };
  if (next === '[' || next === 'O') return controlSequence(chars, at, next);
  if (next === ESC) {
    // Esc Esc [ A: Alt+↑ in some terminals; Esc Esc alone: Alt+Esc, taken as Esc.
    const after = chars[at + 2];
    if (after === '[' || after === 'O') {
      const inner = controlSequence(chars, at + 1, after);
      return { key: inner.key && { ...inner.key, meta: true }, next: inner.next };
    }
    return { key: { name: 'escape', meta: true }, next: at + 2 };
  }
  // Alt+key: Esc then the key.
  const key = plainKey(next);
  return { key: { ...key, meta: true }, next: at + 2 };
}

/** `ESC [ params final` or `ESC O final`, starting at the Esc. */
function controlSequence(chars: readonly string[], at: number, introducer: string): { key?: KeyPress; next: number } {
  let i = at + 2;
  if (introducer === 'O') {
    const final = chars[i];
    if (final === undefined) return { key: { char: 'O', meta: true }, next: i };
    return { key: named(LETTER_KEYS[final]), next: i + 1 };
  }
  // The Linux console's F1-F5 (ESC [ [ A-E): no key of ours.
  if (chars[i] === '[') return { next: chars[i + 1] === undefined ? i + 1 : i + 2 };
  let params = '';
  while (i < chars.length && /[0-9;:<=>?]/.test(chars[i])) params += chars[i++];
  const final = chars[i];
  if (final === undefined) return { next: i };
  const [first = '', modifier] = params.split(';');
  const name = final === '~' ? TILDE_KEYS[first] : LETTER_KEYS[final];
  const key = named(name);
  return { key: key && withModifiers(key, modifier), next: i + 1 };
}

function named(name: KeyName | undefined): KeyPress | undefined {
  return name === undefined ? undefined : { name };
}

/** xterm's modifier parameter: 1 + (shift 1 | alt 2 | ctrl 4). */
function withModifiers(key: KeyPress, modifier: string | undefined): KeyPress {
  const bits = modifier === undefined ? 0 : Number(modifier) - 1;
  if (!(bits > 0)) return key;
  return { ...key, ...(bits & 2 ? { meta: true } : {}), ...(bits & 4 ? { ctrl: true } : {}) };
}

function markLineBreaksInText(keys: KeyPress[]): void {
  let textAfter = false;
  for (let i = keys.length - 1; i >= 0; i--) {
    const k = keys[i];
    if (k.name === 'enter' && textAfter) keys[i] = { ...k, inText: true };
    if (k.char !== undefined && !k.ctrl && !k.meta) textAfter = true;
  }
}
