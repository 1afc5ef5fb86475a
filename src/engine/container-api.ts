import * as path from 'node:path';
import { Code, LmctfyError, isLmctfyError } from './errors.js';
import { realIo, type KernelIo } from './kernel/io.js';
import { Machine } from './kernel/machine.js';
import { Container } from './container.js';
import { orGone } from './gone.js';
import { withLock } from './lock.js';
import { audited, auditedWithSpec } from './audit.js';
import { resolveName } from './names.js';
import { resourcesFor } from './resources/index.js';
import { prepareCpuset } from './resources/cpuset.js';
import type { CgroupHandle } from './resources/types.js';
import { killTasks, pruneMirrors, removeSubtree, thawSubtree } from './teardown.js';
import { listTasks } from './tree.js';
import { mountHierarchies } from './kernel/mounts.js';
import { removeVirtualHost } from './vhost/index.js';
import { removeOrigin } from './checkpoint/origin.js';
import { policyReport, release, removePolicy, setPolicy, validatePolicy, type PolicyReport } from './admission.js';
import { checkCreation, createAudited, heldNotesOf, journalName, openMachine, tryRmdir, type ApiOptions } from './creation.js';
import type { ContainerSpec, InitSpec, PolicySpec } from '../messages/types.js';

export type { ApiOptions };

export class ContainerApi {
  private constructor(readonly machine: Machine) {}

  /** Opens lmctfy on an existing root; FAILED_PRECONDITION telling to run init otherwise. */
  static open(opts: ApiOptions = {}): ContainerApi {
    return new ContainerApi(openMachine(opts));
  }

  /**
   * Mounts what InitSpec.cgroup_mount names, then creates a missing delegated root and sets
   * the policy InitSpec.policy names (as `policy set` would, so refused when what the root
   * already holds would not fit). Idempotent; a refusal removes the root it made.
   */
  static async init(spec: InitSpec = {}, opts: ApiOptions = {}): Promise<ContainerApi> {
    if (spec.policy !== undefined) validatePolicy(spec.policy);
    const io = opts.io ?? realIo;
    if (spec.cgroup_mount?.length) mountHierarchies(io, spec.cgroup_mount);
    const machine = new Machine({ io, root: opts.root, version: opts.version });
    const made: string[] = [];
    try {
      // v2 names every controller with the one unified dir: made once, the rest exist.
      for (const c of machine.controllers()) {
        const dir = machine.dirOf('/', c)!;
        mkdirParents(io, dir, made, c === 'cpuset' ? (d) => prepareCpuset(dirHandle(machine, d)) : undefined);
      }
      if (spec.policy !== undefined) await setPolicy(machine, spec.policy, false);
    } catch (e) {
      for (const d of made.reverse()) tryRmdir(io, d);
      throw e;
    }
    return new ContainerApi(machine);
  }

  /** Resolves a user-given name against the caller's own container. */
  resolve(name: string): string {
    return resolveName(name, this.machine.ownContainer());
  }

  exists(name: string): boolean {
    return this.machine.io.exists(this.machine.trackingDir(this.resolve(name)));
  }

  /** Values of a valid `spec` the kernel will hold other than asked, one note each (creation.ts heldNotesOf). */
  heldNotes(spec: ContainerSpec): string[] {
    return heldNotesOf(this.machine, spec);
  }

  get(name: string): Container {
    const abs = this.resolve(name);
    const c = new Container(this.machine, abs);
    if (!c.exists()) throw new LmctfyError(Code.NOT_FOUND, `container ${abs} does not exist`);
    return c;
  }

  /**
   * Creates a container isolating only what the spec names (plus lmctfy's tracking
   * hierarchies). Everything is validated before the first mkdir; a failure midway removes
   * everything made so far (docs/RELIABILITY.md 16).
   */
  create(name: string, spec: ContainerSpec = {}): Promise<Container> {
    return createAudited(this.machine, name, spec, (abs) => new Container(this.machine, abs));
  }

  /**
   * create --dry-run: every check create makes, admission included (docs/POLICY.md), and
   * nothing made. Resolves with one line saying what would be admitted; refuses as create would.
   */
  checkCreate(name: string, spec: ContainerSpec = {}): Promise<string> {
    return checkCreation(this.machine, name, spec);
  }

  /**
   * Without force refuses a container with subcontainers, processes or threads. With force
   * thaws, kills everything below and removes the subtree deepest-first.
   */
  destroy(name: string, opts: { force?: boolean } = {}): Promise<void> {
    return audited(this.machine, 'destroy', journalName(this.machine, name), { detail: { force: opts.force ?? false } }, () => this.destroyNow(name, opts));
  }

  private async destroyNow(name: string, opts: { force?: boolean }): Promise<void> {
    const m = this.machine;
    const abs = this.resolve(name);
    if (abs === '/') throw new LmctfyError(Code.INVALID_ARGUMENT, 'cannot destroy the root container /');
    await orGone(m, abs, `destroy ${abs}`, (found) => withLock(m.trackingDir('/'), abs, async () => {
      const info = m.io.dirInfo(m.trackingDir(abs));
      if (info === undefined) throw new LmctfyError(Code.NOT_FOUND, `container ${abs} does not exist`);
      found.seen = info.inode;
      if (!opts.force) {
        // The link count says whether it has subcontainers; `tasks` holds every thread, so
        // an empty one means no processes either. Lists are read only for the message.
        const subs = info.subdirs;
        const tids = listTasks(m, abs, 'tids', false);
        if (subs > 0 || tids.length > 0) {
          const pids = tids.length ? listTasks(m, abs, 'pids', false) : [];
          const what = [subs && `${subs} subcontainer(s)`, pids.length && `${pids.length} process(es)`, !pids.length && tids.length && `${tids.length} thread(s)`]
            .filter(Boolean)
            .join(', ');
          throw new LmctfyError(Code.FAILED_PRECONDITION, `container ${abs} has ${what}; use destroy -f to kill and remove everything`);
        }
      }
      // From here on the container's failures are this destroy's own.
      found.removing = true;
      if (opts.force) {
        await thawSubtree(m, abs);
        await killTasks(m, abs, true);
      }
      await removeSubtree(m, abs);
      // The PSI mirrors a daemon made go too: with no daemon running, nothing else would take them.
      pruneMirrors(m, abs);
      removeVirtualHost(m.trackingDir('/'), abs);
      removeOrigin(m.trackingDir('/'), abs);
      await release(m, abs);
    }));
  }

  /** The root's machine policy with its budget and per-tier use (docs/POLICY.md); undefined when none is set. */
  policy(): PolicyReport | undefined {
    return policyReport(this.machine);
  }

  /** Sets the root's machine policy; one under which what is admitted would not fit is FAILED_PRECONDITION unless forced. */
  setPolicy(spec: PolicySpec, opts: { force?: boolean } = {}): Promise<PolicyReport> {
    return auditedWithSpec(this.machine, 'policy set', '/', { policy: spec, detail: { force: opts.force ?? false } }, () => setPolicy(this.machine, spec, opts.force ?? false));
  }

  /** Removes the root's machine policy (admission stops); false when none was set. */
  clearPolicy(): Promise<boolean> {
    return audited(this.machine, 'policy clear', '/', {}, () => removePolicy(this.machine));
  }

  /** Container of a pid (default: the caller's parent, i.e. the shell). */
  detect(pid: number = process.ppid): string {
    let text: string;
    try {
      text = this.machine.io.readFile(`/proc/${pid}/cgroup`);
    } catch (e) {
      if (isLmctfyError(e, Code.NOT_FOUND)) throw new LmctfyError(Code.NOT_FOUND, `process ${pid} does not exist`);
      throw e;
    }
    const name = this.machine.containerOf(text);
    if (name === undefined) throw new LmctfyError(Code.NOT_FOUND, `process ${pid} is outside lmctfy's root (${this.machine.trackingDir('/')})`);
    return name;
  }
}

/**
 * A handle on a cpuset dir that is not a container yet (levels of the delegated root made
 * by init): a new v1 cpuset dir starts empty and cannot take tasks (docs/RELIABILITY.md 9).
 */
function dirHandle(m: Machine, dir: string): CgroupHandle {
  return { io: m.io, resources: resourcesFor(m.version), name: '/', dir: (c) => (c === 'cpuset' ? dir : undefined), parentDir: () => path.posix.dirname(dir) };
}

/** mkdir -p that records what it made, for rollback. */
function mkdirParents(io: KernelIo, dir: string, made: string[], onMade?: (dir: string) => void): void {
  if (io.exists(dir)) return;
  mkdirParents(io, path.posix.dirname(dir), made, onMade);
  io.mkdir(dir);
  made.push(dir);
  onMade?.(dir);
}
