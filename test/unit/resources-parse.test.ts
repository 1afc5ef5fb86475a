import { describe, expect, it } from 'vitest';
import {
  limitFrom,
  parseCounter,
  parseCounterList,
  parseFlatKeyed,
  parseInteger,
  parseLimit,
  parseNestedKeyed,
  parsePressure,
} from '../../src/engine/resources/parse.js';

describe('parseInteger / parseCounter / parseLimit (docs/RELIABILITY.md, item 21)', () => {
  it.each([
    ['42\n', 42, 42, 42],
    ['42', 42, 42, 42],
    ['  7  \n', 7, 7, 7],
    ['0\n', 0, 0, 0],
    ['-1\n', -1, undefined, -1],
    ['-5\n', -5, undefined, -1],
    ['max\n', undefined, undefined, -1],
    ['max', undefined, undefined, -1],
    ['9223372036854771712\n', 9223372036854771712, 9223372036854771712, -1],
    ['18446744073709551615\n', 18446744073709551615, 18446744073709551615, -1],
    ['9007199254740991\n', 9007199254740991, 9007199254740991, 9007199254740991],
    ['', undefined, undefined, undefined],
    ['\n', undefined, undefined, undefined],
    ['12abc', undefined, undefined, undefined],
    ['1.5', undefined, undefined, undefined],
    ['0x10', undefined, undefined, undefined],
    ['1 2', undefined, undefined, undefined],
    ['+3', undefined, undefined, undefined],
  ])('%j → integer %s, counter %s, limit %s', (text, integer, counter, limit) => {
    expect(parseInteger(text)).toBe(integer);
    expect(parseCounter(text)).toBe(counter);
    expect(parseLimit(text)).toBe(limit);
  });

  it.each([
    [0, 0],
    [4096, 4096],
    [-1, -1],
    [-7, -1],
    [2 ** 53 - 1, 2 ** 53 - 1],
    [2 ** 53 + 2, -1],
  ])('limitFrom(%s) = %s', (n, want) => {
    expect(limitFrom(n)).toBe(want);
  });
});

describe('parseCounterList', () => {
  it.each([
    ['1 2 3 \n', [1, 2, 3]],
    ['5', [5]],
    ['', []],
    ['1 x 3', undefined],
    ['1 -2', undefined],
  ])('%j → %j', (text, want) => {
    expect(parseCounterList(text)).toEqual(want);
  });
});

describe('parseFlatKeyed', () => {
  it.each<[string, string, Record<string, number>]>([
    ['plain lines', 'a 1\nb 2\n', { a: 1, b: 2 }],
    ['no trailing newline', 'a 1\nb 2', { a: 1, b: 2 }],
    ['duplicates: last wins', 'a 1\na 3\n', { a: 3 }],
    ['malformed values skipped', 'a x\nb 2\nc\n d 4\n', { b: 2 }],
    ['negative and huge values kept', 'a -1\nb 9223372036854775808\n', { a: -1, b: 9223372036854775808 }],
    ['empty', '', {}],
    ['blank lines', '\n\na 1\n\n', { a: 1 }],
  ])('%s', (_, text, want) => {
    expect(Object.fromEntries(parseFlatKeyed(text))).toEqual(want);
  });

  // With wanted keys the parser searches instead of splitting: it must agree with the full parse.
  it.each<[string, string]>([
    ['first line', 'a 1\nb 2'],
    ['last wins', 'a 1\nb 2\na 3\n'],
    ['malformed last one skipped', 'a 1\na x\n'],
    ['malformed first, valid later', 'a x\na 5\n'],
    ['only malformed', 'a x\na\n'],
    ['key as a suffix or prefix of others', 'xa 1\na_b 2\nab 3\n a 4\n'],
    ['value with spaces around', 'a   7  \nb\t2\n'],
    ['leading blank line', '\na 1\n'],
    ['empty', ''],
  ])('wanted keys agree with the full parse: %s', (_, text) => {
    const wanted = new Set(['a', 'b', 'missing']);
    const full = [...parseFlatKeyed(text)].filter(([k]) => wanted.has(k));
    expect(Object.fromEntries(parseFlatKeyed(text, wanted))).toEqual(Object.fromEntries(full));
  });

  it('keeps only the wanted keys, unknown keys ignored', () => {
    const got = parseFlatKeyed('cache 1\nrss 2\nfuture_key 3\ninactive_file 4\n', new Set(['inactive_file', 'missing']));
    expect(Object.fromEntries(got)).toEqual({ inactive_file: 4 });
  });
});

describe('parseNestedKeyed', () => {
  it('parses io.stat lines and skips tokens without "="', () => {
    const got = parseNestedKeyed('8:0 rbytes=1 wbytes=2 junk rios=3\n\n254:0 wios=9\n');
    expect(got.map((l) => [l.key, Object.fromEntries(l.fields)])).toEqual([
      ['8:0', { rbytes: '1', wbytes: '2', rios: '3' }],
      ['254:0', { wios: '9' }],
    ]);
  });
});

describe('parsePressure', () => {
  it('parses some and full lines', () => {
    const text = 'some avg10=1.50 avg60=0.25 avg300=0.00 total=12345\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=7\n';
    expect(parsePressure(text)).toEqual({
      some: { avg10: 1.5, avg60: 0.25, avg300: 0, total: 12345 },
      full: { avg10: 0, avg60: 0, avg300: 0, total: 7 },
    });
  });

  it.each([
    ['cpu.pressure without full (older kernels)', 'some avg10=0.00 avg60=0.00 avg300=0.00 total=3', { some: { avg10: 0, avg60: 0, avg300: 0, total: 3 } }],
    ['malformed numbers dropped', 'some avg10=x avg60=1.00 total=-4\n', { some: { avg60: 1 } }],
    ['unknown lines ignored', 'other a=1\n', undefined],
    ['empty', '', undefined],
  ])('%s', (_, text, want) => {
    expect(parsePressure(text)).toEqual(want);
  });
});
