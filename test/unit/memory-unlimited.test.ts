import { describe, expect, it } from 'vitest';
import { Code } from '../../src/engine/errors.js';
import { checkMemoryBytes, memoryBytes } from '../../src/engine/resources/conversions.js';
import { parseText } from '../../src/messages/codec.js';
import type { ContainerSpec } from '../../src/messages/types.js';
import { codeOf } from '../helpers/errors.js';

// The kernel's own "unlimited" (v1 memory.limit_in_bytes prints 2^63 − 4096 and takes up
// to INT64_MAX) is accepted wherever a memory byte limit is, and means -1.
describe('memory limits: the kernel\'s unlimited is -1', () => {
  it.each([
    ['memory { limit: 9223372036854775807 }', { memory: { limit: -1 } }],
    ['memory { limit: 9223372036854771712 }', { memory: { limit: -1 } }],
    ['memory { reservation: 9223372036854771712 swap_limit: 9223372036854775807 }', { memory: { reservation: -1, swap_limit: -1 } }],
    ['memory { limit: 4096 }', { memory: { limit: 4096 } }],
  ])('text %s', (text, want) => {
    expect(parseText<ContainerSpec>('ContainerSpec', text)).toEqual(want);
  });

  it.each([
    ['just below the kernel value', 'memory { limit: 9223372036854771711 }'],
    ['another field', 'cpu { limit: 9223372036854775807 }'],
  ])('%s is still refused as beyond 2^53', (_, text) => {
    expect(() => parseText('ContainerSpec', text)).toThrow(/largest integer lmctfy handles exactly/);
  });

  it.each([
    [2 ** 63 - 4096, -1],
    [Number('9223372036854775807'), -1],
    [-1, -1],
    [4096, 4096],
  ])('engine: %s → %s', (value, want) => {
    expect(memoryBytes(value)).toBe(want);
    expect(checkMemoryBytes('memory.limit', value, false)).toBe(want);
  });

  it('a value past INT64_MAX is not the kernel\'s unlimited', () => {
    expect(codeOf(() => checkMemoryBytes('memory.limit', 2 ** 64, false))).toBe(Code.INVALID_ARGUMENT);
  });
});
