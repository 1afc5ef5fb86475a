import { describe, expect, it } from 'vitest';
import { digitsEnd, hasHexPrefix, identEnd, isDigitAt, isIdentCharAt, isIdentStartAt, isLetterAsciiAt, isLetterAt, isOctalLiteral } from '../../src/messages/text-chars.js';

// Every class against the regular expression it stands in for, over every character code up
// to U+017F (ASCII, Latin-1, the letters whose code differs from an ASCII one in bit 5 only).
describe('text format character classes', () => {
  const chars = Array.from({ length: 0x180 }, (_, c) => String.fromCharCode(c));

  it.each<[string, (s: string, i: number) => boolean, RegExp]>([
    ['digit', isDigitAt, /^[0-9]$/],
    ['letter', isLetterAsciiAt, /^[A-Za-z]$/],
    ['identifier start', isIdentStartAt, /^[A-Za-z_]$/],
    ['identifier character', isIdentCharAt, /^[A-Za-z0-9_]$/],
    ['e in either case', (s, i) => isLetterAt(s, i, 'e'), /^[eE]$/],
    ['f in either case', (s, i) => isLetterAt(s, i, 'f'), /^[fF]$/],
  ])('%s: as its regular expression, and false past the end', (_name, at, re) => {
    for (const ch of chars) expect([ch, at(`.${ch}`, 1)]).toEqual([ch, re.test(ch)]);
    expect(at('a', 1)).toBe(false);
    expect(at('', 0)).toBe(false);
  });

  it.each<[string, number, number, number]>([
    ['123abc', 0, 3, 6],
    ['x12', 1, 3, 3],
    ['abc', 0, 0, 3],
    ['a_1.b', 0, 0, 3],
    ['9', 1, 1, 1],
    ['', 0, 0, 0],
  ])('runs in %j from %i: digits end at %i, identifier characters at %i', (s, from, digits, ident) => {
    expect(digitsEnd(s, from)).toBe(digits);
    expect(identEnd(s, from)).toBe(ident);
  });

  it.each(['0x1f', '0X', '0x', '00x', 'x0', '0', '', '0y', '1x', '0\u0158'])('%j: hex prefix as /^0[xX]/', (s) => {
    expect(hasHexPrefix(s)).toBe(/^0[xX]/.test(s));
  });

  it.each(['0', '00', '07', '0777', '08', '0778', '7', '017\n', '0x7', '', '0 7'])('%j: octal literal as /^0[0-7]+$/', (s) => {
    expect(isOctalLiteral(s)).toBe(/^0[0-7]+$/.test(s));
  });
});
