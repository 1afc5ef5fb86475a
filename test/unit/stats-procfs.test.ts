import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { withFaults } from '../../src/engine/kernel/faults.js';
import { realIo } from '../../src/engine/kernel/io.js';
import {
  cpuCount,
  hostname,
  listTids,
  parseCpuList,
  parseLoadavg,
  parseMeminfo,
  parseSchedstat,
  readLoadavg,
  readMeminfo,
  readSchedstat,
} from '../../src/engine/kernel/procfs.js';
import { fakeProc } from '../fixtures/proc/fake-proc.js';

const fixture = (rel: string) => fs.readFileSync(path.join(import.meta.dirname, '../fixtures/proc', rel), 'utf8');

function dataLoss(fn: () => unknown): LmctfyError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LmctfyError);
    expect((e as LmctfyError).code).toBe(Code.DATA_LOSS);
    return e as LmctfyError;
  }
  throw new Error('expected a DATA_LOSS error');
}

describe('parseSchedstat', () => {
  it.each([
    ['schedstat/busy.txt', { onCpuNs: 107965805, waitNs: 12183515, slices: 383 }],
    ['schedstat/no-newline.txt', { onCpuNs: 0, waitNs: 0, slices: 1 }],
    ['schedstat/huge.txt', { onCpuNs: 18446744073709551615, waitNs: 0, slices: 4294967296 }],
  ])('%s', (file, expected) => {
    expect(parseSchedstat(fixture(file))).toEqual(expected);
  });

  it.each(['schedstat/two-fields.txt', 'schedstat/four-fields.txt', 'schedstat/negative.txt', 'schedstat/empty.txt', 'schedstat/hex.txt'])(
    'rejects %s naming the file and the content',
    (file) => {
      const e = dataLoss(() => parseSchedstat(fixture(file), `/proc/1/task/1/schedstat`));
      expect(e.message).toContain('/proc/1/task/1/schedstat');
      expect(e.message).toContain(JSON.stringify(fixture(file)));
    },
  );
});

describe('parseLoadavg', () => {
  it.each([
    ['loadavg/idle.txt', { load1: 0.01, load5: 0.09, load15: 0.06, runnable: 1, entities: 86 }],
    ['loadavg/busy-no-newline.txt', { load1: 12.5, load5: 8.25, load15: 4, runnable: 33, entities: 1201 }],
  ])('%s', (file, expected) => {
    expect(parseLoadavg(fixture(file))).toEqual(expected);
  });

  it.each(['loadavg/bad-tasks.txt', 'loadavg/short.txt', 'loadavg/nan.txt'])('rejects %s', (file) => {
    expect(dataLoss(() => parseLoadavg(fixture(file))).message).toContain('/proc/loadavg');
  });
});

describe('parseMeminfo', () => {
  it('reads MemTotal and MemAvailable of a real file in bytes', () => {
    const text = fixture('meminfo/linux-6.18.txt');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(text)![1]) * 1024;
    expect(parseMeminfo(text)).toEqual({ totalBytes: kb('MemTotal'), availableBytes: kb('MemAvailable') });
  });

  it('leaves MemAvailable absent on kernels without it', () => {
    expect(Object.keys(parseMeminfo(fixture('meminfo/no-memavailable.txt')))).toEqual(['totalBytes']);
  });

  it('ignores unknown keys and lines without a colon', () => {
    expect(parseMeminfo(fixture('meminfo/unknown-lines.txt'))).toEqual({ totalBytes: 2048 * 1024 });
  });

  it.each(['meminfo/bad-total.txt', 'meminfo/no-unit.txt'])('rejects %s naming the line', (file) => {
    expect(dataLoss(() => parseMeminfo(fixture(file))).message).toContain('MemTotal');
  });
});

describe('parseCpuList', () => {
  it.each([
    ['cpulist/two.txt', [0, 1]],
    ['cpulist/sparse.txt', [0, 2, 3, 8]],
    ['cpulist/single.txt', [5]],
  ])('%s', (file, expected) => {
    expect(parseCpuList(fixture(file))).toEqual(expected);
  });

  it.each(['cpulist/reversed.txt', 'cpulist/empty.txt', 'cpulist/open-range.txt', 'cpulist/double-comma.txt'])(
    'rejects %s',
    (file) => {
      dataLoss(() => parseCpuList(fixture(file), '/sys/devices/system/cpu/online'));
    },
  );
});

describe('reads through a KernelIo', () => {
  const proc = () =>
    fakeProc({
      '/proc/loadavg': fixture('loadavg/idle.txt'),
      '/proc/meminfo': fixture('meminfo/no-memavailable.txt'),
      '/sys/devices/system/cpu/online': fixture('cpulist/sparse.txt'),
      '/proc/sys/kernel/hostname': 'box-1\n',
      '/proc/10/task/10/schedstat': '5 6 7\n',
      '/proc/10/task/12/schedstat': '8 9 10\n',
      '/proc/10/task/notatid/x': '',
    });

  it('host figures', () => {
    const io = proc();
    expect(readLoadavg(io).load1).toBe(0.01);
    expect(readMeminfo(io).availableBytes).toBeUndefined();
    expect(cpuCount(io)).toBe(4);
    expect(hostname(io)).toBe('box-1');
  });

  it('lists numeric thread ids only', () => {
    expect(listTids(proc(), 10).sort()).toEqual([10, 12]);
  });

  it('an exited process has no threads and an exited thread no schedstat', () => {
    const io = proc();
    expect(listTids(io, 99)).toEqual([]);
    expect(readSchedstat(io, 10, 11)).toBeUndefined();
    expect(readSchedstat(io, 10, 12)).toEqual({ onCpuNs: 8, waitNs: 9, slices: 10 });
  });

  it('ESRCH while reading a dying thread is a vanished task, not an error', () => {
    const io = withFaults(proc(), [{ op: 'readFile', path: '/task/12/', errno: 'ESRCH' }]);
    expect(readSchedstat(io, 10, 12)).toBeUndefined();
  });

  it('other failures surface as they are', () => {
    const io = withFaults(proc(), [{ op: 'readFile', path: '/task/12/', errno: 'EACCES' }]);
    expect(() => readSchedstat(io, 10, 12)).toThrow(expect.objectContaining({ code: Code.PERMISSION_DENIED }));
  });

  it('a malformed schedstat names its path', () => {
    const io = proc();
    io.files.set('/proc/10/task/10/schedstat', 'garbage\n');
    expect(() => readSchedstat(io, 10, 10)).toThrow('/proc/10/task/10/schedstat');
  });
});

describe('against this machine', () => {
  it('reads its own threads', () => {
    const tids = listTids(realIo, process.pid);
    expect(tids).toContain(process.pid);
    const s = readSchedstat(realIo, process.pid, process.pid);
    expect(s?.slices).toBeGreaterThan(0);
    expect(cpuCount(realIo)).toBeGreaterThan(0);
  });
});
