import * as fs from 'node:fs';
import { errnoOf } from '../kernel/errno.js';

/** Watches one directory; `file` is the entry the event is about (null: a watch error, which stands for anything). */
export type WatchDir = (dir: string, onEvent: (kind: string, file: string | null) => void) => { close(): void };

/** inotify through fs.watch. Watchers never keep the process alive, and an error reads as a change of the directory. */
export const fsWatchDir: WatchDir = (dir, onEvent) => {
  const w = fs.watch(dir, { persistent: false }, (kind, file) => onEvent(kind, file));
  w.on('error', () => onEvent('rename', null));
  return w;
};

/** The file a cgroup is frozen or thawed through: v1's freezer.state, v2's cgroup.freeze (a dir has one or none). */
export const FREEZE_FILES = ['freezer.state', 'cgroup.freeze'] as const;
/** The files whose writes change a container's freezer state (and v2's cgroup.events, which the kernel updates). */
const FREEZER_FILES = new Set<string>([...FREEZE_FILES, 'cgroup.events']);
/** Files the kernel itself notifies as it counts (v2 memory.events, pids.events, …): no setting changed. */
const KERNEL_NOTIFIED = /\.events(\.local)?$/;
const isSetting = (file: string | null) => file === null || !KERNEL_NOTIFIED.test(file);
/** Files whose events may mean a task joined: writes to the task lists, and v2's cgroup.events (populated). */
const JOIN_FILES = new Set<string>(['tasks', 'cgroup.procs', 'cgroup.threads', 'cgroup.events']);
const mayJoin = (file: string | null) => file === null || JOIN_FILES.has(file);

/**
 * How many inotify watches a sampler may hold under the system's per-user limit
 * (fs.inotify.max_user_watches, shared by every program of that user, systemd's among them):
 * half of it, so that a large tree never starves the rest of the machine.
 */
export function watchBudget(maxUserWatches: number): number {
  return Math.floor(maxUserWatches / 2);
}

/** Where a container's events come from: its dir in the tracking hierarchy, and the other dirs its settings live in. */
export interface WatchedDirs {
  tracking: string;
  settings: string[];
  /**
   * The directory of its CPU time when neither of those (v1 cpuacct): any event there may
   * be a task joining, a child made or the counter written.
   */
  cpuTime?: string;
}

/** What changed since the last take(), by container name. */
export interface Changes {
  /** Containers whose children were made or removed (or whose watch failed), and a root made again. */
  structure: Set<string>;
  /** Containers whose control files were written: a limit may have changed. */
  settings: Set<string>;
  /** Containers whose freezer state was written; their descendants follow it on v1. */
  freezer: Set<string>;
  /** Containers a task may have joined (see Heard.joined). */
  joined: Set<string>;
  /** A freezer above the sampled tree was written: every container's state may have changed. */
  freezerAbove: boolean;
}

const noChanges = (): Changes => ({ structure: new Set(), settings: new Set(), freezer: new Set(), joined: new Set(), freezerAbove: false });

/**
 * inotify on a sampled tree, so that a steady pass neither stats every container nor
 * re-reads settings that nobody wrote. cgroupfs raises an event on the parent for every
 * mkdir and rmdir of a child cgroup (the removed directory's own watchers hear nothing),
 * and on the directory for every write to a control file (through the VFS, which is the
 * only way a limit or a freezer state is set).
 *
 * Events arrive between passes, when the event loop runs, so a change shows at most one
 * pass late. libuv drops inotify's queue-overflow event silently: the sampler covers that by
 * re-validating each container on a slow, staggered schedule. When a watch cannot be added
 * (the inotify watch limit) or the tree needs more than the budget, `failed` is set, every
 * watch is closed, and the sampler goes back to polling.
 */
export class TreeWatch {
  private readonly watchers = new Map<string, Array<{ close(): void }>>();
  /** The directories above the sampled tree: their freezers, and the parent for the root itself. */
  private above: Array<{ close(): void }> = [];
  private changes = noChanges();
  failed = false;

  /** Watches held for containers (the few above the tree are not counted). */
  private held = 0;

  /** `budget`: most watches to hold at once; past it the sampler polls (see watchBudget). */
  constructor(
    private readonly watchDir: WatchDir = fsWatchDir,
    private readonly budget = Infinity,
  ) {}

  /**
   * Starts watching a container's directories. A directory already gone is the container
   * vanishing while it was looked at: its parent's event says so.
   */
  add(name: string, dirs: WatchedDirs): void {
    if (this.failed || this.watchers.has(name)) return;
    if (this.held + 1 + dirs.settings.length + (dirs.cpuTime === undefined ? 0 : 1) > this.budget) return this.fail();
    const ws: Array<{ close(): void }> = [];
    try {
      ws.push(this.watchDir(dirs.tracking, (kind, file) => this.onTracking(name, kind, file)));
      for (const d of dirs.settings) ws.push(this.watchDir(d, (kind, file) => kind === 'change' && isSetting(file) && this.changes.settings.add(name)));
      if (dirs.cpuTime !== undefined) ws.push(this.watchDir(dirs.cpuTime, () => this.changes.joined.add(name)));
    } catch (e) {
      for (const w of ws) w.close();
      if (errnoOf(e) === 'ENOENT') return;
      this.fail();
      return;
    }
    this.watchers.set(name, ws);
    this.held += ws.length;
  }

  private onTracking(name: string, kind: string, file: string | null): void {
    if (mayJoin(file)) this.changes.joined.add(name);
    if (kind !== 'change') this.changes.structure.add(name);
    else if (file !== null && FREEZER_FILES.has(file)) this.changes.freezer.add(name);
    // On v2 the settings live in the tracking directory; on v1 this is tasks or cgroup.procs, harmless to act on.
    else if (isSetting(file)) this.changes.settings.add(name);
  }

  /**
   * Watches the directories above the sampled tree (its root's ancestors in the tracking
   * hierarchy, its parent first) for freezer writes, which a v1 child follows without an
   * event of its own, and the parent for the root itself being removed or made again
   * (cgroupfs tells a directory's watchers nothing when it is removed). Replaces the
   * previous set.
   */
  watchAbove(dirs: string[], root?: { name: string; entry: string }): void {
    for (const w of this.above) w.close();
    this.above = [];
    if (this.failed) return;
    for (const [i, d] of dirs.entries()) {
      try {
        this.above.push(
          this.watchDir(d, (kind, file) => {
            if (kind === 'change') this.changes.freezerAbove ||= file === null || FREEZER_FILES.has(file);
            else if (i === 0 && root && (file === null || file === root.entry)) this.changes.structure.add(root.name);
          }),
        );
      } catch (e) {
        // Failing closes every watch: none is added after it.
        if (errnoOf(e) !== 'ENOENT') return this.fail();
      }
    }
  }

  remove(name: string): void {
    const ws = this.watchers.get(name) ?? [];
    for (const w of ws) w.close();
    this.held -= ws.length;
    this.watchers.delete(name);
  }

  /** What changed since the previous call. */
  take(): Changes {
    const c = this.changes;
    this.changes = noChanges();
    return c;
  }

  close(): void {
    for (const name of [...this.watchers.keys()]) this.remove(name);
    this.watchAbove([]);
  }

  private fail(): void {
    this.failed = true;
    this.close();
  }
}
