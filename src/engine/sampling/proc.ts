import { unlessNotFound } from '../errors.js';
import { CachingIo } from '../kernel/cached-io.js';
import { realIo, type KernelIo } from '../kernel/io.js';
import { cpuCount, hostname, listTids, readLoadavg, readMeminfo, readSchedstat, readThreadSchedstat, type Schedstat } from '../kernel/procfs.js';

export type { Schedstat };

/** The machine around the containers, read from /proc and /sys in the same pass. */
export interface HostSample {
  hostname?: string;
  /** Online CPUs: the count a CPU % of 100 × cpus would saturate. */
  cpus?: number;
  load1?: number;
  load5?: number;
  load15?: number;
  memTotalBytes?: number;
  memAvailableBytes?: number;
}

/** A thread of one of a container's processes, as read in one pass. */
export interface TaskSchedstat {
  /** Its process, or 0 when it was named by its thread id alone (ProcReader.threads). */
  pid: number;
  tid: number;
  stat: Schedstat;
}

/** What a sampler reads outside cgroupfs: the host's figures and its processes' threads. */
export interface ProcReader {
  /** Each figure the kernel lacks is absent. */
  host(): HostSample;
  /** schedstat of every thread of the given processes; exited processes and threads drop out. */
  tasks(pids: readonly number[]): TaskSchedstat[];
  /** schedstat of each of the given threads, by thread id alone; exited threads drop out. */
  threads?(tids: readonly number[]): TaskSchedstat[];
  /** Called after each pass (a reader keeping files open closes those the last passes did not read). */
  endPass?(): void;
  /** Closes what the reader keeps open. */
  close?(): void;
}

/** Reads the host figures; each one the kernel lacks is absent. */
export function readHost(io: KernelIo): HostSample {
  const host: HostSample = {};
  const name = unlessNotFound(() => hostname(io));
  if (name !== undefined) host.hostname = name;
  const cpus = unlessNotFound(() => cpuCount(io));
  if (cpus !== undefined) host.cpus = cpus;
  const load = unlessNotFound(() => readLoadavg(io));
  if (load) Object.assign(host, { load1: load.load1, load5: load.load5, load15: load.load15 });
  const mem = unlessNotFound(() => readMeminfo(io));
  if (mem?.totalBytes !== undefined) host.memTotalBytes = mem.totalBytes;
  if (mem?.availableBytes !== undefined) host.memAvailableBytes = mem.availableBytes;
  return host;
}

/** schedstat of every thread of the given processes; exited processes and threads drop out. */
export function readTasks(io: KernelIo, pids: readonly number[]): TaskSchedstat[] {
  const tasks: TaskSchedstat[] = [];
  for (const pid of pids) {
    for (const tid of listTids(io, pid)) {
      const stat = readSchedstat(io, pid, tid);
      if (stat) tasks.push({ pid, tid, stat });
    }
  }
  return tasks;
}

/**
 * schedstat of each given thread at `/proc/<tid>/schedstat`: every thread id names a
 * directory there (a thread that does not lead its process is not listed in /proc, but its
 * id opens), whose schedstat is that thread's own. No process is listed, so no directory
 * read per process: the threads come from a cgroup's thread list.
 */
export function readThreads(io: KernelIo, tids: readonly number[]): TaskSchedstat[] {
  const tasks: TaskSchedstat[] = [];
  for (const tid of tids) {
    const stat = readThreadSchedstat(io, tid);
    if (stat) tasks.push({ pid: 0, tid, stat });
  }
  return tasks;
}

/** Most files a keepOpen reader holds: the host's few and the threads of the containers that ran. */
const PROC_KEPT_MAX = 256;

/**
 * /proc and /sys through `io` (default: the real ones). With `keepOpen` (a reader that is
 * closed, read every pass), the files read stay open and are re-read with pread at offset 0,
 * which gives their text afresh (the host's figures, a thread's schedstat): an open and a
 * close fewer per file and pass. A thread's file that has exited fails with ESRCH and is
 * opened afresh (its id may be a new thread's), and one unread for a few passes is closed.
 */
export function procReader(io: KernelIo = realIo, opts: { keepOpen?: boolean } = {}): ProcReader {
  const kept = opts.keepOpen ? new CachingIo(io, { prefix: '/', maxOpen: PROC_KEPT_MAX, idlePasses: 4 }) : undefined;
  const r = kept ?? io;
  return {
    host: () => readHost(r),
    tasks: (pids) => readTasks(r, pids),
    threads: (tids) => readThreads(r, tids),
    endPass: () => kept?.endPass(),
    close: () => kept?.close(),
  };
}
