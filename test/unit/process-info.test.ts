import { describe, expect, it } from 'vitest';
import { Code } from '../../src/engine/errors.js';
import type { KernelIo } from '../../src/engine/kernel/io.js';
import { LmctfyError } from '../../src/engine/errors.js';
import {
  clockTicksFromAuxv,
  commandOf,
  parseCmdline,
  parsePasswd,
  parseStat,
  parseStatus,
  readProcess,
  signalName,
} from '../../src/engine/process-info.js';

const KTHREADD = '2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 20 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0';
const CAT = '14822 (cat) R 14819 14819 3194 0 -1 4194304 97 0 0 0 7 3 0 0 20 0 1 0 78382 3133440 382 18446744073709551615 9449 0';

function codeOf(f: () => unknown): Code | 'ok' {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof LmctfyError) return e.code;
    throw e;
  }
}

describe('parseStat', () => {
  it.each([
    ['a kernel thread', KTHREADD, { pid: 2, comm: 'kthreadd', state: 'S', ppid: 0, utime: 0, stime: 0, startTicks: 20 }],
    ['a user process', CAT, { pid: 14822, comm: 'cat', state: 'R', ppid: 14819, utime: 7, stime: 3, startTicks: 78382 }],
    ['a comm with spaces and parentheses', CAT.replace('(cat)', '(a) (b c))'), { pid: 14822, comm: 'a) (b c)', state: 'R', ppid: 14819, utime: 7, stime: 3, startTicks: 78382 }],
    ['a zombie', CAT.replace(') R ', ') Z '), { pid: 14822, comm: 'cat', state: 'Z', ppid: 14819, utime: 7, stime: 3, startTicks: 78382 }],
    ['a trailing newline', `${CAT}\n`, { pid: 14822, comm: 'cat', state: 'R', ppid: 14819, utime: 7, stime: 3, startTicks: 78382 }],
  ])('%s', (_what, text, want) => {
    expect(parseStat(text)).toEqual(want);
  });

  it.each([
    ['empty (the process vanished mid-read)', ''],
    ['no comm', '14822 cat R 1 2 3'],
    ['too few fields', '14822 (cat) R 14819 14819'],
    ['a non-numeric pid', 'x (cat) R 1 1 1 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 78382 1 1'],
    ['a negative utime', CAT.replace(' 7 3 ', ' -7 3 ')],
    ['a state that is not a letter', CAT.replace(') R ', ') ? ')],
  ])('%s is DATA_LOSS', (_what, text) => {
    expect(codeOf(() => parseStat(text))).toBe(Code.DATA_LOSS);
  });
});

describe('parseStatus', () => {
  it.each([
    ['a process', 'Name:\tcat\nUid:\t1000\t1000\t1000\t1000\nVmRSS:\t    1972 kB\n', { uid: 1000, rssBytes: 1972 * 1024 }],
    ['real, not effective uid', 'Uid:\t1000\t0\t0\t0\n', { uid: 1000, rssBytes: 0 }],
    ['a zombie or kernel thread (no VmRSS)', 'Name:\tkthreadd\nUid:\t0\t0\t0\t0\n', { uid: 0, rssBytes: 0 }],
  ])('%s', (_what, text, want) => {
    expect(parseStatus(text)).toEqual(want);
  });

  it('without a Uid line is DATA_LOSS', () => {
    expect(codeOf(() => parseStatus('Name:\tcat\n'))).toBe(Code.DATA_LOSS);
  });
});

describe('command line', () => {
  it.each([
    ['arguments', 'sleep\u00006000\u0000', 'sleep', 'sleep 6000'],
    ['one rewritten string', 'nginx: worker process\u0000', 'nginx', 'nginx: worker process'],
    ['no trailing NUL', 'a\u0000b', 'a', 'a b'],
    ['a kernel thread', '', 'kthreadd', '[kthreadd]'],
    ['a zombie', '', 'defunct', '[defunct]'],
  ])('%s', (_what, cmdline, comm, want) => {
    expect(commandOf(parseCmdline(cmdline), comm)).toBe(want);
  });
});

describe('parsePasswd', () => {
  it('maps uids to the first name, skipping malformed lines', () => {
    const text = 'root:x:0:0:root:/root:/bin/bash\nbroken line\nbad:x:notanumber:0::/:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nalias:x:1000:1000::/:/bin/sh\n';
    expect([...parsePasswd(text)]).toEqual([
      [0, 'root'],
      [1000, 'alice'],
    ]);
  });
});

describe('clockTicksFromAuxv', () => {
  const auxv = (pairs: Array<[number, number]>) => {
    const b = Buffer.alloc(pairs.length * 16);
    pairs.forEach(([k, v], i) => {
      b.writeBigUInt64LE(BigInt(k), i * 16);
      b.writeBigUInt64LE(BigInt(v), i * 16 + 8);
    });
    return b;
  };
  it.each([
    ['AT_CLKTCK among others', auxv([[6, 4096], [17, 100], [0, 0]]), 100],
    ['a different rate', auxv([[17, 1024], [0, 0]]), 1024],
    ['none before AT_NULL', auxv([[6, 4096], [0, 0], [17, 250]]), undefined],
    ['a truncated vector', auxv([[6, 4096]]).subarray(0, 12), undefined],
  ])('%s', (_what, buf, want) => {
    expect(clockTicksFromAuxv(buf)).toBe(want);
  });
});

describe('readProcess', () => {
  const files = (m: Record<string, string>): KernelIo =>
    ({
      readFile(p: string) {
        if (p in m) return m[p]!;
        throw new LmctfyError(Code.NOT_FOUND, `read ${p}: ENOENT`, { errno: 'ENOENT' });
      },
    }) as KernelIo;
  const users = new Map([[1000, 'alice']]);

  it('joins stat, status and cmdline; unknown uids show as numbers', () => {
    const io = files({ '/proc/14822/stat': CAT, '/proc/14822/status': 'Uid:\t1000\t1000\t1000\t1000\nVmRSS:\t4 kB\n', '/proc/14822/cmdline': 'cat\u0000-\u0000' });
    expect(readProcess(io, 14822, users)).toEqual({ pid: 14822, ppid: 14819, uid: 1000, user: 'alice', state: 'R', cpuTicks: 10, rssBytes: 4096, command: 'cat -', startTicks: 78382 });
    expect(readProcess(io, 14822, new Map())?.user).toBe('1000');
  });

  it('a pid that vanished (between any two reads) is undefined', () => {
    expect(readProcess(files({}), 14822, users)).toBeUndefined();
    expect(readProcess(files({ '/proc/14822/stat': CAT }), 14822, users)).toBeUndefined();
  });
});

describe('signalName', () => {
  it.each([
    ['TERM', 'SIGTERM'],
    ['SIGKILL', 'SIGKILL'],
    ['hup', 'SIGHUP'],
    ['INT', 'SIGINT'],
    ['USR1', 'SIGUSR1'],
    ['sigusr2', 'SIGUSR2'],
  ])('%s → %s', (given, want) => {
    expect(signalName(given)).toBe(want);
  });
  it.each(['STOP', 'SIGSEGV', '9', '', 'TERMX'])('%j is INVALID_ARGUMENT', (given) => {
    expect(codeOf(() => signalName(given))).toBe(Code.INVALID_ARGUMENT);
  });
});
