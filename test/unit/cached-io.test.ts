import { describe, expect, it } from 'vitest';
import { descriptorBudget, parseOpenFilesLimit } from '../../src/engine/kernel/cached-io.js';

const LIMITS = (soft: string, hard: string) =>
  [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max cpu time              unlimited            unlimited            seconds   ',
    `Max open files            ${soft.padEnd(21)}${hard.padEnd(21)}files     `,
    'Max locked memory         8388608              8388608              bytes     ',
    '',
  ].join('\n');

describe('parseOpenFilesLimit', () => {
  it.each<[string, string, number | undefined]>([
    ['a common default', LIMITS('1024', '524288'), 1024],
    ['raised', LIMITS('20000', '20000'), 20000],
    ['unlimited', LIMITS('unlimited', 'unlimited'), undefined],
    ['no such line', 'Limit Soft Hard Units\n', undefined],
    ['empty', '', undefined],
  ])('%s', (_, text, want) => {
    expect(parseOpenFilesLimit(text)).toBe(want);
  });
});

describe('descriptorBudget', () => {
  it.each<[number | undefined, number]>([
    [undefined, 16_384],
    [256, 128],
    [1024, 512],
    [4095, 2047],
    [4096, 3072],
    [20_000, 16_384],
    [1_048_576, 16_384],
  ])('soft limit %s → keep at most %s open', (soft, want) => {
    expect(descriptorBudget(soft)).toBe(want);
  });
});
