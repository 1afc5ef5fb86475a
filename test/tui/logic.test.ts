import { describe, expect, it } from 'vitest';
import { childNameProblem } from '../../src/ui/state/flows.js';
import type { KeyPress } from '../../src/ui/view/key-input.js';
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS, stepInterval } from '../../src/ui/view/interval.js';
import { commandFor, isActionCommand } from '../../src/ui/view/keys.js';
import { specToOneLine } from '../../src/ui/view/spec-line.js';
import { deleteBack, editField, insertText, moveCursor, visibleWindow } from '../../src/ui/view/text-input.js';
import { move, scrollTop } from '../../src/ui/view/viewport.js';

describe('scrollTop', () => {
  it.each([
    ['everything fits', 5, 3, 10, 8, 0],
    ['selection inside the window stays put', 4, 6, 5, 100, 4],
    ['selection above scrolls up to it', 10, 3, 5, 100, 3],
    ['selection below scrolls just enough', 0, 7, 5, 100, 3],
    ['window never runs past the end', 98, 99, 5, 100, 95],
    ['shrinking the rows pulls the window back', 90, 20, 5, 22, 17],
    ['no rows', 4, -1, 5, 0, 0],
  ])('%s', (_, previous, selected, height, total, top) => {
    expect(scrollTop(previous, selected, height, total)).toBe(top);
  });
});

describe('move', () => {
  it.each([
    ['up', 5, 'up', 4],
    ['up at the top stays', 0, 'up', 0],
    ['down', 5, 'down', 6],
    ['down at the bottom stays', 99, 'down', 99],
    ['page down', 5, 'pageDown', 15],
    ['page down near the end', 95, 'pageDown', 99],
    ['page up near the top', 3, 'pageUp', 0],
    ['home', 50, 'home', 0],
    ['end', 50, 'end', 99],
  ] as const)('%s', (_, from, movement, to) => {
    expect(move(from, movement, 10, 100)).toBe(to);
  });

  it('is -1 without rows', () => {
    expect(move(0, 'down', 10, 0)).toBe(-1);
  });
});

describe('stepInterval', () => {
  it.each([
    [1000, 1, 2000],
    [1000, -1, 500],
    [250, -1, MIN_INTERVAL_MS],
    [60_000, 1, MAX_INTERVAL_MS],
    [1234, 1, 2000],
    [1234, -1, 1000],
    [100, -1, MIN_INTERVAL_MS],
    [90_000, 1, MAX_INTERVAL_MS],
  ] as const)('%s ms, direction %s → %s ms', (ms, direction, next) => {
    expect(stepInterval(ms, direction)).toBe(next);
  });
});

const ch = (char: string, mods: Partial<KeyPress> = {}): KeyPress => ({ char, ...mods });
const named = (name: KeyPress['name'], mods: Partial<KeyPress> = {}): KeyPress => ({ name, ...mods });

describe('commandFor', () => {
  it.each([
    ['table', named('up'), 'up'],
    ['table', ch('k'), 'up'],
    ['table', ch('j'), 'down'],
    ['table', named('pageDown'), 'pageDown'],
    ['table', named('home'), 'home'],
    ['table', named('end'), 'end'],
    ['table', named('left'), 'collapse'],
    ['table', named('right'), 'expand'],
    ['table', named('enter'), 'toggleDetail'],
    ['table', named('escape'), 'clearFilter'],
    ['table', ch('/'), 'filter'],
    ['table', ch('s'), 'sort'],
    ['table', ch('S'), 'reverseSort'],
    ['table', ch('+'), 'slower'],
    ['table', ch('='), 'slower'],
    ['table', ch('-'), 'faster'],
    ['table', ch('?'), 'help'],
    ['table', ch('q'), 'quit'],
    ['table', ch('c', { ctrl: true }), 'quit'],
    ['table', ch('c'), 'create'],
    ['table', ch('u'), 'update'],
    ['table', ch('p'), 'pause'],
    ['table', ch('r'), 'run'],
    ['table', ch('K'), 'signal'],
    ['table', ch('d'), 'destroy'],
    ['table', ch('x'), 'shell'],
    ['table', ch('P'), 'processes'],
    ['table', ch('l'), 'log'],
    ['table', ch('z'), undefined],
    ['table', ch('j', { meta: true }), undefined],
    ['table', ch('toString'), undefined],
    ['processes', ch('j'), 'down'],
    ['processes', ch('K'), 'signal'],
    ['processes', named('escape'), 'close'],
    ['processes', ch('P'), 'close'],
    ['processes', ch('d'), undefined],
    ['log', named('pageUp'), 'pageUp'],
    ['log', ch('l'), 'close'],
    ['log', ch('K'), undefined],
  ] as const)('%s: %j → %s', (mode, k, command) => {
    expect(commandFor(mode, k)).toBe(command);
  });

  it.each([
    ['create', true],
    ['signal', true],
    ['shell', true],
    ['destroy', true],
    ['sort', false],
    ['processes', false],
    ['quit', false],
  ] as const)('%s is an action: %s', (command, action) => {
    expect(isActionCommand(command)).toBe(action);
  });
});

describe('text field editing', () => {
  it.each([
    ['insert at the end', { value: 'ab', cursor: 2 }, 'c', { value: 'abc', cursor: 3 }],
    ['insert in the middle', { value: 'ac', cursor: 1 }, 'b', { value: 'abc', cursor: 2 }],
    ['paste with line breaks', { value: '', cursor: 0 }, 'cpu {\r\n limit: 1\n}', { value: 'cpu {  limit: 1 }', cursor: 17 }],
  ])('%s', (_, field, text, expected) => {
    expect(insertText(field, text)).toEqual(expected);
  });

  it.each([
    ['deletes before the cursor', { value: 'abc', cursor: 2 }, { value: 'ac', cursor: 1 }],
    ['does nothing at the start', { value: 'abc', cursor: 0 }, { value: 'abc', cursor: 0 }],
  ])('backspace %s', (_, field, expected) => {
    expect(deleteBack(field)).toEqual(expected);
  });

  it.each([
    [-1, 0],
    [2, 2],
    [9, 3],
  ])('cursor to %s lands at %s', (to, at) => {
    expect(moveCursor({ value: 'abc', cursor: 1 }, to).cursor).toBe(at);
  });

  it.each([
    ['short text, cursor at the end', 'abc', 3, 10, { before: 'abc', at: ' ', after: '' }],
    ['short text, cursor inside', 'abc', 1, 10, { before: 'a', at: 'b', after: 'c' }],
    ['long text scrolls to keep the cursor', 'abcdefghij', 10, 4, { before: 'hij', at: ' ', after: '' }],
    ['long text, cursor at the start', 'abcdefghij', 0, 4, { before: '', at: 'a', after: 'bcd' }],
    ['long text, cursor in the middle', 'abcdefghij', 5, 4, { before: 'cde', at: 'f', after: '' }],
  ])('window: %s', (_, value, cursor, width, expected) => {
    expect(visibleWindow({ value, cursor }, width)).toEqual(expected);
  });
});

describe('editField', () => {
  const f = { value: 'abc', cursor: 1 };
  it.each([
    ['Enter submits', named('enter'), 'submit'],
    ['a pasted line break is a space', named('enter', { inText: true }), { field: { value: 'a bc', cursor: 2 } }],
    ['Esc cancels', named('escape'), 'cancel'],
    ['← moves left', named('left'), { field: { value: 'abc', cursor: 0 } }],
    ['→ moves right', named('right'), { field: { value: 'abc', cursor: 2 } }],
    ['Home', named('home'), { field: { value: 'abc', cursor: 0 } }],
    ['Ctrl+E', ch('e', { ctrl: true }), { field: { value: 'abc', cursor: 3 } }],
    ['Backspace', named('backspace'), { field: { value: 'bc', cursor: 0 } }],
    ['Ctrl+U clears', ch('u', { ctrl: true }), { field: { value: '', cursor: 0 } }],
    ['a character inserts', ch('x'), { field: { value: 'axbc', cursor: 2 } }],
    ['Alt+x is ignored', ch('x', { meta: true }), { field: f }],
    ['Tab is ignored', named('tab'), { field: f }],
  ] as const)('%s', (_, k, result) => {
    expect(editField(f, k)).toEqual(result);
  });
});

describe('specToOneLine', () => {
  it.each([
    ['cpu {\n  limit: 500\n}\n', 'cpu { limit: 500 }'],
    ['  memory {\n\tlimit: 1\n  }\n\n', 'memory { limit: 1 }'],
    ['cpu { limit: 1 } # the cap\nmemory { limit: 2 }', 'cpu { limit: 1 } memory { limit: 2 }'],
    ['memory { hugetlbfs_path: "/a  #b" }', 'memory { hugetlbfs_path: "/a  #b" }'],
    ['x: "q\\"  #"\n y: 1', 'x: "q\\"  #" y: 1'],
    ["x: 'a  b'", "x: 'a  b'"],
    ['', ''],
    ['# only a comment\n', ''],
  ])('%j → %j', (text, line) => {
    expect(specToOneLine(text)).toBe(line);
  });
});

describe('childNameProblem', () => {
  it.each([
    ['job', undefined],
    ['', 'the name is empty'],
    ['a/b', 'give one name component, without "/"'],
  ])('%j → %j', (name, problem) => {
    expect(childNameProblem(name)).toBe(problem);
  });
});
