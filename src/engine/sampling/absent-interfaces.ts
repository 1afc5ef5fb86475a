import * as path from 'node:path';
import { isAbsent } from '../resources/files.js';
import type { KernelIo } from '../kernel/io.js';

const SLASH = '/'.charCodeAt(0);

/**
 * Interface files that only some kernels have: cpuacct.histogram is Google's. A kernel that
 * has one makes it in every cgroup of the hierarchy, so one absent while its cgroup exists
 * is absent everywhere.
 */
export const KERNEL_OPTIONAL_FILES: ReadonlySet<string> = new Set(['cpuacct.histogram']);

/**
 * A KernelIo for samplers that remembers which kernel-optional interface files this kernel
 * lacks, so that a 'full' pass does not try to open one per container every pass (1,000
 * failed opens and as many thrown errors a pass at 1,000 containers). A later read of such
 * a file throws the very error the first one met (naming that first file): what callers
 * look at is that it is absent (isAbsent), and a new error would cost a stack trace each.
 */
export class AbsentInterfaces implements KernelIo {
  private readonly lacking = new Map<string, unknown>();

  constructor(
    private readonly io: KernelIo,
    private readonly optional: ReadonlySet<string> = KERNEL_OPTIONAL_FILES,
  ) {}

  readFile(file: string): string {
    // Every read of a pass comes through here: the name is cut out only for the few files that could be optional.
    const base = this.optionalFile(file);
    if (base === undefined) return this.io.readFile(file);
    const known = this.lacking.get(base);
    if (known !== undefined) throw known;
    try {
      return this.io.readFile(file);
    } catch (e) {
      // Absent beside an existing cgroup: the kernel lacks it (a vanished cgroup says nothing).
      if (isAbsent(e) && this.io.exists(path.dirname(file))) this.lacking.set(base, e);
      throw e;
    }
  }

  /** The base name of `file` when it is one of the optional files, without slicing one out of every path. */
  private optionalFile(file: string): string | undefined {
    for (const name of this.optional) {
      if (file.endsWith(name) && file.charCodeAt(file.length - name.length - 1) === SLASH) return name;
    }
    return undefined;
  }

  writeFile(file: string, data: string): void {
    this.io.writeFile(file, data);
  }
  mkdir(dir: string): void {
    this.io.mkdir(dir);
  }
  rmdir(dir: string): void {
    this.io.rmdir(dir);
  }
  listDirs(dir: string): string[] {
    return this.io.listDirs(dir);
  }
  exists(p: string): boolean {
    return this.io.exists(p);
  }
  dirInfo(dir: string): { inode: number; subdirs: number } | undefined {
    return this.io.dirInfo(dir);
  }
  chown(p: string, uid: number, gid: number): void {
    this.io.chown(p, uid, gid);
  }
  kill(pid: number, signal: NodeJS.Signals | number): void {
    this.io.kill(pid, signal);
  }
}
