import { isDigitAt, isLetterAsciiAt } from '../../messages/text-chars.js';
import { Code, LmctfyError } from '../errors.js';
import { unifiedHierarchy, v1Hierarchies, type Hierarchies, type NewDirs } from './hierarchies.js';
import type { KernelIo } from './io.js';
import { defaultVersion, joinDir, ownCgroupsFrom, readLayout, type CgroupLayout, type CgroupVersion, type OwnCgroups, type V1Controller } from './layout.js';

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
 * root (`/`) is in every hierarchy. Everything above this root is off limits. The cgroup
 * version is decided here, once: `hierarchies` is the v1 or the v2 layout of directories
 * (hierarchies.ts), and resources/index.ts picks the matching controllers from `version`.
 */
export class Machine {
  readonly io: KernelIo;
  readonly layout: CgroupLayout;
  readonly version: CgroupVersion;
  readonly rootSpec: string;
  private readonly hierarchies: Hierarchies;
  /** The caller's own cgroup dirs, to find the caller's container. */
  private readonly own: OwnCgroups;
  /** Where PSI files of lmctfy's root are: the unified root on v2; on v1 its mirror in a mounted cgroup2, if any. */
  private readonly pressureRoot: string | undefined;

  constructor(opts: MachineOptions) {
    this.io = opts.io;
    this.layout = opts.layout ?? readLayout(opts.io);
    this.version = opts.version ?? defaultVersion(this.layout);
    this.rootSpec = opts.root ?? '/';
    validateRootSpec(this.rootSpec);
    this.own = ownCgroupsFrom(this.layout, opts.procCgroupText ?? opts.io.readFile(`/proc/${opts.pid ?? 'self'}/cgroup`));
    const anchor = (mountPoint: string, ownDir: string | undefined) =>
      joinDir(this.rootSpec.startsWith('/') ? mountPoint : (ownDir ?? mountPoint), this.rootSpec);
    const choose = { 1: v1Hierarchies, 2: unifiedHierarchy } as const;
    this.hierarchies = choose[this.version](this.io, this.layout, this.own, anchor);
    const u = this.layout.unified;
    this.pressureRoot = this.version === 2 ? this.trackingDir('/') : u && anchor(u.mountPoint, this.own.unified);
  }

  /**
   * The cgroup2 directory whose memory.pressure is the container's PSI: on v2 the container's
   * own; on v1 a mirror of it in the unified hierarchy, which accounts PSI for every cgroup
   * whatever its controllers (docs/DAEMON.md), so it holds no limits and costs nothing else.
   * Undefined on a v1 machine without a cgroup2 mount.
   */
  pressureDir(name: string): string | undefined {
    if (this.pressureRoot === undefined) return undefined;
    return name === '/' ? this.pressureRoot : this.pressureRoot + name;
  }

  /** Whether pressureDir is a mirror lmctfy keeps beside the container (v1) rather than the container itself (v2). */
  get pressureMirrored(): boolean {
    return this.version === 1 && this.pressureRoot !== undefined;
  }

  /** Controllers lmctfy can use on this backend (v2: all names map to the one unified dir). */
  controllers(): V1Controller[] {
    return this.hierarchies.controllers();
  }

  /** Kernel directory of a container name in a hierarchy (v2: the unified dir). */
  dirOf(name: string, controller: V1Controller): string | undefined {
    const base = this.hierarchies.rootDir(controller);
    if (base === undefined) return undefined;
    return name === '/' ? base : base + name;
  }

  /**
   * The container's dir in a hierarchy if it has one there; `exists` tells whether a
   * directory exists (v1 asks it; on v2 the one dir exists with the container).
   */
  presentDir(name: string, controller: V1Controller, exists: (dir: string) => boolean): string | undefined {
    const d = this.dirOf(name, controller);
    return d === undefined ? undefined : this.hierarchies.presentDir(d, exists);
  }

  /** Makes a new container's dirs in the hierarchies (hierarchies.ts); returns those it has. */
  makeDirs(req: NewDirs): Set<V1Controller> {
    return this.hierarchies.makeDirs(req);
  }

  /** The file listing a cgroup's threads (v1 `tasks`, v2 `cgroup.threads`). */
  get threadsFile(): 'tasks' | 'cgroup.threads' {
    return this.hierarchies.threadsFile;
  }

  attachFile(kind: 'procs' | 'tasks'): 'cgroup.procs' | 'tasks' {
    return this.hierarchies.attachFile(kind);
  }

  get killFile(): 'cgroup.kill' | undefined {
    return this.hierarchies.killFile;
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
    return this.containerOfDir(this.hierarchies.trackingDirOf(this.own));
  }

  /** Container of the process whose /proc/<pid>/cgroup this is; undefined when outside the root. */
  containerOf(procCgroupText: string): string | undefined {
    const dir = this.hierarchies.trackingDirOf(ownCgroupsFrom(this.layout, procCgroupText));
    return dir === undefined ? undefined : this.nameOfDir(dir);
  }

  private containerOfDir(trackingDir: string | undefined): string {
    return (trackingDir && this.nameOfDir(trackingDir)) ?? '/';
  }
}

/**
 * Only `[a-zA-Z0-9_\-.]` in `s`, tested by character code: every command checks its root,
 * and a regular expression run once costs V8 its compile.
 */
function onlyRootChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isLetterAsciiAt(s, i) && !isDigitAt(s, i) && c !== 95 && c !== 45 && c !== 46) return false;
  }
  return true;
}

/** `--root` must be a clean path of ordinary names: it never climbs out of where it points. */
export function validateRootSpec(root: string): void {
  if (root === '' || root === '/') return;
  const parts = root.split('/').filter((p) => p !== '');
  const bad = parts.find((p) => p === '.' || p === '..' || !onlyRootChars(p));
  if (bad !== undefined || root.includes('\0')) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `invalid --root "${root}": components must be plain names (no "..", ".", or special characters)`);
  }
}
