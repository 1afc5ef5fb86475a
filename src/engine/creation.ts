/**
 * Making a container: ContainerApi's create and checkCreate, and what the CLI's `create`
 * bundle calls in their stead. Apart from ContainerApi and the Container class so that this
 * bundle holds neither (their other operations: notifications, processes, placement,
 * teardown, policy reports), which it read and deserialised at every start unrun
 * (BENCHMARKS.md section 5).
 */
import * as path from 'node:path';
import { Code, LmctfyError } from './errors.js';
import { realIo, type KernelIo } from './kernel/io.js';
import { Machine } from './kernel/machine.js';
import type { CgroupVersion, V1Controller } from './kernel/layout.js';
import { orGone } from './gone.js';
import { handleFor, handleWith } from './handle.js';
import { withLock } from './lock.js';
import { auditedWithSpec } from './audit.js';
import { parentName, resolveName } from './names.js';
import { resourcesFor } from './resources/index.js';
import { prepareCpuset } from './resources/cpuset.js';
import { checkSpecSupported } from './spec-rules.js';
import { prepareVirtualHost, startVirtualHost } from './vhost/index.js';
import { withCpus } from './cpu-pool.js';
import { admit, type Admitted } from './admission.js';
import type { ContainerSpec } from '../messages/types.js';

export interface ApiOptions {
  /** lmctfy's `/` (docs/INTERFACE.md, "lmctfy's root"). */
  root?: string;
  /** Force cgroup v1 or v2; default: v2 only on a pure cgroup2 machine. */
  version?: CgroupVersion;
  io?: KernelIo;
}

/** lmctfy's machine on an existing root; FAILED_PRECONDITION telling to run init otherwise. */
export function openMachine(opts: ApiOptions = {}): Machine {
  const machine = new Machine({ io: opts.io ?? realIo, root: opts.root, version: opts.version });
  if (!machine.rootExists()) {
    throw new LmctfyError(Code.FAILED_PRECONDITION, `lmctfy root ${machine.trackingDir('/')} does not exist; run \`lmctfy init ""\`${opts.root ? ` with --root ${opts.root}` : ''}`);
  }
  return machine;
}

/** The absolute name an operation on `name` is journalled under; the name as given when it does not resolve. */
export function journalName(m: Machine, name: string): string {
  try {
    return resolveName(name, m.ownContainer());
  } catch {
    return name;
  }
}

/**
 * Creates a container isolating only what the spec names (plus lmctfy's tracking
 * hierarchies), journalled. Everything is validated before the first mkdir; a failure midway
 * removes everything made so far (docs/RELIABILITY.md 16). Resolves with what `result` makes
 * of its absolute name.
 */
export function createAudited<T>(m: Machine, name: string, spec: ContainerSpec, result: (abs: string) => T): Promise<T> {
  return auditedWithSpec(m, 'create', journalName(m, name), { spec }, async () => (await createAdmitted(m, name, spec, false, result)).result!);
}

/**
 * create --dry-run: every check create makes, admission included (docs/POLICY.md), and
 * nothing made. Resolves with one line saying what would be admitted; refuses as create would.
 */
export async function checkCreation(m: Machine, name: string, spec: ContainerSpec): Promise<string> {
  return (await createAdmitted(m, name, spec, true, () => undefined)).note;
}

/**
 * Where the kernel will hold a value of a valid `spec` other than the one asked (a memory
 * limit that is not whole pages, a cpu.limit it cannot tell from its neighbours): one
 * note each, for a command to tell its user.
 */
export function heldNotesOf(m: Machine, spec: ContainerSpec): string[] {
  return resourcesFor(m.version).held(spec);
}

async function createAdmitted<T>(m: Machine, name: string, spec: ContainerSpec, dryRun: boolean, result: (abs: string) => T): Promise<Admitted<T>> {
  const abs = resolveName(name, m.ownContainer());
  if (abs === '/') throw new LmctfyError(Code.ALREADY_EXISTS, 'container / always exists');
  checkSpecSupported(spec, m.version);
  const parent = parentName(abs)!;
  const vhost = prepareVirtualHost(spec, abs, parent, m.trackingDir('/'));
  return orGone(m, parent, `create ${abs}`, (found) => withLock(m.trackingDir('/'), abs, () => {
    found.seen = m.io.dirInfo(m.trackingDir(parent))?.inode;
    if (found.seen === undefined) {
      throw new LmctfyError(Code.NOT_FOUND, `cannot create ${abs}: parent container ${parent} does not exist`);
    }
    if (m.io.exists(m.trackingDir(abs))) throw new LmctfyError(Code.ALREADY_EXISTS, `container ${abs} already exists`);
    return admit(m, `create ${abs}`, abs, spec, () => spec, dryRun, async (cpus) => {
      // CPUs of its own (PREMIER under exclusive_cpus) are its cpuset, as if it had asked for them.
      if (cpus !== undefined) spec = withCpus(spec, cpus);
      const made: string[] = [];
      try {
        const resources = resourcesFor(m.version);
        const wanted = resources.all.filter((r) => r.wants(spec)).map((r) => r.controller);
        const delegated = spec.owner !== undefined || spec.owner_group !== undefined;
        const onMade = (c: V1Controller) => {
          if (c === 'cpuset') prepareCpuset(handleFor(m, abs));
        };
        // The hierarchies just made are known: no need to look for them again.
        const h = handleWith(m, abs, m.makeDirs({ name: abs, parent, wanted, delegated, made, onMade }));
        // Only v2 gets here with one: v1 refused it in checkSpecSupported.
        if (spec.children_limit !== undefined) {
          m.io.writeFile(path.posix.join(m.trackingDir(abs), 'cgroup.max.descendants'), spec.children_limit < 0 ? 'max' : String(spec.children_limit));
        }
        for (const r of h.resources.all) if (r.wants(spec)) r.apply(h, spec, 'create');
        if (delegated) delegate(m, made, spec);
        // Last: its helper runs in the cgroups just made, and a failure leaves nothing of it.
        if (vhost) await startVirtualHost(m, abs, spec, vhost);
      } catch (e) {
        for (const d of made.reverse()) tryRmdir(m.io, d);
        throw e;
      }
      return result(abs);
    });
  }));
}

/** A rollback's rmdir (a failed create's, init's): best effort, the error being reported is the original one. */
export function tryRmdir(io: KernelIo, dir: string): void {
  try {
    io.rmdir(dir);
  } catch {
    /* rollback is best effort; the error being reported is the original one */
  }
}

/** Hands the container's dirs and the files a delegate writes to owner/owner_group (docs/RELIABILITY.md 24). */
function delegate(m: Machine, dirs: string[], spec: ContainerSpec): void {
  const uid = spec.owner ?? -1;
  const gid = spec.owner_group ?? -1;
  // cgroup.event_control (v1): the owner's own notifications (usage thresholds, OOM) on its
  // container, which a daemon run by the owner over its subtree registers.
  const files = ['cgroup.procs', 'tasks', 'cgroup.threads', 'cgroup.subtree_control', 'cgroup.event_control'];
  for (const d of dirs) {
    m.io.chown(d, uid, gid);
    for (const f of files) {
      const p = path.posix.join(d, f);
      if (m.io.exists(p)) m.io.chown(p, uid, gid);
    }
  }
}
