import * as path from 'node:path';
import { Code, LmctfyError } from '../errors.js';
import { V1_CONTROLLERS, type CgroupLayout, type OwnCgroups, type V1Controller } from './layout.js';

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
  /** The caller's dir in the hierarchy that says which container a task is in. */
  trackingDirOf(own: OwnCgroups): string | undefined;
}

/** Anchors `--root` in a hierarchy: absolute from its mount point, relative from the caller's own dir. */
export type Anchor = (mountPoint: string, ownDir: string | undefined) => string;

/** v1: one hierarchy per controller (some may share a mount); freezer tracks containers. */
export function v1Hierarchies(layout: CgroupLayout, own: OwnCgroups, anchor: Anchor): Hierarchies {
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
    trackingDirOf: (o) => o.v1.get('freezer'),
  };
}

/** v2: one unified directory per container serves every controller. */
export function unifiedHierarchy(layout: CgroupLayout, own: OwnCgroups, anchor: Anchor): Hierarchies {
  const u = layout.unified;
  if (!u) throw new LmctfyError(Code.FAILED_PRECONDITION, 'cgroup v2 was requested but no cgroup2 filesystem is mounted');
  const root = anchor(u.mountPoint, own.unified);
  return {
    controllers: () => [...V1_CONTROLLERS],
    rootDir: () => root,
    presentDir: (dir) => dir,
    threadsFile: 'cgroup.threads',
    trackingDirOf: (o) => o.unified,
  };
}

/** `path.join` without a trailing slash (but `/` stays `/`). */
export function joinDir(base: string, rel: string): string {
  const dir = path.posix.join(base, rel);
  return dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir;
}
