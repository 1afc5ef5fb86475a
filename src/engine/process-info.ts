import * as fs from 'node:fs';
import { Code, LmctfyError, isLmctfyError } from './errors.js';
import type { KernelIo } from './kernel/io.js';

/** One process of a container, as htop shows it (from /proc/<pid>/stat, status and cmdline). */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Real uid. */
  uid: number;
  /** Login name of uid from /etc/passwd, or the uid as text. */
  user: string;
  /** R running, S sleeping, D disk sleep, Z zombie, T stopped, t traced, I idle, X dead. */
  state: string;
  /** utime + stime, in clock ticks (ProcessList.clockTicksPerSecond). */
  cpuTicks: number;
  /** Resident set size (VmRSS); 0 for a zombie or kernel thread. */
  rssBytes: number;
  /** The command line joined by spaces, or `[comm]` when there is none (kernel thread, zombie). */
  command: string;
  /** Start time in clock ticks after boot: tells a reused pid from the process seen before. */
  startTicks: number;
}

export interface ProcessList {
  /** The kernel's USER_HZ: cpuTicks / clockTicksPerSecond is seconds of CPU. */
  clockTicksPerSecond: number;
  processes: ProcessInfo[];
}

export interface StatFields {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  utime: number;
  stime: number;
  startTicks: number;
}

const malformed = (source: string, why: string) => new LmctfyError(Code.DATA_LOSS, `malformed ${source}: ${why}`);

/**
 * /proc/<pid>/stat: `pid (comm) state ppid ...`. comm may hold spaces and parentheses, so
 * it runs to the last ')'; fields after it are counted from there (proc(5) numbering:
 * state 3, ppid 4, utime 14, stime 15, starttime 22).
 */
export function parseStat(text: string, source = 'stat'): StatFields {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) throw malformed(source, 'no "(comm)"');
  const pid = Number(text.slice(0, open));
  const rest = text.slice(close + 1).trim().split(/\s+/);
  // rest[0] is field 3.
  if (rest.length < 20) throw malformed(source, `${rest.length + 2} fields, expected at least 22`);
  const num = (field: number) => {
    const v = rest[field - 3]!;
    if (!/^\d+$/.test(v)) throw malformed(source, `field ${field} "${v}" is not a count`);
    return Number(v);
  };
  if (!/^\d+$/.test(text.slice(0, open)) || !Number.isSafeInteger(pid)) throw malformed(source, `pid "${text.slice(0, open)}"`);
  const state = rest[0]!;
  if (!/^[A-Za-z]$/.test(state)) throw malformed(source, `state "${state}"`);
  return { pid, comm: text.slice(open + 2, close), state, ppid: num(4), utime: num(14), stime: num(15), startTicks: num(22) };
}

/** /proc/<pid>/status: the real uid (first of `Uid:`) and VmRSS (absent for zombies and kernel threads: 0). */
export function parseStatus(text: string, source = 'status'): { uid: number; rssBytes: number } {
  const uid = /^Uid:\s+(\d+)/m.exec(text);
  if (!uid) throw malformed(source, 'no Uid line');
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(text);
  return { uid: Number(uid[1]), rssBytes: rss ? Number(rss[1]) * 1024 : 0 };
}

/** /proc/<pid>/cmdline: NUL-terminated arguments (a process may rewrite it into one string with spaces). */
export function parseCmdline(text: string): string[] {
  const parts = text.split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

/** What htop shows as the command: the arguments, or `[comm]` when the process has none. */
export function commandOf(argv: string[], comm: string): string {
  const joined = argv.join(' ').trim();
  return joined === '' ? `[${comm}]` : joined;
}

/** uid → login name from /etc/passwd text; malformed lines are skipped. */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || !/^\d+$/.test(f[2]!)) continue;
    const uid = Number(f[2]);
    if (!users.has(uid)) users.set(uid, f[0]!);
  }
  return users;
}

const AT_CLKTCK = 17n;

/** AT_CLKTCK from an auxiliary vector (/proc/self/auxv: native-endian 64-bit key/value pairs). */
export function clockTicksFromAuxv(auxv: Uint8Array): number | undefined {
  const view = new DataView(auxv.buffer, auxv.byteOffset, auxv.byteLength);
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  for (let off = 0; off + 16 <= auxv.byteLength; off += 16) {
    const key = view.getBigUint64(off, little);
    if (key === 0n) break;
    if (key === AT_CLKTCK) return Number(view.getBigUint64(off + 8, little));
  }
  return undefined;
}

let ticks: number | undefined;

/** The kernel's USER_HZ, which Node does not expose (sysconf(_SC_CLK_TCK)): read from our own auxv; 100 when unreadable, as on every Linux architecture but alpha and ia64. */
export function clockTicksPerSecond(): number {
  if (ticks === undefined) {
    try {
      ticks = clockTicksFromAuxv(fs.readFileSync('/proc/self/auxv')) ?? 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** Reads one process; undefined when it has exited (its /proc files vanish, or read as ESRCH). */
export function readProcess(io: KernelIo, pid: number, users: ReadonlyMap<number, string>): ProcessInfo | undefined {
  let stat: string, status: string, cmdline: string;
  try {
    stat = io.readFile(`/proc/${pid}/stat`);
    status = io.readFile(`/proc/${pid}/status`);
    cmdline = io.readFile(`/proc/${pid}/cmdline`);
  } catch (e) {
    if (isLmctfyError(e, Code.NOT_FOUND)) return undefined;
    throw e;
  }
  const s = parseStat(stat, `/proc/${pid}/stat`);
  const st = parseStatus(status, `/proc/${pid}/status`);
  return {
    pid,
    ppid: s.ppid,
    uid: st.uid,
    user: users.get(st.uid) ?? String(st.uid),
    state: s.state,
    cpuTicks: s.utime + s.stime,
    rssBytes: st.rssBytes,
    command: commandOf(parseCmdline(cmdline), s.comm),
    startTicks: s.startTicks,
  };
}

/** Login names of the machine's users; empty (every user shown by uid) when /etc/passwd cannot be read. */
export function readUsers(io: KernelIo): Map<number, string> {
  try {
    return parsePasswd(io.readFile('/etc/passwd'));
  } catch {
    return new Map();
  }
}

/** The signals a caller may send to a container's processes (the console's `K`). */
export const PROCESS_SIGNALS = ['TERM', 'KILL', 'HUP', 'INT', 'USR1', 'USR2'] as const;
export type ProcessSignal = (typeof PROCESS_SIGNALS)[number];

/** `TERM`, `SIGTERM` or `term` → `SIGTERM`; anything else is INVALID_ARGUMENT naming what is allowed. */
export function signalName(signal: string): NodeJS.Signals {
  const bare = signal.toUpperCase().replace(/^SIG/, '');
  if (!(PROCESS_SIGNALS as readonly string[]).includes(bare)) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `unknown signal "${signal}": expected one of ${PROCESS_SIGNALS.join(', ')}`);
  }
  return `SIG${bare}` as NodeJS.Signals;
}
