import * as fs from 'node:fs';
import { errnoOf } from '../engine/kernel/errno.js';

/** Watches one directory; `file` is the entry the event is about (null: the directory itself). */
export type WatchDir = (dir: string, onEvent: (kind: string, file: string | null) => void) => { close(): void };

/** inotify through fs.watch. Watchers never keep the process alive, and an error reads as a change of the directory. */
export const fsWatchDir: WatchDir = (dir, onEvent) => {
  const w = fs.watch(dir, { persistent: false }, (kind, file) => onEvent(kind, file));
  w.on('error', () => onEvent('rename', null));
  return w;
};

/** The files whose writes change a container's freezer state (v1, and v2's cgroup.events that the kernel updates). */
const FREEZER_FILES = new Set(['freezer.state', 'cgroup.freeze', 'cgroup.events']);

/** Where a container's events come from: its dir in the tracking hierarchy, and the other dirs its settings live in. */
export interface WatchedDirs {
  tracking: string;
  settings: string[];
}

/** What changed since the last take(), by container name. */
export interface Changes {
  /** Containers whose children were made or removed (or whose own directory went). */
  structure: Set<string>;
  /** Containers whose control files were written: a limit may have changed. */
  settings: Set<string>;
  /** Containers whose freezer state was written; their descendants follow it on v1. */
  freezer: Set<string>;
}

/**
 * inotify on a sampled tree, so that a steady pass neither stats every container nor
 * re-reads settings that nobody wrote. cgroupfs raises an event on the parent for every
 * mkdir and rmdir of a child cgroup, and on the directory for every write to a control
 * file (through the VFS, which is the only way a limit or a freezer state is set).
 *
 * Events arrive between passes, when the event loop runs, so a change shows at most one
 * pass late. Two limits the sampler covers by re-validating each container on a slow,
 * staggered schedule: libuv drops inotify's queue-overflow event silently, and the freezer
 * moves from FREEZING to FROZEN without a write. When a watch cannot be added (the inotify
 * watch limit), `failed` is set, every watch is closed, and the sampler goes back to polling.
 */
export class TreeWatch {
  private readonly watchers = new Map<string, Array<{ close(): void }>>();
  private changes: Changes = { structure: new Set(), settings: new Set(), freezer: new Set() };
  failed = false;

  constructor(private readonly watchDir: WatchDir = fsWatchDir) {}

  /**
   * Starts watching a container's directories. A directory already gone is the container
   * vanishing while it was looked at: its parent's event says so.
   */
  add(name: string, dirs: WatchedDirs): void {
    if (this.failed || this.watchers.has(name)) return;
    const ws: Array<{ close(): void }> = [];
    try {
      ws.push(this.watchDir(dirs.tracking, (kind, file) => this.onTracking(name, kind, file)));
      for (const d of dirs.settings) ws.push(this.watchDir(d, (kind) => kind === 'change' && this.changes.settings.add(name)));
    } catch (e) {
      for (const w of ws) w.close();
      if (errnoOf(e) === 'ENOENT') return;
      this.fail();
      return;
    }
    this.watchers.set(name, ws);
  }

  private onTracking(name: string, kind: string, file: string | null): void {
    if (kind !== 'change') this.changes.structure.add(name);
    else if (file !== null && FREEZER_FILES.has(file)) this.changes.freezer.add(name);
    // On v2 the settings live in the tracking directory; on v1 this is tasks or cgroup.procs, harmless to act on.
    else this.changes.settings.add(name);
  }

  /** Marks a container's structure as changed: a re-validation found what an event did not say. */
  markStructure(name: string): void {
    this.changes.structure.add(name);
  }

  remove(name: string): void {
    for (const w of this.watchers.get(name) ?? []) w.close();
    this.watchers.delete(name);
  }

  /** What changed since the previous call. */
  take(): Changes {
    const c = this.changes;
    this.changes = { structure: new Set(), settings: new Set(), freezer: new Set() };
    return c;
  }

  get size(): number {
    return this.watchers.size;
  }

  close(): void {
    for (const name of [...this.watchers.keys()]) this.remove(name);
  }

  private fail(): void {
    this.failed = true;
    this.close();
  }
}
