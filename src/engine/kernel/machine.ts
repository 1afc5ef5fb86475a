import * as path from 'node:path';
import { Code, LmctfyError } from '../errors.js';
import type { KernelIo } from './io.js';
import {
  V1_CONTROLLERS,
  defaultVersion,
  ownCgroupsFrom,
  readLayout,
  type CgroupLayout,
  type CgroupVersion,
  type V1Controller,
} from './layout.js';

export interface MachineOptions {
  io: KernelIo;
  /** `--root`: absolute = that cgroup in every hierarchy; relative = below the caller's own cgroup. */
  root?: string;
  /** Force a backend; default v2 only on a pure cgroup2 machine. */
  version?: CgroupVersion;
  /** Pid whose cgroups anchor a relative root (default: this process). */
  pid?: number | 'self';
  /** Preloaded layout (tests). */
  layout?: CgroupLayout;
  procCgroupText?: string;
}

/**
 * The resolved view of the kernel lmctfy works in: which backend, and where lmctfy's
 * root (`/`) is in every hierarchy. Everything above this root is off limits.
 */
export class Machine {
  readonly io: KernelIo;
  readonly layout: CgroupLayout;
  readonly version: CgroupVersion;
  /** v1: controller → kernel dir of lmctfy's `/`. v2: unused. */
  readonly rootDirs: Map<V1Controller, string>;
  /** v2: kernel dir of lmctfy's `/`. */
  readonly unifiedRoot?: string;
  /** The caller's own cgroup dirs, to find the caller's container. */
  readonly ownDirs: Map<V1Controller | 'unified', string>;
  readonly rootSpec: string;

  constructor(opts: MachineOptions) {
    this.io = opts.io;
    this.layout = opts.layout ?? readLayout(opts.io);
    this.version = opts.version ?? defaultVersion(this.layout);
    this.rootSpec = opts.root ?? '/';
    validateRootSpec(this.rootSpec);
    const own = ownCgroupsFrom(this.layout, opts.procCgroupText ?? opts.io.readFile(`/proc/${opts.pid ?? 'self'}/cgroup`));
    this.ownDirs = new Map<V1Controller | 'unified', string>(own.v1);
    if (own.unified) this.ownDirs.set('unified', own.unified);
    this.rootDirs = new Map();
    if (this.version === 2) {
      const u = this.layout.unified;
      if (!u) throw new LmctfyError(Code.FAILED_PRECONDITION, 'cgroup v2 was requested but no cgroup2 filesystem is mounted');
      this.unifiedRoot = this.anchor(u.mountPoint, own.unified);
    } else {
      for (const c of V1_CONTROLLERS) {
        const h = this.layout.v1.get(c);
        if (h) this.rootDirs.set(c, this.anchor(h.mountPoint, own.v1.get(c)));
      }
      if (!this.rootDirs.has('freezer')) {
        throw new LmctfyError(Code.FAILED_PRECONDITION, 'the cgroup v1 freezer hierarchy is not mounted; lmctfy tracks containers with it (run `lmctfy init`)');
      }
    }
  }

  private anchor(mountPoint: string, ownDir: string | undefined): string {
    const dir = path.posix.join(this.rootSpec.startsWith('/') ? mountPoint : (ownDir ?? mountPoint), this.rootSpec);
    return dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir;
  }

  /** Controllers lmctfy can use on this backend (v2: all names map to the one unified dir). */
  controllers(): V1Controller[] {
    return this.version === 2 ? [...V1_CONTROLLERS] : [...this.rootDirs.keys()];
  }

  /** Kernel directory of a container name in a hierarchy (v2: the unified dir). */
  dirOf(name: string, controller: V1Controller): string | undefined {
    const base = this.version === 2 ? this.unifiedRoot : this.rootDirs.get(controller);
    if (base === undefined) return undefined;
    return name === '/' ? base : base + name;
  }

  /** The directory that says whether a container exists: freezer on v1, the unified dir on v2. */
  trackingDir(name: string): string {
    return this.dirOf(name, 'freezer')!;
  }

  rootExists(): boolean {
    return this.io.exists(this.trackingDir('/'));
  }

  /**
   * lmctfy name of a kernel cgroup dir of a pid in the tracking hierarchy, or undefined
   * when it lies outside lmctfy's root.
   */
  nameOfDir(dir: string): string | undefined {
    const root = this.trackingDir('/');
    if (dir === root) return '/';
    if (dir.startsWith(root + '/')) return dir.slice(root.length);
    return undefined;
  }

  /** The caller's own container: its cgroup below the root, or `/` when outside it. */
  ownContainer(): string {
    return this.containerOfDir(this.ownDirs.get(this.version === 2 ? 'unified' : 'freezer'));
  }

  /** Container of the process whose /proc/<pid>/cgroup this is; undefined when outside the root. */
  containerOf(procCgroupText: string): string | undefined {
    const dirs = ownCgroupsFrom(this.layout, procCgroupText);
    const dir = this.version === 2 ? dirs.unified : dirs.v1.get('freezer');
    return dir === undefined ? undefined : this.nameOfDir(dir);
  }

  private containerOfDir(trackingDir: string | undefined): string {
    return (trackingDir && this.nameOfDir(trackingDir)) ?? '/';
  }
}

/** `--root` must be a clean path of ordinary names: it never climbs out of where it points. */
export function validateRootSpec(root: string): void {
  if (root === '' || root === '/') return;
  const parts = root.split('/').filter((p) => p !== '');
  const bad = parts.find((p) => p === '.' || p === '..' || !/^[a-zA-Z0-9_\-.]+$/.test(p));
  if (bad !== undefined || root.includes('\0')) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `invalid --root "${root}": components must be plain names (no "..", ".", or special characters)`);
  }
}
