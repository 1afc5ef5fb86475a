import { describe, expect, it } from 'vitest';
import { procReader, readHost, readTasks, readThreads } from '../../src/engine/sampling/proc.js';
import { fakeProc } from '../fixtures/proc/fake-proc.js';

describe('readHost and readTasks', () => {
  it('host figures the kernel lacks are absent', () => {
    expect(readHost(fakeProc({ '/proc/loadavg': '1.00 2.00 3.00 1/2 3\n' }))).toEqual({ load1: 1, load5: 2, load15: 3 });
  });

  it('a malformed host file is an error naming it', () => {
    expect(() => readHost(fakeProc({ '/proc/loadavg': 'what\n' }))).toThrow('/proc/loadavg');
  });

  it('reads every thread of every process; exited ones drop out', () => {
    const proc = fakeProc();
    proc.setTask(1, 1, 10, 20, 3);
    proc.setTask(1, 2, 11, 21, 4);
    proc.setTask(5, 5, 12, 22, 5);
    const tasks = readTasks(proc, [1, 5, 9]);
    expect(tasks.map((t) => [t.pid, t.tid, t.stat.slices]).sort()).toEqual([
      [1, 1, 3],
      [1, 2, 4],
      [5, 5, 5],
    ]);
  });
});

describe('readThreads', () => {
  it('reads each thread by its id alone, one not leading its process too; exited ones drop out', () => {
    const proc = fakeProc();
    proc.setTask(1, 1, 10, 20, 3);
    proc.setTask(1, 2, 11, 21, 4);
    expect(readThreads(proc, [1, 2, 9])).toEqual([
      { pid: 0, tid: 1, stat: { onCpuNs: 10, waitNs: 20, slices: 3 } },
      { pid: 0, tid: 2, stat: { onCpuNs: 11, waitNs: 21, slices: 4 } },
    ]);
  });
});

describe('procReader', () => {
  it('reads the host and the threads through the io it is given', () => {
    const proc = fakeProc({ '/proc/sys/kernel/hostname': 'node7\n' });
    proc.setTask(3, 4, 10, 20, 6);
    const r = procReader(proc);
    expect(r.host()).toEqual({ hostname: 'node7' });
    expect(r.tasks([3])).toEqual([{ pid: 3, tid: 4, stat: { onCpuNs: 10, waitNs: 20, slices: 6 } }]);
  });
});
