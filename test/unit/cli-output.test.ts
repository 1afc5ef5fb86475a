import { describe, expect, it } from 'vitest';
import { formatRows } from '../../src/cli/output.js';
import { commandArgv } from '../../src/cli/commands/processes.js';
import { normalizeArgv } from '../../src/cli/main.js';

describe('output styles', () => {
  const rows = [{ name: '/a' }, { name: '/b"q' }];
  it.each([
    ['pairs', 'name="/a"\nname="/b\\"q"\n'],
    ['values', '/a\n/b"q\n'],
    ['long', `name${' '.repeat(16)} | /a\n\nname${' '.repeat(16)} | /b"q\n\n`],
    ['json', '[{"name":"/a"},{"name":"/b\\"q"}]\n'],
  ] as const)('%s', (style, out) => expect(formatRows(rows, style)).toBe(out));
});

describe('run argv', () => {
  it.each([
    [['echo hello world'], ['/bin/sh', '-c', 'echo hello world']],
    [['ls', '-l'], ['ls', '-l']],
    [['true'], ['true']],
  ])('%j → %j', (i, o) => expect(commandArgv(i)).toEqual(o));

  it.each([
    [['create', 'help'], ['help', 'create']],
    [['create', 'x'], ['create', 'x']],
    [[], ['help']],
  ])('normalizeArgv %j', (i, o) => expect(normalizeArgv(i)).toEqual(o));
});
