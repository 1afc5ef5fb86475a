import type { ChildProcess } from 'node:child_process';
import { Code, LmctfyError } from './errors.js';
import type { Machine } from './kernel/machine.js';
import type { V1Controller } from './kernel/layout.js';
import { handleFor } from './handle.js';
import { withLock } from './lock.js';
import { listSubcontainers, listTasks } from './tree.js';
import { enterTasks, spawnInside } from './placement.js';
import { killTasks } from './teardown.js';
import { RESOURCES } from './resources/index.js';
import { cpu } from './resources/cpu.js';
import { freeze, freezerState, selfFreezing, thaw } from './resources/freezer.js';
import type { CgroupHandle, Resource, StatsType, UpdatePolicy } from './resources/types.js';
import { checkSpecSupported, isolatedKeys, mergeFragments, resourcesFor, specKeys } from './spec-rules.js';
import { parentName } from './names.js';
import type { ContainerSpec, ContainerStats, EventSpec, FreezerState } from '../messages/types.js';
import { notificationHub, type NotificationCallback } from './notify/index.js';

export interface ListOptions {
  recursive?: boolean;
}

export interface RunOptions {
  /** Detached: new session, stdio on /dev/null, returns at once (lmctfy run -n). */
  detached?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** What an operation tells orGone of its container as it goes. */
export interface Finding {
  /** The container's identity (its tracking dir's inode) when the operation found it there. */
  seen?: number;
  /** The operation itself has begun removing the container: its failures are its own. */
  removing?: boolean;
}

/**
 * A destroy of an ancestor holds another lock than this container's (docs/LOCKING.md), so an
 * operation can lose `name` under it midway and fail on whichever file vanished first
 * (ENOENT, ENODEV, a hierarchy no longer isolated). Once `name` is gone, or gone and made
 * again (a different cgroup), the error is the NOT_FOUND that says so. lmctfy's own
 * NOT_FOUND (it did not exist to begin with) stands, as do errors a vanished file cannot
 * cause, and any error once the operation said it began removing `name`. The operation
 * records what it found in its Finding, from the existence check it makes anyway.
 */
export async function orGone<T>(machine: Machine, name: string, what: string, op: (found: Finding) => Promise<T>): Promise<T> {
  const found: Finding = {};
  try {
    return await op(found);
  } catch (e) {
    if (!(e instanceof LmctfyError) || !VANISHED_FILE.has(e.code) || (e.code === Code.NOT_FOUND && e.errno === undefined) || found.seen === undefined || found.removing) throw e;
    // A destroy removes the tracking dir only after every other one: let one under way on
    // it or an ancestor end (its lock) before looking. One lock at a time: no deadlock.
    for (let n: string | undefined = name; n !== undefined && n !== '/'; n = parentName(n)) {
      const ended = await withLock(machine.trackingDir('/'), n, () => true, SETTLE_MS).catch(() => false);
      if (!ended) break;
    }
    if (machine.io.dirInfo(machine.trackingDir(name))?.inode === found.seen) throw e;
    throw new LmctfyError(Code.NOT_FOUND, `cannot ${what}: container ${name} was destroyed meanwhile`, { cause: e });
  }
}

/** Codes a file vanishing under an operation can surface as (ENOENT, ENODEV, a hierarchy no longer isolated). */
const VANISHED_FILE = new Set([Code.NOT_FOUND, Code.UNIMPLEMENTED, Code.INVALID_ARGUMENT, Code.FAILED_PRECONDITION]);

/** How long a failed operation waits, per lock, for a destroy under way to end (its kill and removal retries take up to 5 s each); past it the original error stands. */
const SETTLE_MS = 11_000;

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
    return fromEachResource(handleFor(this.machine, this.name), (r, h) => r.read(h)) as ContainerSpec;
  }

  /**
   * diff: only the fields set change. replace: unset fields go back to defaults, and the
   * spec must name exactly the resources the container isolates. Everything is checked
   * before the first write.
   */
  async update(spec: ContainerSpec, policy: 'diff' | 'replace'): Promise<void> {
    const m = this.machine;
    checkSpecSupported(spec, m.version);
    await orGone(m, this.name, `update ${this.name}`, (found) => withLock(this.lockScope(), this.name, () => {
      found.seen = this.ensureExists();
      const h = handleFor(m, this.name);
      const isolated = isolatedKeys(m, h);
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
        const current = cpu.read(h)?.cpu?.scheduling_latency ?? 'NORMAL';
        if (current !== wanted) {
          throw new LmctfyError(Code.INVALID_ARGUMENT, `update of ${this.name}: cpu.scheduling_latency cannot change (is ${current}, asked ${wanted})`);
        }
      }
      // checkSpecSupported validated every resource the spec names before the lock was taken.
      for (const r of resourcesFor(spec, policy === 'replace' ? isolated : undefined)) r.apply(h, spec, policy satisfies UpdatePolicy);
    }));
  }

  /** Moves the given threads into the container (the CLI passes the calling shell by default). */
  async enter(tids: number[]): Promise<void> {
    this.ensureExists();
    await this.refuseIfFrozen('enter');
    enterTasks(this.machine, this.name, tids);
  }

  /** Runs argv inside the container; the child is placed before its first instruction. */
  async run(argv: string[], opts: RunOptions = {}): Promise<ChildProcess> {
    this.ensureExists();
    await this.refuseIfFrozen('run');
    return spawnInside(this.machine, this.name, { argv, detached: opts.detached ?? false, env: opts.env });
  }

  /** Running into a frozen container would hang the caller: refuse instead (RELIABILITY 7). */
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

  /** The container's lock around `op`, which finds the container there first. */
  private locked(what: string, op: () => Promise<void>): Promise<void> {
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
    return readStats(handleFor(this.machine, this.name), type);
  }
}

/** Every resource's counters for one container, merged; hierarchies it lacks are skipped. */
export function readStats(h: CgroupHandle, type: StatsType, prev?: ContainerStats, skip?: ReadonlySet<V1Controller>): ContainerStats {
  return fromEachResource(h, (r) => r.stats(h, type, prev), skip) as ContainerStats;
}

/** One fragment from each resource the container has (v1: a dir in its hierarchy) and `skip` leaves out, merged. */
function fromEachResource(h: CgroupHandle, fragment: (r: Resource, h: CgroupHandle) => object | undefined, skip?: ReadonlySet<V1Controller>): Record<string, unknown> {
  const fragments: object[] = [];
  for (const r of RESOURCES) {
    if (skip?.has(r.controller) || (h.version === 1 && h.dir(r.controller) === undefined)) continue;
    const f = fragment(r, h);
    if (f) fragments.push(f);
  }
  return mergeFragments(fragments);
}
