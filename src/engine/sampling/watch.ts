import * as path from 'node:path';
import { unlessNotFound } from '../errors.js';
import type { KernelIo } from '../kernel/io.js';
import type { V1Controller } from '../kernel/layout.js';
import type { Machine } from '../kernel/machine.js';
import { parentName } from '../names.js';
import type { Heard } from './reading.js';
import { FREEZE_FILES, TreeWatch, watchBudget, type Changes, type WatchDir } from './tree-watch.js';

/** v1 hierarchies whose settings a counters pass shows (settings.ts). */
const SETTINGS_HIERARCHIES: readonly V1Controller[] = ['cpu', 'memory', 'pids'];

/** The system's per-user inotify watch limit; Infinity where it cannot be read. */
function maxUserWatches(io: KernelIo): number {
  const text = unlessNotFound(() => io.readFile('/proc/sys/fs/inotify/max_user_watches'));
  const n = Number(text?.trim());
  return Number.isInteger(n) && n > 0 ? n : Infinity;
}

/**
 * The sampled tree's watches in the machine's terms: which directories of a container to
 * watch, which above the walk's root, and what the events since the last pass said, by
 * container. TreeWatch holds the watches themselves.
 */
export class TreeEvents implements Heard {
  private readonly watch: TreeWatch;
  private changes: Changes;

  constructor(
    private readonly m: Machine,
    watchDir: WatchDir | undefined,
    budget: number | undefined,
  ) {
    this.watch = new TreeWatch(watchDir, budget ?? watchBudget(maxUserWatches(m.io)));
    this.changes = this.watch.take();
  }

  /** False once watching failed (the watch budget or limit): the sampler polls from then on. */
  get active(): boolean {
    return !this.watch.failed;
  }

  /** Watches a container's tracking directory and the other directories its settings live in. */
  add(name: string, controllers: ReadonlySet<V1Controller>): void {
    const tracking = this.m.trackingDir(name);
    const settings = new Set(SETTINGS_HIERARCHIES.filter((c) => controllers.has(c)).flatMap((c) => this.m.dirOf(name, c) ?? []));
    settings.delete(tracking);
    // Where its CPU time is counted (v1 cpuacct; v2 the tracking dir): still.ts relies on hearing a task join there.
    const cpuTime = controllers.has('cpuacct') ? this.m.dirOf(name, 'cpuacct') : undefined;
    this.watch.add(name, { tracking, settings: [...settings], cpuTime: cpuTime === tracking || (cpuTime && settings.has(cpuTime)) ? undefined : cpuTime });
  }

  remove(name: string): void {
    this.watch.remove(name);
  }

  /** Watches above a new walk root: its parent, then as far up as they have a freezer. */
  watchAbove(root: string): void {
    const parent = path.dirname(this.m.trackingDir(root));
    const dirs = [parent];
    for (let d = path.dirname(parent); d !== '/' && this.hasFreezer(d); d = path.dirname(d)) dirs.push(d);
    this.watch.watchAbove(dirs, { name: root, entry: path.basename(this.m.trackingDir(root)) });
  }

  private hasFreezer(dir: string): boolean {
    return FREEZE_FILES.some((f) => this.m.io.exists(`${dir}/${f}`));
  }

  /** Starts a pass: what changed since the previous one. Returns the containers whose children changed. */
  take(): Set<string> {
    this.changes = this.watch.take();
    return this.changes.structure;
  }

  settingsWritten(name: string): boolean {
    return this.changes.settings.has(name);
  }

  joined(name: string): boolean {
    return this.changes.joined.has(name);
  }

  /** Whether the container or an ancestor had its freezer state written since the last pass. */
  freezerWritten(name: string): boolean {
    if (this.changes.freezerAbove) return true;
    if (this.changes.freezer.size === 0) return false;
    for (let n: string | undefined = name; n !== undefined; n = parentName(n)) if (this.changes.freezer.has(n)) return true;
    return false;
  }

  close(): void {
    this.watch.close();
  }
}
