import { Code, LmctfyError, isLmctfyError } from './errors.js';
import type { Machine } from './kernel/machine.js';
import { parseCpuList, parseMeminfo } from './kernel/procfs.js';
import { handleFor } from './handle.js';
import { withLock } from './lock.js';
import { mergeFragments } from './spec-rules.js';
import { listSubcontainers, listTasks } from './tree.js';
import { checkPoolSupported, poolExists, resetPool, rootCpus, setPool } from './cpu-pool.js';
import { formatCpuList, maskWordsToCpus } from './resources/cpulist.js';
import { POLICY_LOCK, clearPolicy, hasPolicy, loadPolicy, recordChanges, releaseUnlocked, storePolicy, type PolicyState } from './policy-store.js';
import { Admissions, type Refusal } from '../policy/admissions.js';
import { budgetOf, validatePolicy } from '../policy/budget.js';
import { explainRefusal, formatAmount } from '../policy/explain.js';
import { MIN_SHARED_CPUS, exclusiveCount, maskConflicts, pickCpus, sharedCpus } from '../policy/exclusive.js';
import { entryOf } from '../policy/guarantee.js';
import { oomScoreAdj } from '../policy/oom.js';
import { RESOURCES, TIERS, type Amounts, type Budget, type LedgerEntry, type ResourceName, type Tier } from '../policy/types.js';
import type { ContainerSpec, PolicySpec } from '../messages/types.js';

/**
 * The engine's side of admission (docs/POLICY.md): the hook create and update call under
 * the container's lock, the release a destroy makes, and the policy's own commands. The
 * arithmetic is src/policy's; this file reads the kernel and holds the root's policy lock
 * around every check-and-record, so concurrent lmctfy processes never admit past a budget.
 * With no policy set, each call costs one stat of the policy file.
 */

/** A policy that cannot mean anything is INVALID_ARGUMENT naming the field (before init makes anything). */
export { validatePolicy };

/** What the kernel reports: online CPUs (in milli-CPUs) and MemTotal. */
export function kernelCapacity(m: Machine): Amounts {
  const cpus = parseCpuList(m.io.readFile('/sys/devices/system/cpu/online'), '/sys/devices/system/cpu/online').length;
  const mem = parseMeminfo(m.io.readFile('/proc/meminfo')).totalBytes;
  if (mem === undefined) throw new LmctfyError(Code.DATA_LOSS, '/proc/meminfo has no MemTotal');
  return { cpu: cpus * 1000, memory: mem };
}

/** The cpu and memory settings a container holds now, as a spec. */
function heldSpec(m: Machine, name: string): ContainerSpec {
  const h = handleFor(m, name);
  return mergeFragments([h.resources.cpu.read(h) ?? {}, h.resources.memory.read(h) ?? {}]) as ContainerSpec;
}

/**
 * The kernel tells only BEST_EFFORT (cpu.idle) from the other tiers: PREMIER and PRIORITY
 * have no kernel file of their own (resources/cpu.ts), so the ledger is their record.
 */
function keepTier(e: LedgerEntry, recorded: LedgerEntry | undefined): LedgerEntry {
  if (recorded !== undefined && e.tier !== 'BEST_EFFORT' && recorded.tier !== 'BEST_EFFORT') e.tier = recorded.tier;
  return e;
}

/** Every container's guarantees as the kernel holds them; eviction priorities (which only the ledger holds) carried over from `old`. */
function entriesFromKernel(m: Machine, old: Admissions | undefined): Array<[string, LedgerEntry]> {
  const out: Array<[string, LedgerEntry]> = [];
  for (const name of listSubcontainers(m, '/', true)) {
    try {
      const recorded = old?.entries.get(name);
      const e = keepTier(entryOf(heldSpec(m, name), recorded?.eviction), recorded);
      // Exclusive CPUs have no file that says so: the ledger is their record too.
      if (recorded?.cpus) e.cpus = recorded.cpus;
      out.push([name, e]);
    } catch (e) {
      // Removed while walked: not admitted any more.
      if (!isLmctfyError(e, Code.NOT_FOUND)) throw e;
    }
  }
  return out;
}

/** `locked`: the caller holds the policy lock (it may write a recounted ledger back). */
function load(m: Machine, locked = false): PolicyState | undefined {
  return loadPolicy(m.trackingDir('/'), () => kernelCapacity(m), (old) => entriesFromKernel(m, old), locked);
}

/** The settings a container will hold after an update, as a spec (cpu and memory only). */
export function specAfterUpdate(m: Machine, name: string, spec: ContainerSpec, policy: 'diff' | 'replace'): ContainerSpec {
  const held = heldSpec(m, name);
  if (policy === 'diff') return mergeFragments([held, { cpu: spec.cpu, memory: spec.memory }]) as ContainerSpec;
  const out: ContainerSpec = {};
  // replace names every isolated resource; scheduling_latency cannot change, so it stays.
  if (held.cpu) out.cpu = { ...spec.cpu, scheduling_latency: held.cpu.scheduling_latency };
  if (held.memory) out.memory = { ...spec.memory };
  return out;
}

export interface Admitted<T> {
  result?: T;
  /** A dry run's one line: what the container would be guaranteed and what would be left, or that no policy is set. */
  note: string;
}

/**
 * Checks `next` (the container's guarantees after the change) against the policy and, when
 * admitted and not a dry run, runs `work` (the kernel writes) and records it, all under the
 * policy lock. Refused: RESOURCE_EXHAUSTED with Borg's "why pending", nothing done. A
 * refusal is first checked against a ledger rebuilt from the kernel, so one left stale by
 * a container removed behind lmctfy's back never refuses wrongly.
 */
export async function admit<T>(
  m: Machine,
  what: string,
  name: string,
  spec: ContainerSpec,
  next: () => ContainerSpec,
  dryRun: boolean,
  work: (cpus?: number[]) => T | Promise<T>,
): Promise<Admitted<T>> {
  const scope = m.trackingDir('/');
  if (!hasPolicy(scope)) {
    if (spec.memory?.eviction_priority !== undefined) {
      throw new LmctfyError(Code.UNIMPLEMENTED, `cannot ${what}: memory.eviction_priority takes effect through a machine policy, and none is set (lmctfy policy set)`);
    }
    return { result: dryRun ? undefined : await work(), note: 'admitted: no machine policy is set' };
  }
  return withLock(scope, POLICY_LOCK, async () => {
    let state = load(m, true);
    if (state === undefined) return { result: dryRun ? undefined : await work(), note: 'admitted: no machine policy is set' };
    const after = next();
    const eviction = spec.memory?.eviction_priority ?? state.admissions.entries.get(name)?.eviction;
    const entry = keepTier(entryOf(after, eviction), state.admissions.entries.get(name));
    let refusal = state.admissions.check(name, entry);
    if (refusal) {
      state = rebuilt(m, state);
      refusal = state.admissions.check(name, entry);
    }
    if (refusal) throw new LmctfyError(Code.RESOURCE_EXHAUSTED, `cannot ${what}: ${explainRefusal(refusal, state.admissions.budget)}`);
    const cpus = state.spec.exclusive_cpus ? exclusiveCpus(m, state, what, name, after, entry) : undefined;
    if (cpus !== undefined) entry.cpus = cpus;
    if (dryRun) return { note: admittedNote(state.admissions, name, entry) };
    const entries = state.admissions.entries;
    const taking = cpus !== undefined && entries.get(name)?.cpus === undefined;
    // The pool gives the CPUs up before the container is made on them.
    if (taking) setPool(m, sharedCpus(rootCpus(m), entries).filter((c) => !cpus.includes(c)));
    let result: T;
    try {
      result = await work(cpus);
    } catch (e) {
      if (taking) setPool(m, sharedCpus(rootCpus(m), entries));
      throw e;
    }
    state.admissions.set(name, entry);
    recordChanges(scope, state, [{ n: name, e: entry }]);
    return { result, note: 'admitted' };
  });
}

/**
 * The CPUs `name` holds of its own after the change (docs/POLICY.md "Exclusive CPUs"), or
 * undefined. A top-level PREMIER container asking whole CPUs takes them from the shared
 * pool, which keeps MIN_SHARED_CPUS; their number is fixed once taken; any other container's
 * cpu.mask stays off them. Refused: RESOURCE_EXHAUSTED naming who holds them.
 */
function exclusiveCpus(m: Machine, state: PolicyState, what: string, name: string, after: ContainerSpec, entry: LedgerEntry): number[] | undefined {
  const ledger = state.admissions.entries;
  const held = ledger.get(name)?.cpus;
  if (held !== undefined) {
    if (exclusiveCount(after, entry.tier) === held.length) return held;
    throw new LmctfyError(
      Code.FAILED_PRECONDITION,
      `cannot ${what}: it holds CPU ${formatCpuList(held)} of its own, as many as its cpu.limit of ${held.length * 1000} asked at create, and that number cannot change (destroy and create it again)`,
    );
  }
  // Taken at create only, and only by a top-level container: its cpuset is a child of the root's.
  const n = !ledger.has(name) && name.lastIndexOf('/') === 0 ? exclusiveCount(after, entry.tier) : 0;
  const holders = (list: Array<{ name: string; cpus: number[] }>) => list.map((h) => `${h.name} (CPU ${formatCpuList(h.cpus)})`).join(', ');
  if (n === 0) {
    const mask = after.cpu?.mask;
    const conflicts = mask === undefined ? [] : maskConflicts(ledger, name, maskWordsToCpus(mask.data ?? []));
    if (conflicts.length) throw new LmctfyError(Code.RESOURCE_EXHAUSTED, `cannot ${what}: cpu.mask selects CPUs held exclusively by ${holders(conflicts)}`);
    return undefined;
  }
  const root = rootCpus(m);
  const pick = pickCpus(root, ledger, name, n);
  if ('cpus' in pick) return pick.cpus;
  const { free, holders: by } = pick.refusal;
  throw new LmctfyError(
    Code.RESOURCE_EXHAUSTED,
    `cannot ${what}: cpu: asked ${n} CPU${n === 1 ? '' : 's'} of its own (PREMIER, exclusive_cpus), ${Math.max(0, free.length - MIN_SHARED_CPUS)} free of the root's CPU ${formatCpuList(root)} (${MIN_SHARED_CPUS} always stays shared)${by.length ? `; held by ${holders(by)}` : ''}`,
  );
}

function rebuilt(m: Machine, state: PolicyState): PolicyState {
  const fresh = Admissions.of(state.admissions.budget, entriesFromKernel(m, state.admissions));
  return storePolicy(m.trackingDir('/'), state.spec, fresh);
}

function admittedNote(a: Admissions, name: string, e: LedgerEntry): string {
  const parts = RESOURCES.filter((r) => e[r] > 0).map((r) => {
    const owner = a.ownerOf(name, r);
    const old = a.entries.get(name)?.[r] ?? 0;
    const left = owner === '/' ? a.headroom(r, e.tier) + old - e[r] : undefined;
    return `${r} ${formatAmount(r, e[r])}${left === undefined ? ` of ${owner}'s guarantee` : `, ${formatAmount(r, Math.max(0, left))} left after it`}`;
  });
  if (e.cpus) parts.push(`CPU ${formatCpuList(e.cpus)} of its own`);
  return `admitted: ${name} (${e.tier})${parts.length ? `: ${parts.join('; ')}` : ': no guarantees'}`;
}

/**
 * A destroy frees the subtree's guarantees, after its removal (a failed destroy leaves them,
 * and a later refusal's recount finds what is gone). Freeing needs no lock (policy-store.ts).
 */
export async function release(m: Machine, name: string): Promise<void> {
  const scope = m.trackingDir('/');
  // The ledger exists exactly while a policy does: its stat is the check. CPUs of its own
  // (only while the pool exists) go back to the pool, under the lock that hands them out.
  if (releaseUnlocked(scope, name) && poolExists(m)) {
    await withLock(scope, POLICY_LOCK, () => {
      const state = load(m, true);
      if (state !== undefined) setPool(m, sharedCpus(rootCpus(m), state.admissions.entries));
    });
  }
}

/** oom_score_adj of the container's tier and eviction priority, for tasks entering it; undefined with no policy. */
export function oomScoreFor(m: Machine, name: string): number | undefined {
  if (!hasPolicy(m.trackingDir('/'))) return undefined;
  const e = load(m)?.admissions.entries.get(name);
  return e === undefined ? undefined : oomScoreAdj(e.tier, e.eviction);
}

/** What only the ledger records of a container: its eviction priority and its tier (PREMIER and PRIORITY have no kernel file); undefined with no policy or not admitted. */
export function ledgerEntryOf(m: Machine, name: string): Pick<LedgerEntry, 'eviction' | 'tier'> | undefined {
  if (!hasPolicy(m.trackingDir('/'))) return undefined;
  return load(m)?.admissions.entries.get(name);
}

/** The memory.eviction_priority recorded for a container; undefined with no policy or none given. */
export function evictionPriorityOf(m: Machine, name: string): number | undefined {
  return ledgerEntryOf(m, name)?.eviction;
}

/** Writes `adj` to each task; a task that exited meanwhile is skipped. */
export function setOomScore(m: Machine, pids: number[], adj: number): void {
  for (const pid of pids) {
    try {
      m.io.writeFile(`/proc/${pid}/oom_score_adj`, String(adj));
    } catch (e) {
      if (!isLmctfyError(e, Code.NOT_FOUND)) throw e;
    }
  }
}

/** After an update under a policy: the container's tasks take the (possibly new) oom_score_adj. */
export function refreshOomScore(m: Machine, name: string): void {
  const adj = oomScoreFor(m, name);
  if (adj !== undefined) setOomScore(m, listTasks(m, name, 'pids', false), adj);
}

export interface TierBudget {
  tier: Tier;
  /** Guarantees of this tier at the machine's scope. */
  admitted: Amounts;
  /** What one more container of this tier could be guaranteed. */
  headroom: Amounts;
  containers: number;
}

export interface PolicyReport {
  spec: PolicySpec;
  budget: Budget;
  tiers: TierBudget[];
}

function report(state: PolicyState): PolicyReport {
  const a = state.admissions;
  const count = new Map<Tier, number>();
  for (const e of a.entries.values()) count.set(e.tier, (count.get(e.tier) ?? 0) + 1);
  const per = (f: (r: ResourceName) => number): Amounts => ({ cpu: f('cpu'), memory: f('memory') });
  return {
    spec: state.spec,
    budget: a.budget,
    tiers: TIERS.map((tier) => ({ tier, admitted: per((r) => a.admitted(r)[tier]), headroom: per((r) => a.headroom(r, tier)), containers: count.get(tier) ?? 0 })),
  };
}

/** The policy, budget and per-tier use; undefined when none is set. Reads take no lock. */
export function policyReport(m: Machine): PolicyReport | undefined {
  const state = load(m);
  return state && report(state);
}

/** The policy report plus each admitted container's tier, for the exporters (docs/STATS.md). */
export interface AdmissionView extends PolicyReport {
  tierOf(name: string): Tier | undefined;
}

/** The admission view as it stands; undefined with no policy (one stat). */
export function admissionView(m: Machine): AdmissionView | undefined {
  if (!hasPolicy(m.trackingDir('/'))) return undefined;
  const state = load(m);
  if (state === undefined) return undefined;
  const entries = state.admissions.entries;
  return { ...report(state), tierOf: (name) => entries.get(name)?.tier };
}

/** The ledger and the policy's CPU capacity (milli-CPUs), for the daemon's CPU enforcement; undefined with no policy. */
export function cpuLedger(m: Machine): { capacity: number; entries: ReadonlyMap<string, LedgerEntry> } | undefined {
  if (!hasPolicy(m.trackingDir('/'))) return undefined;
  const state = load(m);
  return state && { capacity: state.admissions.budget.capacity.cpu, entries: state.admissions.entries };
}

/**
 * Sets the root's policy. The ledger is rebuilt from the kernel; a policy under which
 * what is already admitted does not fit is FAILED_PRECONDITION naming it, unless forced.
 */
export async function setPolicy(m: Machine, spec: PolicySpec, force: boolean): Promise<PolicyReport> {
  validatePolicy(spec);
  if (spec.exclusive_cpus) checkPoolSupported(m);
  const scope = m.trackingDir('/');
  return withLock(scope, POLICY_LOCK, () => {
    const old = hasPolicy(scope) ? load(m, true) : undefined;
    const entries = entriesFromKernel(m, old?.admissions);
    // Without exclusive_cpus no container holds CPUs of its own: the pool gets them all back.
    if (!spec.exclusive_cpus) {
      for (const [, e] of entries) delete e.cpus;
      resetPool(m);
    }
    const a = Admissions.of(budgetOf(spec, kernelCapacity(m)), entries);
    const over = a.overLimits();
    if (over.length && !force) {
      throw new LmctfyError(Code.FAILED_PRECONDITION, `policy refused: what is already admitted would not fit (--force sets it anyway): ${over.map((o) => overLine(o, a.budget)).join(' | ')}`);
    }
    return report(storePolicy(scope, spec, a));
  });
}

function overLine(o: Refusal, budget: Budget): string {
  return explainRefusal(o, budget).replace(/^(\w+): asked /, '$1: admitted ');
}

/** Removes the policy: admission stops. False when none was set. */
export async function removePolicy(m: Machine): Promise<boolean> {
  const scope = m.trackingDir('/');
  return withLock(scope, POLICY_LOCK, () => {
    resetPool(m);
    return clearPolicy(scope);
  });
}

