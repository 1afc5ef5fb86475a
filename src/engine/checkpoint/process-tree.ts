/** The process tree criu dumps: it takes one root and every descendant of it. */

export interface ProcLink {
  pid: number;
  ppid: number;
}

/** The processes whose parent is not among them: each heads a tree of its own. */
export function treeRoots(procs: readonly ProcLink[]): number[] {
  const pids = new Set(procs.map((p) => p.pid));
  return procs.filter((p) => !pids.has(p.ppid)).map((p) => p.pid).sort((a, b) => a - b);
}
