import { describe, expect, it } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import type { KernelIo } from '../../src/engine/kernel/io.js';
import { isAbsent } from '../../src/engine/resources/files.js';
import { AbsentInterfaces } from '../../src/engine/sampling/absent-interfaces.js';

/** A kernel of a few files and directories that counts the reads reaching it. */
function fakeKernel(files: Record<string, string>, dirs: string[]) {
  const reads: string[] = [];
  const io = {
    readFile(p: string) {
      reads.push(p);
      if (p in files) return files[p]!;
      throw new LmctfyError(Code.NOT_FOUND, `read ${p}: ENOENT`, { errno: 'ENOENT' });
    },
    exists: (p: string) => dirs.includes(p) || p in files,
  } as unknown as KernelIo;
  return { io, reads };
}

function readOrError(io: KernelIo, p: string): string | unknown {
  try {
    return io.readFile(p);
  } catch (e) {
    return e;
  }
}

const CG = '/sys/fs/cgroup/cpuacct';

describe('AbsentInterfaces', () => {
  it('a kernel-optional file absent beside an existing cgroup is not tried again, in any cgroup', () => {
    const k = fakeKernel({}, [`${CG}/a`, `${CG}/b`]);
    const io = new AbsentInterfaces(k.io);
    for (const c of ['a', 'b', 'a']) expect(isAbsent(readOrError(io, `${CG}/${c}/cpuacct.histogram`))).toBe(true);
    expect(k.reads).toEqual([`${CG}/a/cpuacct.histogram`]);
  });

  it('absent because its cgroup vanished says nothing of the kernel: tried again', () => {
    const k = fakeKernel({}, []);
    const io = new AbsentInterfaces(k.io);
    for (let i = 0; i < 2; i++) expect(isAbsent(readOrError(io, `${CG}/gone/cpuacct.histogram`))).toBe(true);
    expect(k.reads).toHaveLength(2);
  });

  it.each([
    ['a present kernel-optional file', { [`${CG}/a/cpuacct.histogram`]: 'h' }, `${CG}/a/cpuacct.histogram`, 'h'],
    ['a file that is not kernel-optional', { [`${CG}/a/cpuacct.usage`]: '5' }, `${CG}/a/cpuacct.usage`, '5'],
  ])('%s is read through every time', (_what, files, file, text) => {
    const k = fakeKernel(files, [`${CG}/a`]);
    const io = new AbsentInterfaces(k.io);
    expect([io.readFile(file), io.readFile(file)]).toEqual([text, text]);
    expect(k.reads).toEqual([file, file]);
  });

  it('an absent file that is not kernel-optional is tried every time', () => {
    const k = fakeKernel({}, [`${CG}/a`]);
    const io = new AbsentInterfaces(k.io);
    for (let i = 0; i < 2; i++) expect(isAbsent(readOrError(io, `${CG}/a/memory.stat`))).toBe(true);
    expect(k.reads).toHaveLength(2);
  });
});
