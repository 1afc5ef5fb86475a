import * as fs from 'node:fs';
import { kernelError, errnoOf } from './errno.js';
import type { KernelIo } from './io.js';

export interface CachingOptions {
  /** Only files below this prefix are kept open (cgroupfs). */
  prefix?: string;
  /**
   * Upper bound on open descriptors; past it, reads fall back to open/read/close. Default:
   * descriptorBudget() of this process's open-files limit.
   */
  maxOpen?: number;
  /** A descriptor unread for this many passes is closed (settings are read every few passes). */
  idlePasses?: number;
}

/**
 * Errnos that mean the open file's cgroup is gone (removed, or removed and recreated), or,
 * for a /proc file, its task (ESRCH): opened afresh, its name may be another's by now.
 */
const STALE = new Set(['ENODEV', 'ENOENT', 'ESTALE', 'EBADF', 'ESRCH']);
/** Errnos that mean the process (or system) is out of descriptors. */
const EXHAUSTED = new Set(['EMFILE', 'ENFILE']);

const MAX_CACHED = 16_384;

/**
 * Task lists are never kept open. cgroup v1 builds a cgroup's `cgroup.procs` or `tasks` list
 * when a file is opened and read, and a later read at offset 0 of that same open file
 * hands back the list built then while the kernel keeps it (until a second after its last
 * read, or until someone opens the file afresh): read every second through a kept
 * descriptor, it would never show a task joining or leaving. cgroup2's `cgroup.threads`
 * follows the same rule, for one rule.
 */
function isTaskList(path: string): boolean {
  return path.endsWith('/tasks') || path.endsWith('/cgroup.procs') || path.endsWith('/cgroup.threads');
}

/**
 * How many descriptors a sampler may keep open under a soft open-files limit: all but 1,024
 * left for the rest of the process, or half of a small limit (1,024 is a common default).
 */
export function descriptorBudget(softLimit: number | undefined): number {
  if (softLimit === undefined) return MAX_CACHED;
  return Math.min(MAX_CACHED, softLimit >= 4096 ? softLimit - 1024 : Math.floor(softLimit / 2));
}

/** The soft "Max open files" of a /proc/<pid>/limits text; undefined when unlimited or absent. */
export function parseOpenFilesLimit(limits: string): number | undefined {
  const m = /^Max open files\s+(\d+)/m.exec(limits);
  return m ? Number(m[1]) : undefined;
}

/**
 * A KernelIo for samplers: cgroupfs files stay open between passes and are re-read with
 * pread at offset 0, which regenerates a seq_file. That is 4–8× cheaper than open/read/close
 * (measured in bench/stats-sample.mjs). A descriptor left unread for `idlePasses` passes is
 * closed by endPass() (within a quarter more), so vanished containers do not pin
 * descriptors for long.
 */
export class CachingIo implements KernelIo {
  private readonly open = new Map<string, { fd: number; pass: number }>();
  private pass = 0;
  /** A read this pass found the cache full and fell back to open/read/close. */
  private overflowed = false;
  /** Files read uncached in the previous pass and in this one, while the cache overflows. */
  private missedBefore = new Set<string>();
  private missed = new Set<string>();
  /** Directories of vanished cgroups whose descriptors endPass() closes. */
  private gone = new Set<string>();
  private buf = Buffer.allocUnsafe(16 * 1024);
  private readonly prefix: string;
  private maxOpen: number;
  private readonly idlePasses: number;

  constructor(
    private readonly inner: KernelIo,
    opts: CachingOptions = {},
  ) {
    this.prefix = opts.prefix ?? '/sys/fs/cgroup/';
    this.maxOpen = opts.maxOpen ?? descriptorBudget(ownOpenFilesLimit(inner));
    this.idlePasses = opts.idlePasses ?? 10;
  }

  readFile(path: string): string {
    // A kept file first: task lists and files outside the prefix are never kept.
    let entry = this.open.get(path);
    if (!entry) {
      if (!path.startsWith(this.prefix)) return this.inner.readFile(path);
      if (isTaskList(path)) return this.readFresh(path);
      // Under pressure a file earns a slot by being read in two passes in a row: settings,
      // read every few passes, would only churn (open now, closed as idle next pass).
      const full = this.open.size >= this.maxOpen;
      const pressed = this.missedBefore.size > 0 && !this.missedBefore.has(path);
      if (full || pressed) {
        this.overflowed ||= full;
        this.missed.add(path);
        return this.inner.readFile(path);
      }
      let fd: number;
      try {
        fd = fs.openSync(path, 'r');
      } catch (e) {
        if (!EXHAUSTED.has(errnoOf(e) ?? '')) throw kernelError('read', path, e);
        // The limit is lower than the budget assumed (or something else in the process
        // holds many): give back a quarter of the cache and never grow past what is left.
        this.shrink();
        return this.inner.readFile(path);
      }
      entry = { fd, pass: this.pass };
      this.open.set(path, entry);
    }
    entry.pass = this.pass;
    try {
      return this.pread(entry.fd);
    } catch (e) {
      this.forget(path);
      if (STALE.has(errnoOf(e) ?? '')) return this.inner.readFile(path);
      throw kernelError('read', path, e);
    }
  }

  /**
   * A task list opened afresh (isTaskList), read into the same buffer as a kept file: a
   * cgroup file is a seq_file, whose read fills the buffer unless the text ends first, so a
   * short read is the whole text and no read of the end (0 bytes) follows it.
   */
  private readFresh(path: string): string {
    let fd: number;
    try {
      fd = fs.openSync(path, 'r');
    } catch (e) {
      throw kernelError('read', path, e);
    }
    try {
      return this.pread(fd);
    } catch (e) {
      throw kernelError('read', path, e);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Whole file from offset 0, growing the buffer for the rare file larger than it. */
  private pread(fd: number): string {
    for (;;) {
      const n = fs.readSync(fd, this.buf, 0, this.buf.length, 0);
      if (n < this.buf.length) return this.buf.toString('utf8', 0, n);
      this.buf = Buffer.allocUnsafe(this.buf.length * 2);
    }
  }

  private forget(path: string): void {
    const entry = this.open.get(path);
    if (!entry) return;
    this.open.delete(path);
    try {
      fs.closeSync(entry.fd);
    } catch {
      /* already invalid */
    }
  }

  /** Closes the least recently read quarter of the descriptors and caps the cache at the rest. */
  private shrink(): void {
    const byAge = [...this.open].sort((a, b) => a[1].pass - b[1].pass);
    for (const [path] of byAge.slice(0, Math.ceil(byAge.length / 4))) this.forget(path);
    this.maxOpen = this.open.size;
  }

  /**
   * Ends a sampling pass: descriptors idle for `idlePasses` passes are closed, looked for
   * every quarter of that (so within 1.25 × idlePasses): a sampler keeping thousands open
   * would otherwise go over all of them every pass. When the cache was full, so were those
   * not read this pass (settings, read every few passes): the slots go to files read every
   * pass, where keeping them open saves the most.
   */
  endPass(): void {
    const idle = this.overflowed ? 1 : this.idlePasses;
    if (this.gone.size > 0 || this.pass % Math.max(1, Math.floor(idle / 4)) === 0) {
      for (const [path, entry] of this.open) {
        if (this.pass - entry.pass >= idle || (this.gone.size > 0 && this.gone.has(path.slice(0, path.lastIndexOf('/'))))) this.forget(path);
      }
    }
    this.gone.clear();
    this.missedBefore = this.overflowed ? this.missed : new Set();
    this.missed = new Set();
    this.overflowed = false;
    this.pass++;
  }

  /**
   * The caller saw these cgroup directories vanish: their descriptors are closed at the end of
   * this pass rather than after idlePasses, so churn does not hold descriptors and their
   * kernel buffers for ten passes.
   */
  forgetDirs(dirs: Iterable<string>): void {
    for (const d of dirs) this.gone.add(d);
  }

  /** Closes every cached descriptor. */
  close(): void {
    for (const path of [...this.open.keys()]) this.forget(path);
  }

  get openCount(): number {
    return this.open.size;
  }

  /** Whether `path` is kept open. */
  holds(path: string): boolean {
    return this.open.has(path);
  }

  writeFile(path: string, data: string): void {
    this.inner.writeFile(path, data);
  }
  mkdir(path: string): void {
    this.inner.mkdir(path);
  }
  rmdir(path: string): void {
    this.forgetBelow(path);
    this.inner.rmdir(path);
  }
  listDirs(path: string): string[] {
    return this.inner.listDirs(path);
  }
  exists(path: string): boolean {
    return this.inner.exists(path);
  }
  dirInfo(path: string): { inode: number; subdirs: number } | undefined {
    return this.inner.dirInfo(path);
  }
  chown(path: string, uid: number, gid: number): void {
    this.inner.chown(path, uid, gid);
  }
  kill(pid: number, signal: NodeJS.Signals | number): void {
    this.inner.kill(pid, signal);
  }

  /** An open descriptor keeps nothing busy in cgroupfs, but there is no point keeping it. */
  private forgetBelow(dir: string): void {
    for (const path of [...this.open.keys()]) if (path.startsWith(dir + '/')) this.forget(path);
  }
}

function ownOpenFilesLimit(io: KernelIo): number | undefined {
  try {
    return parseOpenFilesLimit(io.readFile('/proc/self/limits'));
  } catch {
    return undefined;
  }
}
