import * as path from 'node:path';
import { Code, LmctfyError, isLmctfyError } from '../errors.js';
import type { KernelIo } from './io.js';
import { V1_CONTROLLERS, type CgroupLayout, type OwnCgroups, type V1Controller } from './layout.js';

/** Hierarchies every container has on v1: freezer tracks it, cpuacct and pids account it. */
export const TRACKING_CONTROLLERS: readonly V1Controller[] = ['freezer', 'cpuacct', 'pids'];

/** The cgroup v2 controller behind each lmctfy controller (undefined: none on v2). */
export const V2_CONTROLLER: Readonly<Record<V1Controller, string | undefined>> = {
  cpu: 'cpu',
  cpuacct: undefined,
  cpuset: 'cpuset',
  memory: 'memory',
  freezer: undefined,
  pids: 'pids',
  blkio: 'io',
  devices: undefined,
};

/** What a create asks of the hierarchies. */
export interface NewDirs {
  /** The new container and its parent, as lmctfy names. */
  name: string;
  parent: string;
  /** Controllers its spec asks for. */
  wanted: readonly V1Controller[];
  /**
   * Made for an owner: on v1 it is made in every hierarchy its parent is in, as systemd's
   * Delegate= does, so its owner's tasks never join a root-owned ancestor in a hierarchy
   * its spec does not name (those keep the kernel's defaults: no limit).
   */
  delegated: boolean;
  /** Each dir made, in order, for rollback. */
  made: string[];
  /** Called right after a controller's own dir is made (a v1 cpuset must be filled before use). */
  onMade(controller: V1Controller): void;
}

/**
 * Where lmctfy's containers live in the mounted hierarchies, for one cgroup version. The
 * Machine picks one of the two when it is built (machine.ts), the way opencontainers/cgroups
 * picks its fs or fs2 manager; nothing else asks which version runs.
 */
export interface Hierarchies {
  /** Controllers lmctfy can use (v2: every name, all in the one unified dir). */
  controllers(): V1Controller[];
  /** Kernel directory of lmctfy's `/` in a controller's hierarchy; undefined when not mounted. */
  rootDir(controller: V1Controller): string | undefined;
  /**
   * The container's dir for a controller when it has one: v1 only where the directory
   * exists (a container isolates only some hierarchies); v2 always, once the container exists.
   */
  presentDir(dir: string, exists: (dir: string) => boolean): string | undefined;
  /** The file listing a cgroup's threads. */
  readonly threadsFile: 'tasks' | 'cgroup.threads';
  /** The file a task id is written into to move a whole process (procs) or one thread (tasks). */
  attachFile(kind: 'procs' | 'tasks'): 'cgroup.procs' | 'tasks';
  /** The file that SIGKILLs a whole cgroup subtree in one write; undefined where the kernel has none. */
  readonly killFile: 'cgroup.kill' | undefined;
  /** The caller's dir in the hierarchy that says which container a task is in. */
  trackingDirOf(own: OwnCgroups): string | undefined;
  /** Makes a new container's dirs; returns the hierarchies it has. */
  makeDirs(req: NewDirs): Set<V1Controller>;
}

function dirIn(root: string, name: string): string {
  return name === '/' ? root : root + name;
}

/** Anchors `--root` in a hierarchy: absolute from its mount point, relative from the caller's own dir. */
export type Anchor = (mountPoint: string, ownDir: string | undefined) => string;

/** v1: one hierarchy per controller (some may share a mount); freezer tracks containers. */
export function v1Hierarchies(io: KernelIo, layout: CgroupLayout, own: OwnCgroups, anchor: Anchor): Hierarchies {
  const roots = new Map<V1Controller, string>();
  for (const c of V1_CONTROLLERS) {
    const h = layout.v1.get(c);
    if (h) roots.set(c, anchor(h.mountPoint, own.v1.get(c)));
  }
  if (!roots.has('freezer')) {
    throw new LmctfyError(Code.FAILED_PRECONDITION, 'the cgroup v1 freezer hierarchy is not mounted; lmctfy tracks containers with it (run `lmctfy init`)');
  }
  return {
    controllers: () => [...roots.keys()],
    rootDir: (c) => roots.get(c),
    presentDir: (dir, exists) => (exists(dir) ? dir : undefined),
    threadsFile: 'tasks',
    attachFile: (kind) => (kind === 'procs' ? 'cgroup.procs' : 'tasks'),
    killFile: undefined,
    trackingDirOf: (o) => o.v1.get('freezer'),
    makeDirs(req) {
      const asked = new Set([...TRACKING_CONTROLLERS, ...req.wanted]);
      const controllers = [...roots.keys()].filter(
        (c) => asked.has(c) || (req.delegated && io.exists(dirIn(roots.get(c)!, req.parent))),
      );
      const seen = new Set<string>();
      // Freezer last: it is the tracking hierarchy, so the container exists only once all are made.
      for (const c of [...controllers.filter((x) => x !== 'freezer'), 'freezer' as const]) {
        const dir = dirIn(roots.get(c)!, req.name);
        if (seen.has(dir)) continue;
        seen.add(dir);
        try {
          io.mkdir(dir);
        } catch (e) {
          if (isLmctfyError(e, Code.NOT_FOUND)) {
            throw new LmctfyError(
              Code.FAILED_PRECONDITION,
              `cannot create ${req.name} isolating ${c}: its parent ${req.parent} does not isolate ${c} (a subcontainer can only isolate what its parent isolates)`,
            );
          }
          throw e;
        }
        req.made.push(dir);
        req.onMade(c);
      }
      return new Set(controllers);
    },
  };
}

/** v2: one unified directory per container serves every controller. */
export function unifiedHierarchy(io: KernelIo, layout: CgroupLayout, own: OwnCgroups, anchor: Anchor): Hierarchies {
  const u = layout.unified;
  if (!u) throw new LmctfyError(Code.FAILED_PRECONDITION, 'cgroup v2 was requested but no cgroup2 filesystem is mounted');
  const root = anchor(u.mountPoint, own.unified);
  return {
    controllers: () => [...V1_CONTROLLERS],
    rootDir: () => root,
    presentDir: (dir) => dir,
    threadsFile: 'cgroup.threads',
    // A v2 cgroup moves whole processes only (threads only inside a threaded subtree).
    attachFile: () => 'cgroup.procs',
    killFile: 'cgroup.kill',
    trackingDirOf: (o) => o.unified,
    /** Enables the controllers the spec needs in the parent's subtree_control, then makes the one dir. */
    makeDirs(req) {
      const parentDir = dirIn(root, req.parent);
      const needed = new Set(req.wanted.map((c) => V2_CONTROLLER[c]).filter((c): c is string => c !== undefined));
      if (needed.size) {
        const available = io.readFile(path.posix.join(parentDir, 'cgroup.controllers')).split(/\s+/);
        const enabled = new Set(io.readFile(path.posix.join(parentDir, 'cgroup.subtree_control')).split(/\s+/));
        for (const c of needed) {
          if (enabled.has(c)) continue;
          if (!available.includes(c)) {
            throw new LmctfyError(Code.UNIMPLEMENTED, `cannot create ${req.name}: cgroup v2 controller "${c}" is not available in ${parentDir}/cgroup.controllers`);
          }
          io.writeFile(path.posix.join(parentDir, 'cgroup.subtree_control'), `+${c}`);
        }
      }
      const dir = dirIn(root, req.name);
      io.mkdir(dir);
      req.made.push(dir);
      return new Set(V1_CONTROLLERS);
    },
  };
}
