import { describe, expect, it } from 'vitest';
import { resolveName, cleanPath, parentName, isWithin } from '../../src/engine/names.js';
import { Code, LmctfyError } from '../../src/engine/errors.js';

// Vectors from the original lmctfy tests (docs/INTERFACE.md, Container names), caller in /top.
describe('resolveName', () => {
  it.each([
    ['/', '/'],
    ['//', '/'],
    ['test', '/top/test'],
    ['./test', '/top/test'],
    ['.', '/top'],
    ['./', '/top'],
    ['..', '/'],
    ['/..', '/'],
    ['../test', '/test'],
    ['/top/../test', '/test'],
    ['/test..test', '/test..test'],
    ['/test..', '/test..'],
    ['/test../test', '/test../test'],
    ['//test/test2//test3///', '/test/test2/test3'],
    ['/test/././././test1///', '/test/test1'],
    ['/90', '/90'],
    ['/with.dots.in.name', '/with.dots.in.name'],
    ['/with-dash-in-name', '/with-dash-in-name'],
    ['/with_underscore_in_name', '/with_underscore_in_name'],
    ['../../../..', '/'],
  ])('%j → %j', (input, expected) => {
    expect(resolveName(input, '/top')).toBe(expected);
  });

  it.each([
    '',
    '<',
    '+',
    '/.badname',
    '/_badname',
    '../.badname',
    '_badname',
    'a b',
    'caf\u00e9',
    'a\0b',
    '/tasks',
    '/a/cgroup.procs',
    '/memory.limit_in_bytes',
    '/x/notify_on_release',
    'a'.repeat(256),
    ('/' + 'a'.repeat(200)).repeat(21),
  ])('%j is INVALID_ARGUMENT', (input) => {
    let err: unknown;
    try {
      resolveName(input, '/top');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LmctfyError);
    expect((err as LmctfyError).code).toBe(Code.INVALID_ARGUMENT);
    expect((err as LmctfyError).message).toMatch(/invalid container name/);
  });
});

describe('name helpers', () => {
  it.each([
    ['/a/./b/../c', '/a/c'],
    ['/../..', '/'],
    ['', '/'],
  ])('cleanPath(%j) = %j', (i, o) => expect(cleanPath(i)).toBe(o));

  it.each([
    ['/', undefined],
    ['/a', '/'],
    ['/a/b', '/a'],
  ])('parentName(%j) = %j', (i, o) => expect(parentName(i)).toBe(o));

  it.each([
    ['/a/b', '/a', true],
    ['/ab', '/a', false],
    ['/a', '/a', true],
    ['/x', '/', true],
  ])('isWithin(%j, %j) = %j', (n, a, o) => expect(isWithin(n, a)).toBe(o));
});

describe('lock keys', () => {
  it('are 16 hex digits, stable, and differ by root and by name', async () => {
    const { lockKey } = await import('../../src/engine/lock.js');
    const a = lockKey('/sys/fs/cgroup/freezer/r', '/a');
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(lockKey('/sys/fs/cgroup/freezer/r', '/a')).toBe(a);
    expect(lockKey('/sys/fs/cgroup/freezer/r', '/b')).not.toBe(a);
    expect(lockKey('/sys/fs/cgroup/freezer/s', '/a')).not.toBe(a);
    expect(lockKey('r', 'x'.repeat(5000))).toMatch(/^[0-9a-f]{16}$/);
  });
});
