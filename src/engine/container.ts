import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { Code, LmctfyError, isLmctfyError } from './errors.js';
import { kernelError } from './kernel/errno.js';
import type { Machine } from './kernel/machine.js';
import type { V1Controller } from './kernel/layout.js';
import { handleFor } from './handle.js';
import { withLock } from './lock.js';
import { orGone } from './gone.js';
import { audited, auditedWithSpec } from './audit.js';
import { listSubcontainers, listTasks } from './tree.js';
import { enterTasks, spawnInside, startInside, type ForegroundCommand, type SpawnOptions } from './placement.js';
import { defaultShell, waitInteractive } from './interactive.js';
import { clockTicksPerSecond, readProcess, readUsers, signalName, type ProcessInfo, type ProcessList } from './process-info.js';
import { LOG_MAX_BYTES, ensureLogDir, logPath, readLogFile, type LogChunk } from './run-log.js';
import { killTasks } from './teardown.js';
import { freeze, freezerState, selfFreezing, thaw } from './resources/freezer.js';
import type { CgroupHandle, Resource, StatsType, UpdatePolicy } from './resources/types.js';
import { checkSpecSupported, isolatedKeys, mergeFragments, resourcesToApply, specKeys } from './spec-rules.js';
import { parentName } from './names.js';
import type { ContainerSpec, ContainerStats, EventSpec, FreezerState } from '../messages/types.js';
import { notificationHub, type NotificationCallback } from './notify/index.js';
import { admit, ledgerEntryOf, oomScoreFor, refreshOomScore, setOomScore, specAfterUpdate, type Admitted } from './admission.js';
import { containerTier, tierFrom } from './tier.js';
import { readNetworkStats } from './sampling/network.js';
import { checkEnterVirtualHost, isVirtualHost, planLimitsUpdate, inContainer, savedVirtualHostSpec } from './vhost/index.js';

export type { ForegroundCommand };

export interface ListOptions {
  recursive?: boolean;
}

export interface RunOptions {
  /** Detached: new session, stdio on /dev/null, returns at once (lmctfy run -n). */
  detached?: boolean;
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr appended to this file, opened with the caller's rights (lmctfy run -n --output FILE). */
  output?: string;
  /** stdout and stderr into the container's log (logPath, readLog), rotated at LOG_MAX_BYTES. */
  log?: boolean;
}

/** One container: a handle on a name below lmctfy's root. Every call re-reads the kernel. */
export class Container {
  constructor(
    readonly machine: Machine,
    readonly name: string,
  ) {}

  private lockScope(): string {
    return this.machine.trackingDir('/');
  }

  /** The container's identity (its tracking dir's inode); NOT_FOUND when it does not exist. */
  private ensureExists(): number {
    const info = this.machine.io.dirInfo(this.machine.trackingDir(this.name));
    if (info === undefined) throw new LmctfyError(Code.NOT_FOUND, `container ${this.name} does not exist`);
    return info.inode;
  }

  exists(): boolean {
    return this.machine.io.exists(this.machine.trackingDir(this.name));
  }

  /** The spec read back from the kernel: only the resources this container isolates. */
  spec(): ContainerSpec {
    this.ensureExists();
    const spec = fromEachResource(handleFor(this.machine, this.name), (r, h) => r.read(h)) as ContainerSpec;
    // No kernel file holds these: the policy's ledger does (docs/POLICY.md).
    const recorded = spec.memory || spec.cpu ? ledgerEntryOf(this.machine, this.name) : undefined;
    if (spec.memory && recorded?.eviction !== undefined) spec.memory.eviction_priority = recorded.eviction;
    const tier = spec.cpu && tierFrom(this.name, recorded?.tier, spec.cpu.scheduling_latency === 'BEST_EFFORT' ? 'idle' : 'weighted');
    if (spec.cpu && (tier === 'PREMIER' || tier === 'PRIORITY')) spec.cpu.scheduling_latency = tier;
    return { ...spec, ...savedVirtualHostSpec(this.lockScope(), this.name) };
  }

  /**
   * diff: only the fields set change. replace: unset fields go back to defaults, and the
   * spec must name exactly the resources the container isolates. Everything is checked
   * before the first write.
   */
  update(spec: ContainerSpec, policy: 'diff' | 'replace'): Promise<void> {
    return auditedWithSpec(this.machine, 'update', this.name, { spec, detail: { policy } }, async () => {
      await this.updateAdmitted(spec, policy, false);
    });
  }

  /**
   * update --dry-run: every check update makes, admission included (docs/POLICY.md), and
   * nothing written. Resolves with one line saying what would be admitted; refuses as update would.
   */
  async checkUpdate(spec: ContainerSpec, policy: 'diff' | 'replace'): Promise<string> {
    return (await this.updateAdmitted(spec, policy, true)).note;
  }

  private async updateAdmitted(spec: ContainerSpec, policy: 'diff' | 'replace', dryRun: boolean): Promise<Admitted<void>> {
    const m = this.machine;
    checkSpecSupported(spec, m.version);
    for (const key of ['virtual_host', 'filesystem'] as const) {
      if (spec[key] !== undefined) throw new LmctfyError(Code.INVALID_ARGUMENT, `update of ${this.name}: ${key} is set at create and cannot change`);
    }
    return orGone(m, this.name, `update ${this.name}`, (found) => withLock(this.lockScope(), this.name, async () => {
      found.seen = this.ensureExists();
      const h = handleFor(m, this.name);
      const isolated = isolatedKeys(h);
      const named = specKeys(spec);
      for (const key of named) {
        if (!isolated.has(key)) {
          throw new LmctfyError(Code.INVALID_ARGUMENT, `update of ${this.name}: it does not isolate "${key}"; only ${[...isolated].join(', ') || 'nothing'} can be updated`);
        }
      }
      if (policy === 'replace') {
        const missing = [...isolated].filter((k) => !named.includes(k) && k !== 'pids');
        if (missing.length) {
          throw new LmctfyError(Code.INVALID_ARGUMENT, `update replace of ${this.name}: the spec must name every isolated resource; missing ${missing.join(', ')}`);
        }
      }
      const wanted = spec.cpu?.scheduling_latency;
      if (wanted !== undefined) {
        // `cpu` is isolated (checked above), so only its settings need reading.
        const current = h.resources.cpu.read(h)?.cpu?.scheduling_latency ?? 'NORMAL';
        if (current !== wanted) {
          throw new LmctfyError(Code.INVALID_ARGUMENT, `update of ${this.name}: cpu.scheduling_latency cannot change (is ${current}, asked ${wanted})`);
        }
      }
      const shape = planLimitsUpdate(this.lockScope(), this.name, spec.network, policy);
      const next = () => specAfterUpdate(m, this.name, spec, policy);
      const admitted = await admit(m, `update ${this.name}`, this.name, spec, next, dryRun, () => {
        // checkSpecSupported validated every resource the spec names before the lock was taken.
        for (const r of resourcesToApply(h.resources, spec, policy === 'replace' ? isolated : undefined)) r.apply(h, spec, policy satisfies UpdatePolicy);
        shape?.();
      });
      if (!dryRun && spec.memory?.eviction_priority !== undefined) refreshOomScore(m, this.name);
      return admitted;
    }));
  }

  /** Moves the given threads into the container (the CLI passes the calling shell by default). */
  enter(tids: number[]): Promise<void> {
    return audited(this.machine, 'enter', this.name, { detail: { tasks: tids.length } }, () => this.enterNow(tids));
  }

  private async enterNow(tids: number[]): Promise<void> {
    this.ensureExists();
    if (isVirtualHost(this.lockScope(), this.name)) checkEnterVirtualHost(this.machine, this.name, tids);
    await this.refuseIfFrozen('enter');
    enterTasks(this.machine, this.name, tids);
    const adj = oomScoreFor(this.machine, this.name);
    if (adj !== undefined) setOomScore(this.machine, tids, adj);
  }

  /**
   * Runs argv inside the container; the child is placed before its first instruction. It
   * resolves once the command is executing: one that cannot be (not found: NOT_FOUND, not
   * executable: PERMISSION_DENIED) is an error, with nothing left running.
   */
  run(argv: string[], opts: RunOptions = {}): Promise<ChildProcess> {
    return audited(this.machine, 'run', this.name, { detail: { command: argv.join(' '), detached: opts.detached ?? false } }, () => this.runNow(argv, opts, spawnInside));
  }

  /**
   * run for a command in the foreground whose caller only needs its pid, signals and exit
   * status (lmctfy run without -n): the same checks, placement and audit record, with the
   * terminal (or stdout and stderr into `output`) inherited, and without child_process and
   * its streams (placement.ts startInside).
   */
  runForeground(argv: string[], opts: Pick<RunOptions, 'env' | 'output'> = {}): Promise<ForegroundCommand> {
    const start = (m: Machine, name: string, o: SpawnOptions) => startInside(m, name, { ...o, detached: false, via: undefined });
    return audited(this.machine, 'run', this.name, { detail: { command: argv.join(' '), detached: false } }, () => this.runNow(argv, opts, start));
  }

  private async runNow<T extends { pid?: number }>(argv: string[], opts: RunOptions, start: (m: Machine, name: string, o: SpawnOptions) => Promise<T>): Promise<T> {
    if (opts.output !== undefined && opts.log) throw new LmctfyError(Code.INVALID_ARGUMENT, 'run: output goes to a file or to the log, not both');
    this.ensureExists();
    await this.refuseIfFrozen('run');
    const adj = oomScoreFor(this.machine, this.name);
    const spawn = async (output?: SpawnOptions['output']) => {
      const child = await start(this.machine, this.name, inContainer(this.machine, this.name, { argv, detached: opts.detached ?? false, env: opts.env, output }));
      // Under a policy, the tier's oom_score_adj (docs/POLICY.md); what the command forked before this write keeps lmctfy's.
      if (adj !== undefined && child.pid !== undefined) setOomScore(this.machine, [child.pid], adj);
      return child;
    };
    if (opts.log) {
      ensureLogDir();
      return spawn({ log: this.logPath(), maxBytes: LOG_MAX_BYTES });
    }
    if (opts.output === undefined) return spawn();
    const { fd, created } = openOutput(opts.output);
    try {
      return await spawn({ fd });
    } catch (e) {
      if (created) fs.rmSync(opts.output, { force: true });
      throw e;
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Runs an interactive command (default: the user's $SHELL, else /bin/sh) inside the
   * container with the terminal handed over; resolves with its exit status. The caller
   * gives up the terminal first (the console suspends its screen and raw mode).
   */
  async shell(argv?: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<number> {
    const child = await this.run(argv ?? defaultShell(opts.env), { env: opts.env });
    return waitInteractive(child);
  }

  /** The file detached commands run with `log` write to (it may not exist yet); removed with the container. */
  logPath(): string {
    return logPath(this.lockScope(), this.name);
  }

  /** Reads the container's log from `offset` (default: its tail); follow it by passing back `next` (run-log.ts). */
  readLog(offset?: number, maxBytes?: number): LogChunk {
    return readLogFile(this.logPath(), offset, maxBytes);
  }

  /** The container's processes (with subcontainers' when recursive), as htop lists them; those that exit while read are left out. */
  processes(opts: ListOptions = {}): ProcessList {
    const pids = this.listProcesses(opts);
    const users = readUsers(this.machine.io);
    const processes: ProcessInfo[] = [];
    for (const pid of pids) {
      const p = readProcess(this.machine.io, pid, users);
      if (p) processes.push(p);
    }
    return { clockTicksPerSecond: clockTicksPerSecond(), processes };
  }

  /**
   * Sends TERM (default), KILL, HUP, INT, USR1 or USR2 to one of the container's processes
   * (with recursive, of its subtree) or to all of them; returns the pids signalled. A pid
   * that is not the container's is NOT_FOUND, another signal INVALID_ARGUMENT.
   */
  signal(target: number | 'all', signal = 'TERM', opts: ListOptions = {}): number[] {
    const detail = { target: String(target), signal, recursive: opts.recursive ?? false };
    return audited(this.machine, 'signal', this.name, { detail }, () => this.signalNow(target, signal, opts));
  }

  private signalNow(target: number | 'all', signal: string, opts: ListOptions): number[] {
    const sig = signalName(signal);
    const pids = this.listProcesses(opts);
    if (target === 'all') {
      const sent: number[] = [];
      for (const pid of pids) {
        try {
          this.machine.io.kill(pid, sig);
          sent.push(pid);
        } catch (e) {
          if (!isLmctfyError(e, Code.NOT_FOUND)) throw e;
        }
      }
      return sent;
    }
    if (!pids.includes(target)) {
      throw new LmctfyError(Code.NOT_FOUND, `process ${target} is not in container ${this.name}${opts.recursive ? ' or its subcontainers' : ''}`);
    }
    try {
      this.machine.io.kill(target, sig);
    } catch (e) {
      if (isLmctfyError(e, Code.NOT_FOUND)) throw new LmctfyError(Code.NOT_FOUND, `process ${target} of ${this.name} has exited`, { cause: e });
      throw e;
    }
    return [target];
  }

  /** Running into a frozen container would hang the caller: refuse instead (docs/RELIABILITY.md 7). */
  private async refuseIfFrozen(what: string): Promise<void> {
    const state = freezerState(handleFor(this.machine, this.name));
    if (state === 'THAWED') return;
    // Name the container that was paused: the nearest one frozen on its own.
    let culprit = this.name;
    for (let n: string | undefined = this.name; n !== undefined; n = parentName(n)) {
      if (selfFreezing(handleFor(this.machine, n))) {
        culprit = n;
        break;
      }
    }
    const who = culprit === this.name ? 'it' : `its ancestor ${culprit}`;
    throw new LmctfyError(Code.FAILED_PRECONDITION, `cannot ${what} ${this.name}: ${who} is ${state}; resume it first`);
  }

  listSubcontainers(opts: ListOptions = {}): string[] {
    this.ensureExists();
    return listSubcontainers(this.machine, this.name, opts.recursive ?? false);
  }

  listProcesses(opts: ListOptions = {}): number[] {
    this.ensureExists();
    return listTasks(this.machine, this.name, 'pids', opts.recursive ?? false);
  }

  listThreads(opts: ListOptions = {}): number[] {
    this.ensureExists();
    return listTasks(this.machine, this.name, 'tids', opts.recursive ?? false);
  }

  state(): FreezerState {
    this.ensureExists();
    return freezerState(handleFor(this.machine, this.name));
  }

  /** The container's lock around `op`, which finds the container there first; journalled as `what`. */
  private locked(what: string, op: () => Promise<void>): Promise<void> {
    return audited(this.machine, what, this.name, {}, () => this.lockedNow(what, op));
  }

  private lockedNow(what: string, op: () => Promise<void>): Promise<void> {
    return orGone(this.machine, this.name, `${what} ${this.name}`, (found) =>
      withLock(this.lockScope(), this.name, async () => {
        found.seen = this.ensureExists();
        await op();
      }),
    );
  }

  pause(): Promise<void> {
    return this.locked('pause', () => freeze(handleFor(this.machine, this.name)));
  }

  resume(): Promise<void> {
    return this.locked('resume', () => thaw(handleFor(this.machine, this.name)));
  }

  /** SIGKILLs every process then stray thread of this container (not its subcontainers). */
  killAll(): Promise<void> {
    return this.locked('killall', async () => {
      const h = handleFor(this.machine, this.name);
      const wasFrozen = freezerState(h) !== 'THAWED';
      await killTasks(this.machine, this.name, false);
      if (wasFrozen) await freeze(h);
    });
  }

  /**
   * Calls back on an OOM, a memory-usage threshold crossing or the container emptying
   * (EventSpec); returns an id for unregisterNotification. Await notificationArmed(id)
   * before provoking the event: the kernel registration completes asynchronously.
   */
  registerNotification(spec: EventSpec, callback: NotificationCallback): number {
    return notificationHub(this.machine).register(this.name, spec, callback);
  }

  notificationArmed(id: number): Promise<void> {
    return notificationHub(this.machine).armed(id);
  }

  /** An id that is not registered is INVALID_ARGUMENT. */
  unregisterNotification(id: number): void {
    notificationHub(this.machine).unregister(id);
  }

  /** Raw kernel counters of this container; a file that does not exist is an absent field. */
  stats(type: StatsType = 'full'): ContainerStats {
    this.ensureExists();
    const stats = readStats(handleFor(this.machine, this.name), type);
    const network = readNetworkStats(this.lockScope(), this.name);
    if (network) stats.network = network;
    // The tier alone, not the whole spec: the ledger and the cpu group (tier.ts).
    const tier = containerTier(this.machine, this.name);
    if (tier) stats.tier = tier;
    return stats;
  }
}

/** Opens (appending, creating) the file a run's output goes to; says whether it was made now, so a failed run can remove it. */
function openOutput(file: string): { fd: number; created: boolean } {
  const created = !fs.existsSync(file);
  try {
    return { fd: fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND, 0o644), created };
  } catch (e) {
    throw kernelError('open output file', file, e);
  }
}

/** Every resource's counters for one container, merged; hierarchies it lacks are skipped. */
export function readStats(h: CgroupHandle, type: StatsType, prev?: ContainerStats, skip?: ReadonlySet<V1Controller>): ContainerStats {
  return fromEachResource(h, (r) => r.stats(h, type, prev), skip) as ContainerStats;
}

/** One fragment from each resource the container has (v1: a dir in its hierarchy) and `skip` leaves out, merged. */
function fromEachResource(h: CgroupHandle, fragment: (r: Resource, h: CgroupHandle) => object | undefined, skip?: ReadonlySet<V1Controller>): Record<string, unknown> {
  const fragments: object[] = [];
  for (const r of h.resources.all) {
    if (skip?.has(r.controller) || h.dir(r.controller) === undefined) continue;
    const f = fragment(r, h);
    if (f) fragments.push(f);
  }
  return mergeFragments(fragments);
}
