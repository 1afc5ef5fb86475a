import { unlessNotFound } from '../errors.js';
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

/** /proc and /sys through `io` (default: the real ones). */
export function procReader(io: KernelIo = realIo): ProcReader {
  return { host: () => readHost(io), tasks: (pids) => readTasks(io, pids), threads: (tids) => readThreads(io, tids) };
}
