import * as fs from 'node:fs';
import { kernelError } from './errno.js';

/**
 * The narrow door through which all cgroupfs and procfs access passes. Synchronous on
 * purpose: cgroupfs calls complete in microseconds and sync calls cost a fraction of
 * fs.promises per call. Every failure is an LmctfyError carrying the errno.
 * Tests replace it (see faults.ts) to inject errors.
 */
export interface KernelIo {
  readFile(path: string): string;
  writeFile(path: string, data: string): void;
  /** Creates one directory; its parent must exist. */
  mkdir(path: string): void;
  rmdir(path: string): void;
  /** Names of the subdirectories of path (cgroup children), unsorted. */
  listDirs(path: string): string[];
  exists(path: string): boolean;
  /**
   * Inode number and subdirectory count (from the link count, which cgroupfs keeps as
   * 2 + subdirectories) of a directory, or undefined when it does not exist.
   */
  dirInfo(path: string): { inode: number; subdirs: number } | undefined;
  chown(path: string, uid: number, gid: number): void;
  /** Sends a signal to a pid; ESRCH surfaces as NOT_FOUND. */
  kill(pid: number, signal: NodeJS.Signals | number): void;
}

/** Scratch buffer for reads: control files are small, so open/read/close beats readFileSync's stat and copies. */
let scratch = Buffer.allocUnsafe(16 * 1024);

function readWhole(path: string): string {
  const fd = fs.openSync(path, fs.constants.O_RDONLY);
  try {
    let len = 0;
    for (;;) {
      const n = fs.readSync(fd, scratch, len, scratch.length - len, null);
      if (n === 0) return scratch.toString('utf8', 0, len);
      len += n;
      if (len === scratch.length) {
        const bigger = Buffer.allocUnsafe(scratch.length * 2);
        scratch.copy(bigger);
        scratch = bigger;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

export const realIo: KernelIo = {
  readFile(path) {
    try {
      return readWhole(path);
    } catch (e) {
      throw kernelError('read', path, e);
    }
  },
  writeFile(path, data) {
    // cgroupfs wants one write(2) per value, into an existing file: no O_CREAT/O_TRUNC games.
    let fd: number | undefined;
    try {
      fd = fs.openSync(path, fs.constants.O_WRONLY);
      fs.writeSync(fd, data);
    } catch (e) {
      throw kernelError(`write "${data.trim()}" to`, path, e);
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  },
  mkdir(path) {
    try {
      fs.mkdirSync(path);
    } catch (e) {
      throw kernelError('mkdir', path, e);
    }
  },
  rmdir(path) {
    try {
      fs.rmdirSync(path);
    } catch (e) {
      throw kernelError('rmdir', path, e);
    }
  },
  listDirs(path) {
    try {
      return fs
        .readdirSync(path, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch (e) {
      throw kernelError('list', path, e);
    }
  },
  exists(path) {
    return fs.existsSync(path);
  },
  dirInfo(path) {
    const st = fs.statSync(path, { throwIfNoEntry: false });
    return st && { inode: st.ino, subdirs: Math.max(0, st.nlink - 2) };
  },
  chown(path, uid, gid) {
    try {
      fs.chownSync(path, uid, gid);
    } catch (e) {
      throw kernelError('chown', path, e);
    }
  },
  kill(pid, signal) {
    try {
      process.kill(pid, signal);
    } catch (e) {
      throw kernelError(`kill(${String(signal)})`, `pid ${pid}`, e);
    }
  },
};
