import * as path from 'node:path';
import { isLmctfyError, Code } from './errors.js';
import type { Machine } from './kernel/machine.js';
import { joinName } from './names.js';

/** Child dir names of a cgroup dir; a dir that vanished has none (docs/RELIABILITY.md, item 14). */
function childDirs(machine: Machine, dir: string): string[] {
  try {
    return machine.io.listDirs(dir);
  } catch (e) {
    if (isLmctfyError(e, Code.NOT_FOUND)) return [];
    throw e;
  }
}

/** Names of a container's subcontainers (tracking hierarchy), sorted; recursive = whole subtree. */
export function listSubcontainers(machine: Machine, name: string, recursive: boolean): string[] {
  const out: string[] = [];
  const walk = (n: string) => {
    const kids = childDirs(machine, machine.trackingDir(n)).sort();
    for (const k of kids) {
      const child = joinName(n, k);
      out.push(child);
      if (recursive) walk(child);
    }
  };
  walk(name);
  return recursive ? out.sort() : out;
}

/** Every cgroup dir at or below `dir` in one hierarchy, deepest first (payload-made ones included). */
export function dirsDeepestFirst(machine: Machine, dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const k of childDirs(machine, d)) walk(path.posix.join(d, k));
    out.push(d);
  };
  if (machine.io.exists(dir)) walk(dir);
  return out;
}

function readIds(machine: Machine, file: string): number[] {
  let text: string;
  try {
    text = machine.io.readFile(file);
  } catch (e) {
    // ENODEV: the cgroup was removed between the walk and the read (docs/RELIABILITY.md, item 14).
    if (isLmctfyError(e, Code.NOT_FOUND) || (isLmctfyError(e) && e.errno === 'ENODEV')) return [];
    throw e;
  }
  const ids: number[] = [];
  for (const line of text.split('\n')) {
    const n = Number(line);
    if (line !== '' && Number.isInteger(n) && n > 0) ids.push(n);
  }
  return ids;
}

export type TaskKind = 'pids' | 'tids';

/** Pids (cgroup.procs) or tids (tasks / cgroup.threads) of a container, sorted and unique. */
export function listTasks(machine: Machine, name: string, kind: TaskKind, recursive: boolean): number[] {
  const file = kind === 'pids' ? 'cgroup.procs' : machine.threadsFile;
  const dirs = recursive ? dirsDeepestFirst(machine, machine.trackingDir(name)) : [machine.trackingDir(name)];
  const ids = new Set<number>();
  for (const d of dirs) for (const id of readIds(machine, path.posix.join(d, file))) ids.add(id);
  return [...ids].sort((a, b) => a - b);
}
