import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { execError, parseExecStatus } from '../../src/engine/placement.js';
import { completeUtf8, readLogFile } from '../../src/engine/run-log.js';

describe('readLogFile', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-runlog-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'c.log');

  it('follows a growing log from an offset, and starts over when it was rotated', () => {
    expect(readLogFile(file)).toEqual({ text: '', next: 0, reset: false });
    fs.writeFileSync(file, 'one\n');
    const a = readLogFile(file, 0);
    expect(a).toEqual({ text: 'one\n', next: 4, reset: false });
    fs.appendFileSync(file, 'two\n');
    expect(readLogFile(file, a.next)).toEqual({ text: 'two\n', next: 8, reset: false });
    expect(readLogFile(file, 8)).toEqual({ text: '', next: 8, reset: false });
    // Rotated: renamed away and a new, shorter file started.
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, 'x\n');
    expect(readLogFile(file, 8)).toEqual({ text: 'x\n', next: 2, reset: true });
    fs.rmSync(file);
    expect(readLogFile(file, 2)).toEqual({ text: '', next: 0, reset: true });
  });

  it('without an offset reads the tail; at most maxBytes, never ending inside a character', () => {
    fs.writeFileSync(file, 'abcdé');
    expect(readLogFile(file, undefined, 3)).toEqual({ text: 'dé', next: 6, reset: false });
    // 'é' is 2 bytes: a read of 5 bytes stops before it, the next one gets it.
    const first = readLogFile(file, 0, 5);
    expect(first).toEqual({ text: 'abcd', next: 4, reset: false });
    expect(readLogFile(file, first.next, 5)).toEqual({ text: 'é', next: 6, reset: false });
  });

  it('a negative or fractional offset is INVALID_ARGUMENT', () => {
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(() => readLogFile(file, bad)).toThrow(expect.objectContaining({ code: Code.INVALID_ARGUMENT }));
    }
  });
});

describe('completeUtf8', () => {
  const bytes = (s: string) => new Uint8Array(Buffer.from(s));
  it.each([
    ['ASCII', bytes('abc'), 3],
    ['a whole 2-byte character', bytes('aé'), 3],
    ['a cut 2-byte character', bytes('aé').subarray(0, 2), 1],
    ['a cut 3-byte character', bytes('a€').subarray(0, 3), 1],
    ['a cut 4-byte character', bytes('a😀').subarray(0, 4), 1],
    ['a whole 4-byte character', bytes('a😀'), 5],
    ['empty', new Uint8Array(0), 0],
  ])('%s', (_what, buf, want) => {
    expect(completeUtf8(buf)).toBe(want);
  });
});

describe('exec helper status', () => {
  it.each([
    ['', undefined],
    ['exec 2\n', { step: 'exec', errno: 2 }],
    ['log 13\n', { step: 'log', errno: 13 }],
    ['setns-mnt 1\n', { step: 'setns-mnt', errno: 1 }],
  ])('%j', (text, want) => {
    expect(parseExecStatus(text)).toEqual(want);
  });
  it('anything else is INTERNAL', () => {
    expect(() => parseExecStatus('garbage')).toThrow(expect.objectContaining({ code: Code.INTERNAL }));
  });
  it.each([
    [{ step: 'exec', errno: os.constants.errno.ENOENT }, 'nosuch', Code.NOT_FOUND, /nosuch in \/c: command not found in PATH/],
    [{ step: 'exec', errno: os.constants.errno.ENOENT }, './nosuch', Code.NOT_FOUND, /no such file/],
    [{ step: 'exec', errno: os.constants.errno.EACCES }, '/etc/passwd', Code.PERMISSION_DENIED, /permission denied/],
    [{ step: 'exec', errno: os.constants.errno.E2BIG }, 'x', Code.FAILED_PRECONDITION, /E2BIG/],
    [{ step: 'log', errno: os.constants.errno.EMFILE }, 'x', Code.INTERNAL, /log failed \(EMFILE\)/],
  ] as const)('%j of %s', (failure, command, code, message) => {
    const e = execError(failure, command, '/c');
    expect(e).toBeInstanceOf(LmctfyError);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });
});
