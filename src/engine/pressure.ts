import * as path from 'node:path';
import { Code, isLmctfyError } from './errors.js';
import type { Machine } from './kernel/machine.js';
import { attachTask } from './placement.js';
import { listTasks } from './tree.js';
import { handleFor } from './handle.js';
import { admissionView, cpuLedger, evictionPriorityOf, oomScoreFor, release, setOomScore } from './admission.js';
import { quotaToMaxLimit } from './resources/conversions.js';
import { killTasks } from './teardown.js';
import { containerTier } from './tier.js';
import { DEFAULT_EVICTION_PRIORITY } from '../policy/oom.js';
import type { Tier } from '../policy/types.js';
import { latencySensitive, type CpuMember } from '../policy/cpu-caps.js';

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
 * The memory.pressure (or cpu.pressure) file of a container, making its v1 mirror (and the mirrors of its
 * ancestors) when missing and moving the container's tasks into it; undefined where the
 * kernel keeps no PSI for it (v1 without a cgroup2 mount, or no PSI at all).
 */
export function containerPressureFile(m: Machine, name: string, resource: 'memory' | 'cpu' = 'memory'): string | undefined {
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
  const file = path.posix.join(dir, `${resource}.pressure`);
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

/** Asks the kernel to reclaim up to `bytes` of the container's memory; returns the bytes its usage fell by. */
export function reclaimMemory(m: Machine, name: string, bytes: number): number {
  const h = handleFor(m, name);
  return h.resources.memory.reclaim(h, bytes);
}

/** A container's memory figures the daemon ranks by. */
export interface MemoryFigures {
  /** Bytes charged to it and its subcontainers. */
  usage: number;
  /** Its soft limit / memory.low; 0 when unset or unlimited. */
  reservation: number;
  /** What it and its ancestors let it use (the smallest limit on the way up); undefined: unlimited. */
  ceiling?: number;
  /** OOM kills of its own tasks the kernel counted. */
  oomKills: number;
}

/** The container's memory figures; undefined when it has no memory cgroup of its own (it shares its parent's). */
export function memoryFigures(m: Machine, name: string): MemoryFigures | undefined {
  const h = handleFor(m, name);
  if (h.dir('memory') === undefined || !h.resources.memory.isolated(h)) return undefined;
  const s = h.resources.memory.stats(h, 'full').memory;
  if (s?.usage === undefined) return undefined;
  const ceiling = s.effective_limit ?? s.hierarchical_memory_limit;
  const reservation = s.reservation ?? 0;
  return {
    usage: s.usage,
    reservation: reservation > 0 ? reservation : 0,
    ceiling: ceiling !== undefined && ceiling > 0 ? ceiling : undefined,
    oomKills: s.oom_kill_count ?? 0,
  };
}

/**
 * The container's own memory limit; undefined when unlimited or without a memory cgroup of its
 * own. Equal to its kernel ceiling (MemoryFigures.ceiling), the memory cgroup the kernel
 * finds out of memory is its own.
 */
export function ownMemoryLimit(m: Machine, name: string): number | undefined {
  const h = handleFor(m, name);
  if (h.dir('memory') === undefined || !h.resources.memory.isolated(h)) return undefined;
  const own = h.resources.memory.read(h)?.memory?.limit;
  return own !== undefined && own > 0 ? own : undefined;
}

/** Whether the kernel's OOM killer is off in the container's memory cgroup (cgroup v1 `oom_kill_disable`); false without one. */
export function oomKillerOff(m: Machine, name: string): boolean {
  const dir = m.dirOf(name, 'memory');
  if (dir === undefined) return false;
  try {
    return /^oom_kill_disable 1$/m.test(m.io.readFile(`${dir}/memory.oom_control`));
  } catch (e) {
    if (isLmctfyError(e, Code.NOT_FOUND)) return false;
    throw e;
  }
}

/** Turns the kernel's OOM killer back on in the container's memory cgroup; a container gone meanwhile has nothing to turn on. */
export function restoreOomKiller(m: Machine, name: string): void {
  const dir = m.dirOf(name, 'memory');
  if (dir === undefined) return;
  try {
    m.io.writeFile(`${dir}/memory.oom_control`, '0');
  } catch (e) {
    if (!isLmctfyError(e, Code.NOT_FOUND)) throw e;
  }
}

/**
 * A container's tier (tier.ts; one sharing its parent's cpu group ranks as NORMAL) and
 * eviction priority (the policy's ledger's, else the middle of the range).
 */
export function rankOf(m: Machine, name: string, view = admissionView(m)): { tier: Tier; eviction: number } {
  const eviction = evictionPriorityOf(m, name) ?? DEFAULT_EVICTION_PRIORITY;
  return { tier: containerTier(m, name, view) ?? 'NORMAL', eviction };
}

/** The memory the policy lets lmctfy's root admit (capacity − reserve); undefined with no policy. */
export function allocatableMemory(m: Machine): number | undefined {
  return admissionView(m)?.budget.allocatable.memory;
}

/**
 * Evicts by killing: SIGKILL to every process of the container and its subcontainers at
 * once (a task faulting in memory dies at its next return to user space, so the memory
 * comes back within milliseconds), then the freezer-guarded sweep of teardown for what
 * forked meanwhile. Resolves when no task is left.
 */
export async function killSubtree(m: Machine, name: string): Promise<void> {
  const signal = () => {
    const pids = listTasks(m, name, 'pids', true);
    for (const pid of pids) {
      try {
        m.io.kill(pid, 'SIGKILL');
      } catch (e) {
        if (!isLmctfyError(e, Code.NOT_FOUND)) throw e;
      }
    }
    return pids.length;
  };
  // Killed tasks leave their cgroup as they exit, within milliseconds; freezing them meanwhile
  // (teardown's sweep) would only wait on their exit. Re-signalled each round for what forked.
  for (let round = 0; round < SIGNAL_ROUNDS; round++) {
    if (signal() === 0) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  await killTasks(m, name, true);
}

/** Rounds of 2 ms of plain SIGKILL before teardown's freezer-guarded sweep. */
const SIGNAL_ROUNDS = 100;

/**
 * Puts the policy's oom_score_adj back on each task of the container: a workload may raise
 * its own (stress-ng makes its workers 1000), which would make the kernel's OOM killer take
 * it ahead of a lower tier. Returns how many tasks were changed; 0 with no policy.
 */
export function enforceOomScore(m: Machine, name: string): number {
  const adj = oomScoreFor(m, name);
  if (adj === undefined) return 0;
  const wrong = listTasks(m, name, 'pids', false).filter((pid) => {
    try {
      return Number(m.io.readFile(`/proc/${pid}/oom_score_adj`).trim()) !== adj;
    } catch (e) {
      if (isLmctfyError(e, Code.NOT_FOUND)) return false;
      throw e;
    }
  });
  setOomScore(m, wrong, adj);
  return wrong.length;
}

/** A container's CFS quota as a cpu.max_limit (milli-CPUs; undefined: unlimited) and its period; undefined without a cpu group of its own. */
export function cpuCap(m: Machine, name: string): { maxLimit?: number; periodUs: number } | undefined {
  const h = handleFor(m, name);
  if (h.dir('cpu') === undefined) return undefined;
  const k = h.resources.cpu.settings(h).kernel;
  if (k.periodUs === undefined) return undefined;
  const maxLimit = k.quotaUs === undefined ? undefined : quotaToMaxLimit(k.quotaUs, k.periodUs);
  return maxLimit === undefined ? { periodUs: k.periodUs } : { maxLimit, periodUs: k.periodUs };
}

/**
 * Sets the container's CFS quota to `maxLimit` milli-CPUs of its own period (undefined:
 * unlimited) through the cpu resource, bypassing the container's update: the daemon's cap is
 * not a setting the operator asked for, so it goes through neither admission nor the action
 * journal.
 */
export function setCpuCap(m: Machine, name: string, maxLimit: number | undefined): void {
  const h = handleFor(m, name);
  if (h.resources.cpu.isolated(h)) h.resources.cpu.setMaxLimit(h, maxLimit);
}

/** Whether the policy admitted `name` PREMIER or PRIORITY without CPUs of its own: its CPU stalls are then others' doing. */
export function sharesCpuAsLatencyTier(m: Machine, name: string): boolean {
  const e = cpuLedger(m)?.entries.get(name);
  return e !== undefined && latencySensitive(e.tier) && !e.cpus?.length;
}

/**
 * What CPU enforcement plans with: each admitted container that has a cpu group of its own,
 * and the CPU the shared containers run on (the policy's capacity less the CPUs held
 * exclusively). Undefined with no policy: without one no container is latency-sensitive.
 */
export function cpuMembers(m: Machine): { members: CpuMember[]; shared: number } | undefined {
  const ledger = cpuLedger(m);
  if (ledger === undefined) return undefined;
  const members: CpuMember[] = [];
  let held = 0;
  for (const [name, e] of ledger.entries) {
    held += e.cpus?.length ?? 0;
    try {
      const cap = cpuCap(m, name);
      if (cap === undefined) continue;
      const member: CpuMember = { name, tier: e.tier, guarantee: e.cpu, exclusive: (e.cpus?.length ?? 0) > 0, busy: listTasks(m, name, 'pids', true).length > 0 };
      if (cap.maxLimit !== undefined) member.maxLimit = cap.maxLimit;
      members.push(member);
    } catch (e) {
      // Removed behind lmctfy's back: its ledger entry outlives it until the next policy change.
      if (!isLmctfyError(e, Code.NOT_FOUND)) throw e;
    }
  }
  return { members, shared: Math.max(0, ledger.capacity - held * 1000) };
}

/** Containers the ledger says hold CPUs of their own whose directory is gone (removed without lmctfy's destroy), with those CPUs. */
export function orphanedCpus(m: Machine): Array<{ name: string; tier: Tier; cpus: number[] }> {
  const out: Array<{ name: string; tier: Tier; cpus: number[] }> = [];
  for (const [name, e] of cpuLedger(m)?.entries ?? []) {
    if (e.cpus?.length && !m.io.exists(m.trackingDir(name))) out.push({ name, tier: e.tier, cpus: e.cpus });
  }
  return out;
}

/** Frees a gone container's guarantees and gives its CPUs back to the shared pool, under the policy lock (what destroy does after removing it). */
export async function releaseGone(m: Machine, name: string): Promise<void> {
  if (m.io.exists(m.trackingDir(name))) return;
  await release(m, name);
}
