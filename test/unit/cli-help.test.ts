import * as fs from 'node:fs';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { describeFields, wrap } from '../../src/cli/spec-fields.js';
import { parseInterval } from '../../src/cli/commands/top.js';
import { baseProgram } from '../../src/cli/program.js';

it("the program's version is package.json's", () => {
  const { version } = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  expect(baseProgram().version()).toBe(`lmctfy version ${version}`);
});

describe('spec field reference', () => {
  const root = protobuf.parse(
    `syntax = "proto2";
    enum Mode { FAST = 1; SLOW = 2; }
    // Inner part.
    message Inner {
      // Units: bytes.
      optional int64 size = 2;
      repeated uint64 data = 1;
    }
    message Empty { reserved 1; }
    message Top {
      optional Mode mode = 3;
      optional Inner inner = 1;
      // Several.
      repeated Inner many = 2;
      optional Empty gone = 4;
      // Spread over
      // two lines.
      optional string note = 5;
    }`,
    { keepCase: true, alternateCommentMode: true },
  ).root;
  root.resolveAll();

  it('walks nested messages in field order, with types, enum values and comments; skips messages with no fields', () => {
    expect(describeFields(root.lookupType('Top'))).toEqual([
      '  inner {…}',
      '      Inner part.',
      '  inner.data (repeated uint64)',
      '  inner.size (int64)',
      '      Units: bytes.',
      '  many (repeated) {…}',
      '      Several.',
      '  many.data (repeated uint64)',
      '  many.size (int64)',
      '      Units: bytes.',
      '  mode (FAST|SLOW)',
      '  note (string)',
      '      Spread over two lines.',
    ]);
  });
});

describe('wrap', () => {
  const long = 'word '.repeat(30).trim();
  it.each([
    [undefined, []],
    ['', []],
    ['one\n  two', ['    one two']],
    // 4 + 17 × 5 − 1 = 88 columns: 17 words fit a line.
    [long, ['    ' + 'word '.repeat(17).trim(), '    ' + 'word '.repeat(13).trim()]],
    ['x'.repeat(100), ['    ' + 'x'.repeat(100)]],
  ])('%j', (text, lines) => expect(wrap(text, '    ')).toEqual(lines));
});

describe('top --interval', () => {
  it.each([
    [undefined, 1000],
    ['0.25', 250],
    ['1', 1000],
    ['2.5', 2500],
    ['60', 60_000],
  ])('%j → %d ms', (value, ms) => expect(parseInterval(value)).toBe(ms));

  it.each(['0.1', '0.249', '0', '-1', '60.5', '1e12', 'NaN', 'Infinity', '', 'x'])('%j is refused', (value) => {
    expect(() => parseInterval(value)).toThrow(/--interval must be 0.25 to 60 seconds \(the console's range\)/);
  });
});
