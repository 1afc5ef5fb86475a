import * as path from 'node:path';
import { Code, LmctfyError } from '../errors.js';
import type { KernelIo } from './io.js';
import { parseMountinfo, parseProcCgroup, type MountEntry } from './mountinfo.js';

/** The v1 controllers lmctfy manages. */
export const V1_CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'freezer', 'pids', 'blkio', 'devices'] as const;
export type V1Controller = (typeof V1_CONTROLLERS)[number];

export type CgroupMode = 'v1' | 'hybrid' | 'v2';
export type CgroupVersion = 1 | 2;

export interface Hierarchy {
  mountPoint: string;
  /** The mount's root inside the hierarchy, `/` unless bind-mounted or namespaced. */
  mountRoot: string;
  controllers: string[];
}

/** What the machine has mounted: decided once, here; everyone else asks. */
export interface CgroupLayout {
  mode: CgroupMode;
  v1: Map<V1Controller, Hierarchy>;
  unified?: Hierarchy;
}

export function layoutFromMounts(mounts: MountEntry[]): CgroupLayout {
  const v1 = new Map<V1Controller, Hierarchy>();
  let unified: Hierarchy | undefined;
  for (const m of mounts) {
    if (m.fsType === 'cgroup2') {
      unified ??= { mountPoint: m.mountPoint, mountRoot: m.root, controllers: [] };
    } else if (m.fsType === 'cgroup') {
      const controllers = m.superOptions.filter((o) => (V1_CONTROLLERS as readonly string[]).includes(o));
      for (const c of controllers as V1Controller[]) {
        if (!v1.has(c)) v1.set(c, { mountPoint: m.mountPoint, mountRoot: m.root, controllers });
      }
    }
  }
  const mode: CgroupMode = v1.size === 0 ? 'v2' : unified ? 'hybrid' : 'v1';
  if (v1.size === 0 && !unified) {
    throw new LmctfyError(Code.FAILED_PRECONDITION, 'no cgroup filesystem is mounted (see /proc/self/mountinfo); run `lmctfy init` with cgroup_mount');
  }
  return { mode, v1, unified };
}

/** The backend used when nothing is asked: v2 only on a pure cgroup2 machine. */
export function defaultVersion(layout: CgroupLayout): CgroupVersion {
  return layout.mode === 'v2' ? 2 : 1;
}

/**
 * Kernel directory of the calling process's own cgroup in a hierarchy, given its
 * /proc/self/cgroup path. Paths are relative to the mount's root when it is not `/`.
 */
export function ownCgroupDir(h: Hierarchy, procPath: string): string {
  let rel = procPath;
  if (h.mountRoot !== '/' && (rel === h.mountRoot || rel.startsWith(h.mountRoot + '/'))) {
    rel = rel.slice(h.mountRoot.length) || '/';
  }
  return joinDir(h.mountPoint, rel);
}

/**
 * `path.posix.join` without a trailing slash (but `/` stays `/`). Paths already clean (an
 * absolute base, no `.` or `..` component, no doubled slash) are joined as strings: that is
 * what join would give, without its normalizing pass over every character (lock.ts).
 */
export function joinDir(base: string, rel: string): string {
  let dir = rel.startsWith('/') ? base + rel : `${base}/${rel}`;
  if (!base.startsWith('/') || dir.includes('//') || dir.includes('/.')) dir = path.posix.join(base, rel);
  return dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir;
}

export interface OwnCgroups {
  v1: Map<V1Controller, string>;
  unified?: string;
}

export function ownCgroupsFrom(layout: CgroupLayout, procCgroupText: string): OwnCgroups {
  const entries = parseProcCgroup(procCgroupText);
  const v1 = new Map<V1Controller, string>();
  let unified: string | undefined;
  for (const e of entries) {
    if (e.controllers.length === 0 && e.id === 0) {
      if (layout.unified) unified = ownCgroupDir(layout.unified, e.path);
      continue;
    }
    for (const c of e.controllers) {
      const h = layout.v1.get(c as V1Controller);
      if (h) v1.set(c as V1Controller, ownCgroupDir(h, e.path));
    }
  }
  return { v1, unified };
}

/** The file system types layoutFromMounts reads. */
const CGROUP_FS_TYPES: ReadonlySet<string> = new Set(['cgroup', 'cgroup2']);

export function readLayout(io: KernelIo, pid: number | 'self' = 'self'): CgroupLayout {
  return layoutFromMounts(parseMountinfo(io.readFile(`/proc/${pid}/mountinfo`), CGROUP_FS_TYPES));
}
