import { describe, expect, it } from 'vitest';
import { splitKeys, type KeyPress } from '../../src/ui/view/key-input.js';

const ch = (char: string, mods: Partial<KeyPress> = {}): KeyPress => ({ char, ...mods });
const named = (name: KeyPress['name'], mods: Partial<KeyPress> = {}): KeyPress => ({ name, ...mods });

describe('splitKeys', () => {
  it.each<[string, string, KeyPress[]]>([
    ['one letter', 'j', [ch('j')]],
    ['letters typed fast', 'jjj', [ch('j'), ch('j'), ch('j')]],
    ['an auto-repeated +', '++', [ch('+'), ch('+')]],
    ['sort then quit', 'sq', [ch('s'), ch('q')]],
    ['a capital', 'K', [ch('K')]],
    ['a character outside the BMP is one key', 'a😀b', [ch('a'), ch('😀'), ch('b')]],
    ['arrows in CSI form', '\u001b[A\u001b[B\u001b[C\u001b[D', [named('up'), named('down'), named('right'), named('left')]],
    ['arrows in SS3 form (application cursor mode)', '\u001bOA\u001bOB', [named('up'), named('down')]],
    ['letters around an arrow', 'j\u001b[Bk', [ch('j'), named('down'), ch('k')]],
    ['PgUp and PgDn', '\u001b[5~\u001b[6~', [named('pageUp'), named('pageDown')]],
    ['Home and End, xterm', '\u001b[H\u001b[F', [named('home'), named('end')]],
    ['Home and End, SS3', '\u001bOH\u001bOF', [named('home'), named('end')]],
    ['Home and End, rxvt and the Linux console', '\u001b[1~\u001b[4~\u001b[7~\u001b[8~', [named('home'), named('end'), named('home'), named('end')]],
    ['Delete', '\u001b[3~', [named('delete')]],
    ['Esc alone', '\u001b', [named('escape')]],
    ['Esc after a letter', 'x\u001b', [ch('x'), named('escape')]],
    ['Alt+letter', '\u001bj', [ch('j', { meta: true })]],
    ['Esc Esc', '\u001b\u001b', [named('escape', { meta: true })]],
    ['Alt+arrow as Esc Esc [ A', '\u001b\u001b[A', [named('up', { meta: true })]],
    ['Ctrl+arrow with a modifier parameter', '\u001b[1;5A', [named('up', { ctrl: true })]],
    ['Alt+PgDn', '\u001b[6;3~', [named('pageDown', { meta: true })]],
    ['Shift+Tab', '\u001b[Z', [named('backTab')]],
    ['Linux console F1 is dropped', '\u001b[[A', []],
    ['focus reports and unknown sequences are dropped', '\u001b[I\u001b[Oj\u001b[99~', [ch('j')]],
    ['Enter as CR', '\r', [named('enter')]],
    ['Enter as LF', '\n', [named('enter')]],
    ['CRLF is one Enter', '\r\n', [named('enter')]],
    ['two Enters', '\r\r', [named('enter'), named('enter')]],
    ['Tab', '\t', [named('tab')]],
    ['Backspace as DEL and as BS', '\u007f\b', [named('backspace'), named('backspace')]],
    ['Ctrl+C', '\u0003', [ch('c', { ctrl: true })]],
    ['Ctrl+U in text', 'a\u0015b', [ch('a'), ch('u', { ctrl: true }), ch('b')]],
    ['a line break inside pasted text', 'ab\rcd', [ch('a'), ch('b'), named('enter', { inText: true }), ch('c'), ch('d')]],
    ['an Enter that ends the read submits', 'ab\r', [ch('a'), ch('b'), named('enter')]],
    ['an Enter before an arrow is not in text', '\r\u001b[B', [named('enter'), named('down')]],
    ['empty', '', []],
  ])('%s', (_, chunk, keys) => {
    expect(splitKeys(chunk)).toEqual(keys);
  });
});
