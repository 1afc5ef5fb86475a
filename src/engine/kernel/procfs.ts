import { Code, LmctfyError, unlessNotFound } from '../errors.js';
import type { KernelIo } from './io.js';

/** One task's scheduler counters from /proc/PID/task/TID/schedstat (all cumulative). */
export interface Schedstat {
  /** Time spent on a CPU (sum_exec_runtime), ns. */
  onCpuNs: number;
  /** Time spent runnable on a run queue waiting for a CPU (run_delay), ns. */
  waitNs: number;
  /** Number of times the task was put on a CPU (pcount): its timeslices. */
  slices: number;
}

export interface Loadavg {
  load1: number;
  load5: number;
  load15: number;
  /** Currently runnable scheduling entities. */
  runnable: number;
  /** Scheduling entities that exist. */
  entities: number;
}

export interface Meminfo {
  totalBytes?: number;
  /** Absent on kernels older than 3.14, which lack MemAvailable. */
  availableBytes?: number;
}

const UNSIGNED = /^\d+$/;
const DECIMAL = /^\d+(\.\d+)?$/;

function malformed(source: string, what: string, text: string): never {
  const shown = text.length > 120 ? `${text.slice(0, 120)}…` : text;
  throw new LmctfyError(Code.DATA_LOSS, `${source} is malformed: ${what}, got ${JSON.stringify(shown)}`);
}

/** Parses schedstat: exactly three unsigned integers separated by spaces. */
export function parseSchedstat(text: string, source = 'schedstat'): Schedstat {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 3 || !fields.every((f) => UNSIGNED.test(f))) {
    malformed(source, 'expected three unsigned integers "oncpu_ns wait_ns slices"', text);
  }
  return { onCpuNs: Number(fields[0]), waitNs: Number(fields[1]), slices: Number(fields[2]) };
}

/** Parses /proc/loadavg: `1.00 0.50 0.25 2/345 6789`. */
export function parseLoadavg(text: string, source = '/proc/loadavg'): Loadavg {
  const fields = text.trim().split(/\s+/);
  const tasks = fields[3]?.split('/') ?? [];
  const ok =
    fields.length === 5 &&
    fields.slice(0, 3).every((f) => DECIMAL.test(f)) &&
    tasks.length === 2 &&
    tasks.every((f) => UNSIGNED.test(f));
  if (!ok) malformed(source, 'expected "load1 load5 load15 runnable/entities lastpid"', text);
  return {
    load1: Number(fields[0]),
    load5: Number(fields[1]),
    load15: Number(fields[2]),
    runnable: Number(tasks[0]),
    entities: Number(tasks[1]),
  };
}

const MEMINFO_KEYS: Record<string, keyof Meminfo> = { MemTotal: 'totalBytes', MemAvailable: 'availableBytes' };

/** Parses the MemTotal and MemAvailable lines of /proc/meminfo (kB → bytes); other keys are ignored. */
export function parseMeminfo(text: string, source = '/proc/meminfo'): Meminfo {
  const out: Meminfo = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const field = MEMINFO_KEYS[line.slice(0, colon)];
    if (!field) continue;
    const m = /^\s*(\d+) kB\s*$/.exec(line.slice(colon + 1));
    if (!m) malformed(source, `expected "${line.slice(0, colon)}: N kB"`, line);
    out[field] = Number(m[1]) * 1024;
  }
  return out;
}

/** Far above any kernel's NR_CPUS; bounds what a corrupt range like `0-4294967295` may allocate. */
const MAX_CPU = 65535;

/** Parses a kernel CPU list (`0-3,8,10-11`) into the CPU numbers it names. */
export function parseCpuList(text: string, source = 'cpu list'): number[] {
  const trimmed = text.trim();
  if (trimmed === '') malformed(source, 'expected a CPU list such as "0-3,8"', text);
  const cpus: number[] = [];
  for (const part of trimmed.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) malformed(source, `range "${part}" is not N or N-M`, text);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) malformed(source, `range "${part}" ends before it starts`, text);
    if (hi > MAX_CPU) malformed(source, `CPU ${m[2] ?? m[1]} is above ${MAX_CPU}`, text);
    for (let c = lo; c <= hi; c++) cpus.push(c);
  }
  return cpus;
}

/** Thread ids of a process; [] when the process has exited. */
export function listTids(io: KernelIo, pid: number): number[] {
  const names = unlessNotFound(() => io.listDirs(`/proc/${pid}/task`)) ?? [];
  return names.filter((n) => UNSIGNED.test(n)).map(Number);
}

/** Scheduler counters of one thread; undefined when the thread has exited. */
export function readSchedstat(io: KernelIo, pid: number, tid: number): Schedstat | undefined {
  const path = `/proc/${pid}/task/${tid}/schedstat`;
  const text = unlessNotFound(() => io.readFile(path));
  return text === undefined ? undefined : parseSchedstat(text, path);
}

/** Scheduler counters of one thread named by its id alone; undefined when it has exited. */
export function readThreadSchedstat(io: KernelIo, tid: number): Schedstat | undefined {
  const path = `/proc/${tid}/schedstat`;
  const text = unlessNotFound(() => io.readFile(path));
  return text === undefined ? undefined : parseSchedstat(text, path);
}

export function readLoadavg(io: KernelIo): Loadavg {
  return parseLoadavg(io.readFile('/proc/loadavg'));
}

export function readMeminfo(io: KernelIo): Meminfo {
  return parseMeminfo(io.readFile('/proc/meminfo'));
}

/** Number of online CPUs (not the possible or present ones). */
export function cpuCount(io: KernelIo): number {
  const path = '/sys/devices/system/cpu/online';
  return parseCpuList(io.readFile(path), path).length;
}

export function hostname(io: KernelIo): string {
  return io.readFile('/proc/sys/kernel/hostname').trim();
}
