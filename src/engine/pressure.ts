import * as path from 'node:path';
import { Code, isLmctfyError } from './errors.js';
import type { Machine } from './kernel/machine.js';
import { attachTask } from './placement.js';
import { listTasks } from './tree.js';
import { handleFor } from './handle.js';

/**
 * What the policy daemon (src/daemon) needs of the kernel beyond the public API: each
 * container's PSI file, kept through a mirror in the unified hierarchy on a v1 machine that
 * mounts one (docs/DAEMON.md), and reclaim of a container's memory.
 */

/** The machine's memory PSI file (whole host), or undefined on a kernel without PSI. */
export function machinePressureFile(m: Machine): string | undefined {
  const f = '/proc/pressure/memory';
  return m.io.exists(f) ? f : undefined;
}

/**
 * The memory.pressure file of a container, making its v1 mirror (and the mirrors of its
 * ancestors) when missing and moving the container's tasks into it; undefined where the
 * kernel keeps no PSI for it (v1 without a cgroup2 mount, or no PSI at all).
 */
export function containerPressureFile(m: Machine, name: string): string | undefined {
  const dir = m.pressureDir(name);
  if (dir === undefined) return undefined;
  if (m.pressureMirrored) {
    makeParents(m, dir);
    const procs = path.posix.join(dir, 'cgroup.procs');
    for (const pid of listTasks(m, name, 'pids', false)) {
      try {
        attachTask(m, procs, pid);
      } catch (e) {
        // Exited meanwhile: nothing to mirror.
        if (!isLmctfyError(e, Code.NOT_FOUND)) throw e;
      }
    }
  }
  const file = path.posix.join(dir, 'memory.pressure');
  return m.io.exists(file) ? file : undefined;
}

function makeParents(m: Machine, dir: string): void {
  if (m.io.exists(dir)) return;
  makeParents(m, path.posix.dirname(dir));
  try {
    m.io.mkdir(dir);
  } catch (e) {
    if (!isLmctfyError(e, Code.ALREADY_EXISTS)) throw e;
  }
}

/**
 * Removes the v1 mirrors of containers that no longer exist, below `name`'s mirror (the
 * whole tree for '/'); returns the names removed. On v2 the container is its own PSI dir.
 */
export function pruneMirrors(m: Machine, name = '/'): string[] {
  if (!m.pressureMirrored) return [];
  const removed: string[] = [];
  const walk = (n: string) => {
    const dir = m.pressureDir(n)!;
    let children: string[];
    try {
      children = m.io.listDirs(dir);
    } catch (e) {
      if (isLmctfyError(e, Code.NOT_FOUND)) return;
      throw e;
    }
    for (const c of children) walk(n === '/' ? `/${c}` : `${n}/${c}`);
    if (n === '/' || m.io.exists(m.trackingDir(n))) return;
    try {
      m.io.rmdir(dir);
      removed.push(n);
    } catch (e) {
      // Busy: a task of it still exits; the next prune takes it.
      if (!isLmctfyError(e, Code.NOT_FOUND) && !(isLmctfyError(e) && e.errno === 'EBUSY')) throw e;
    }
  };
  walk(name);
  return removed;
}

/** Asks the kernel to reclaim up to `bytes` of the container's memory; returns the bytes its usage fell by. */
export function reclaimMemory(m: Machine, name: string, bytes: number): number {
  const h = handleFor(m, name);
  return h.resources.memory.reclaim(h, bytes);
}
