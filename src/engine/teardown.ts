import * as path from 'node:path';
import { Code, LmctfyError, isLmctfyError } from './errors.js';
import type { Machine } from './kernel/machine.js';
import { handleFor } from './handle.js';
import { dirsDeepestFirst, listSubcontainers, listTasks } from './tree.js';
import { freeze, thaw } from './resources/freezer.js';
import { sleep } from './kernel/retry.js';
import { TRACKING_CONTROLLERS } from './spec-rules.js';
import { hasLogs, removeLogs } from './run-log.js';

export const KILL_DEADLINE_MS = 5_000;

function signalAll(machine: Machine, ids: number[]): void {
  for (const id of ids) {
    try {
      machine.io.kill(id, 'SIGKILL');
    } catch (e) {
      // ESRCH: it exited on its own. Anything else (EPERM) is reported by the caller's survivors list.
      if (!isLmctfyError(e, Code.NOT_FOUND) && !isLmctfyError(e, Code.PERMISSION_DENIED)) throw e;
    }
  }
}

/** Names of the container and its subcontainers, parents first. */
function subtreeTopDown(machine: Machine, name: string): string[] {
  return [name, ...listSubcontainers(machine, name, true)];
}

/** Thaws a container and every subcontainer frozen on its own, parents first (docs/RELIABILITY.md 3). */
export async function thawSubtree(machine: Machine, name: string): Promise<void> {
  for (const n of subtreeTopDown(machine, name)) {
    try {
      await thaw(handleFor(machine, n));
    } catch (e) {
      if (!isLmctfyError(e, Code.NOT_FOUND)) throw e;
    }
  }
}

function tryCgroupKill(machine: Machine, name: string): boolean {
  if (machine.killFile === undefined) return false;
  const file = path.posix.join(machine.trackingDir(name), machine.killFile);
  if (!machine.io.exists(file)) return false;
  machine.io.writeFile(file, '1');
  return true;
}

/**
 * SIGKILLs every task of the container (and of its subcontainers when recursive), also
 * while they fork: v2 cgroup.kill when present; otherwise freeze → list → kill → thaw,
 * repeated until empty or the deadline (docs/RELIABILITY.md 4). The freezer is always thawed.
 */
export async function killTasks(machine: Machine, name: string, recursive: boolean, deadlineMs = KILL_DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  const remaining = () => [
    ...new Set([...listTasks(machine, name, 'pids', recursive), ...listTasks(machine, name, 'tids', recursive)]),
  ];
  if (recursive && tryCgroupKill(machine, name)) {
    while (remaining().length && Date.now() < deadline) await sleep(5);
  }
  const h = handleFor(machine, name);
  let delay = 2;
  while (Date.now() < deadline) {
    let ids = remaining();
    if (ids.length === 0) return;
    let frozen = false;
    try {
      try {
        await freeze(h, Math.min(500, Math.max(50, deadline - Date.now())));
        frozen = true;
      } catch (e) {
        // A freeze that cannot settle (tasks in uninterruptible sleep) must not stop the kill.
        if (!isLmctfyError(e, Code.DEADLINE_EXCEEDED)) throw e;
      }
      ids = remaining();
      signalAll(machine, ids);
    } finally {
      if (frozen) await thaw(h);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 100);
  }
  const left = remaining();
  if (left.length) {
    throw new LmctfyError(Code.FAILED_PRECONDITION, `could not kill all tasks of ${name} within ${deadlineMs} ms; still alive: ${left.slice(0, 20).join(' ')}`);
  }
}

/**
 * Removes a container and everything below it in every hierarchy, deepest first, including
 * cgroups its payload made itself (docs/RELIABILITY.md 1, 2). EBUSY is retried with stragglers
 * killed between tries; ENOENT means someone else removed it already.
 */
export async function removeSubtree(machine: Machine, name: string, deadlineMs = KILL_DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let delay = 5;
  // The tracking hierarchy goes last: while it exists, the container still exists.
  const tracking = machine.trackingDir(name);
  const tops = [...new Set(machine.controllers().map((c) => machine.dirOf(name, c)!))].sort(
    (a, b) => Number(a === tracking) - Number(b === tracking),
  );
  const always = new Set(TRACKING_CONTROLLERS.map((c) => machine.dirOf(name, c)).filter((d): d is string => d !== undefined));
  // The logs of detached commands go with their containers; the names are listed only when some log exists.
  const logged = hasLogs() ? subtreeTopDown(machine, name) : [];
  for (;;) {
    const busy: string[] = [];
    // exists() first, except for the tracking hierarchies every container has: a thrown
    // ENOENT costs far more than a stat.
    for (const top of tops.filter((d) => always.has(d) || machine.io.exists(d))) {
      // While another hierarchy holds on, the container stays visible, its tasks findable
      // and the destroy retryable: the tracking dir goes only once the rest has.
      if (top === tracking && busy.length > 0) continue;
      // Optimistic: a leaf goes with one rmdir; only a dir with children (EBUSY) is walked.
      if (removeDir(machine, top) !== 'busy') continue;
      for (const d of dirsDeepestFirst(machine, top)) if (removeDir(machine, d) === 'busy') busy.push(d);
    }
    if (busy.length === 0) {
      removeLogs(machine.trackingDir('/'), logged);
      return;
    }
    if (Date.now() > deadline) {
      throw new LmctfyError(Code.FAILED_PRECONDITION, `could not remove ${name}: still busy after ${deadlineMs} ms: ${busy.join(', ')}`);
    }
    await thawSubtree(machine, name);
    signalAll(machine, listTasks(machine, name, 'pids', true));
    await sleep(delay);
    delay = Math.min(delay * 2, 200);
  }
}

/** rmdir one cgroup: gone (removed now or already), or busy (tasks or children left). */
function removeDir(machine: Machine, dir: string): 'gone' | 'busy' {
  try {
    machine.io.rmdir(dir);
    return 'gone';
  } catch (e) {
    if (isLmctfyError(e, Code.NOT_FOUND)) return 'gone';
    if (isLmctfyError(e) && (e.errno === 'EBUSY' || e.errno === 'ENOTEMPTY' || e.errno === 'EINTR')) return 'busy';
    throw e;
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
