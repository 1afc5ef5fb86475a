import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { childNameProblem } from '../../src/ui/hooks/useActionFlows.js';
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS, stepInterval } from '../../src/ui/view/interval.js';
import { commandFor, isActionCommand } from '../../src/ui/view/keys.js';
import { specToOneLine } from '../../src/ui/view/spec-line.js';
import { deleteBack, insertText, moveCursor, visibleWindow } from '../../src/ui/view/text-input.js';
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

function key(overrides: Partial<Key> = {}): Key {
  return {
    upArrow: false,
    downArrow: false,
    leftArrow: false,
    rightArrow: false,
    pageDown: false,
    pageUp: false,
    home: false,
    end: false,
    return: false,
    escape: false,
    ctrl: false,
    shift: false,
    tab: false,
    backspace: false,
    delete: false,
    meta: false,
    super: false,
    hyper: false,
    capsLock: false,
    numLock: false,
    ...overrides,
  };
}

describe('commandFor', () => {
  it.each([
    ['', key({ upArrow: true }), 'up'],
    ['k', key(), 'up'],
    ['j', key(), 'down'],
    ['', key({ pageDown: true }), 'pageDown'],
    ['', key({ home: true }), 'home'],
    ['', key({ end: true }), 'end'],
    ['', key({ leftArrow: true }), 'collapse'],
    ['', key({ rightArrow: true }), 'expand'],
    ['', key({ return: true }), 'toggleDetail'],
    ['', key({ escape: true, meta: true }), 'clearFilter'],
    ['/', key(), 'filter'],
    ['s', key(), 'sort'],
    ['+', key(), 'slower'],
    ['=', key(), 'slower'],
    ['-', key(), 'faster'],
    ['?', key(), 'help'],
    ['q', key(), 'quit'],
    ['c', key(), 'create'],
    ['u', key(), 'update'],
    ['p', key(), 'pause'],
    ['r', key(), 'run'],
    ['K', key({ shift: true }), 'kill'],
    ['d', key(), 'destroy'],
    ['x', key(), undefined],
    ['c', key({ ctrl: true }), undefined],
    ['toString', key(), undefined],
  ])('%j %# → %s', (input, k, command) => {
    expect(commandFor(input, k)).toBe(command);
  });

  it.each([
    ['create', true],
    ['kill', true],
    ['destroy', true],
    ['sort', false],
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
