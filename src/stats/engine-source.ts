import * as path from 'node:path';
import { unlessNotFound } from '../engine/errors.js';
import { ContainerApi, type ApiOptions } from '../engine/container-api.js';
import { CachingIo } from '../engine/kernel/cached-io.js';
import { realIo, type KernelIo } from '../engine/kernel/io.js';
import { readStats } from '../engine/container.js';
import { handleWith, presentControllers } from '../engine/handle.js';
import type { V1Controller } from '../engine/kernel/layout.js';
import { cpu, cpuThrottling } from '../engine/resources/cpu.js';
import { memoryLimit } from '../engine/resources/memory.js';
import { pids } from '../engine/resources/pids.js';
import type { CgroupHandle } from '../engine/resources/types.js';
import { listTasks } from '../engine/tree.js';
import { joinName, parentName } from '../engine/names.js';
import { TreeWatch, watchBudget, type Changes, type WatchDir, type WatchedDirs } from './tree-watch.js';
import type { StatsSource } from './sampler.js';
import type { RawContainerSample } from './model.js';
import type { ContainerStats } from '../messages/types.js';

/** An engine for sampling: cgroup files stay open between passes (see CachingIo). */
export function openSamplingApi(opts: Omit<ApiOptions, 'io'>): ContainerApi {
  return ContainerApi.open({ ...opts, io: new CachingIo(realIo) });
}

/**
 * Polling, settings (limits) are re-read every this many passes per container, staggered;
 * watching or not, so are the counters a pass carries over (memory.stat).
 */
export const SETTINGS_EVERY = 5;
/**
 * With watching, each container is re-validated (identity, children, settings, freezer
 * state) every this many passes, staggered: what an event missed shows within this many.
 */
export const VALIDATE_EVERY = 30;

export interface SourceOptions {
  /**
   * Learn of new, removed and reconfigured containers from inotify between passes (see
   * TreeWatch) instead of statting every container and re-reading settings on a schedule.
   * For samplers that let the event loop run between passes (the console, headless top).
   */
  watch?: boolean | WatchDir;
  /** Passes between a container's re-validations while watching (default VALIDATE_EVERY). */
  validateEvery?: number;
  /** Most inotify watches to hold (default: watchBudget of fs.inotify.max_user_watches). */
  watchBudget?: number;
}

/** The system's per-user inotify watch limit; Infinity where it cannot be read. */
function maxUserWatches(io: KernelIo): number {
  const text = unlessNotFound(() => io.readFile('/proc/sys/fs/inotify/max_user_watches'));
  const n = Number(text?.trim());
  return Number.isInteger(n) && n > 0 ? n : Infinity;
}

interface Known {
  id: number;
  controllers: Set<V1Controller>;
  /** Made once per cgroup: its dirs do not move while it lives. */
  handle: CgroupHandle;
  /** Children's names, sorted. */
  kids: string[];
  /** Pass at which the settings below were read; undefined before the first read. */
  settingsPass?: number;
  limits: RawContainerSample['limits'];
  memoryLimit?: number;
  pidsLimit?: number;
  /** The last counters pass, for what a resource may carry over (memory.stat, the freezer state). */
  last?: ContainerStats;
}

const NO_FREEZER: ReadonlySet<V1Controller> = new Set(['freezer']);
/** v1 hierarchies whose settings a counters pass shows (readSettings below). */
const SETTINGS_HIERARCHIES: readonly V1Controller[] = ['cpu', 'memory', 'pids'];

/**
 * The sampler's view of the live engine: read-only walks and counters. Which hierarchies a
 * container has is learned once per cgroup (keyed by its inode). With type `counters`,
 * limits are read on a slower schedule (every SETTINGS_EVERY passes, staggered across
 * containers) and merged in, so a live pass reads only what changes every second. With
 * `watch`, the tree and the settings come from events, and a steady pass reads only counters.
 */
export function engineStatsSource(api: ContainerApi, opts: SourceOptions = {}): StatsSource {
  const m = api.machine;
  const io = m.io;
  const known = new Map<string, Known>();
  let pass = 0;
  let watch: TreeWatch | undefined;
  /** The walk's answer while watching, rebuilt when the tree changes. */
  let order: Array<{ name: string; id: number }> | undefined;
  let changes: Changes | undefined;
  /** The root the watched tree hangs from. */
  let walkedRoot: string | undefined;
  const validateEvery = opts.validateEvery ?? VALIDATE_EVERY;

  const watching = () => watch !== undefined && !watch.failed;
  const watchedDirs = (name: string, k: Known): WatchedDirs => {
    const tracking = m.trackingDir(name);
    const settings = new Set(SETTINGS_HIERARCHIES.filter((c) => k.controllers.has(c)).flatMap((c) => m.dirOf(name, c) ?? []));
    settings.delete(tracking);
    return { tracking, settings: [...settings] };
  };

  const readSettings = (h: CgroupHandle, k: Known, withLimits: boolean) => {
    const cpuSpec = h.dir('cpu') ? cpu.read(h)?.cpu : undefined;
    const limits: RawContainerSample['limits'] = {};
    if (cpuSpec?.max_limit !== undefined && cpuSpec.max_limit > 0) limits.cpuMaxMilli = cpuSpec.max_limit;
    if (cpuSpec?.limit !== undefined) limits.cpuShareMilli = cpuSpec.limit;
    k.limits = limits;
    // summary and full stats carry the memory and pids limits already.
    if (withLimits) {
      k.memoryLimit = memoryLimit(h);
      k.pidsLimit = h.dir('pids') ? pids.read(h)?.pids?.limit : undefined;
    }
    k.settingsPass = pass;
  };

  /** Forgets a container and everything known below it; its kept-open files close at the end of the pass. */
  const drop = (name: string) => {
    const k = known.get(name);
    if (!k) return;
    for (const kid of k.kids) drop(kid);
    known.delete(name);
    watch?.remove(name);
    if (io instanceof CachingIo) io.forgetDirs([...k.controllers].flatMap((c) => m.dirOf(name, c) ?? []));
    order = undefined;
  };

  /**
   * One stat per container gives its identity and whether it has children: leaves, most of
   * any tree, are never listed (a cgroup dir lists dozens of control files). A full walk
   * (`seen` given) lists every container with children; otherwise only new ones are listed,
   * as the children of known ones come from events. False when the container is not there.
   */
  const visit = (name: string, seen?: Set<string>): boolean => {
    const info = m.io.dirInfo(m.trackingDir(name));
    if (info === undefined) {
      drop(name);
      return false;
    }
    let k = known.get(name);
    // A container first seen while watching is listed whatever its link count: a child
    // made between the stat and the new watch raised no event anyone heard.
    let listAnyway = false;
    if (k === undefined || k.id !== info.inode) {
      if (k) drop(name);
      const controllers = presentControllers(m, name);
      k = { id: info.inode, controllers, handle: handleWith(m, name, controllers), kids: [], limits: {} };
      known.set(name, k);
      watch?.add(name, watchedDirs(name, k));
      listAnyway = watching();
      order = undefined;
    } else if (!seen) return true;
    seen?.add(name);
    const kids = info.subdirs === 0 && !listAnyway ? [] : (unlessNotFound(() => m.io.listDirs(m.trackingDir(name))) ?? []);
    const names = kids.sort().map((c) => joinName(name, c));
    if (names.length !== k.kids.length || names.some((n, i) => n !== k.kids[i])) order = undefined;
    k.kids = names.filter((n) => visit(n, seen));
    return true;
  };

  /**
   * A container whose children changed: list it again, visit who is new or was recreated,
   * forget who went. One made again under its name (the walk's root has no watched parent
   * to say so) is visited afresh.
   */
  const relist = (name: string) => {
    const k = known.get(name);
    if (!k) return;
    if (m.io.dirInfo(m.trackingDir(name))?.inode !== k.id) {
      drop(name);
      visit(name);
      return;
    }
    const listed = unlessNotFound(() => m.io.listDirs(m.trackingDir(name)));
    if (listed === undefined) return drop(name);
    const now = new Set(listed.map((c) => joinName(name, c)));
    for (const kid of k.kids) if (!now.has(kid)) drop(kid);
    // A child removed and made again between passes keeps its name: visit compares inodes.
    k.kids = [...now].sort().filter((n) => visit(n));
    order = undefined;
  };

  const flatten = (root: string) => {
    const out: Array<{ name: string; id: number }> = [];
    const add = (name: string) => {
      const k = known.get(name);
      if (!k) return;
      out.push({ name, id: k.id });
      for (const kid of k.kids) add(kid);
    };
    add(root);
    return out;
  };

  /** Every container from the root down, statting each; whoever was not seen is forgotten. */
  const pollWalk = (root: string) => {
    const seen = new Set<string>();
    visit(root, seen);
    for (const name of [...known.keys()]) if (!seen.has(name)) drop(name);
    return flatten(root);
  };

  /** The tracking directories above the root: its parent, then as far up as they have a freezer. */
  const dirsAbove = (root: string) => {
    const file = m.version === 1 ? 'freezer.state' : 'cgroup.freeze';
    const parent = path.dirname(m.trackingDir(root));
    const out = [parent];
    for (let d = path.dirname(parent); d !== '/' && m.io.exists(`${d}/${file}`); d = path.dirname(d)) out.push(d);
    return out;
  };

  /** Applies the events since the last pass; the first pass, a new root and a vanished one walk in full. */
  const watchWalk = (root: string) => {
    changes = watch!.take();
    if (root !== walkedRoot) {
      watch!.watchAbove(dirsAbove(root), { name: root, entry: path.basename(m.trackingDir(root)) });
      walkedRoot = root;
      order = undefined;
      return pollWalk(root);
    }
    if (!known.has(root)) return pollWalk(root);
    for (const name of changes.structure) relist(name);
    if (!known.has(root)) return [];
    return (order ??= flatten(root));
  };

  /** Whether the container or an ancestor had its freezer state written since the last pass. */
  const freezerWritten = (name: string) => {
    if (changes?.freezerAbove) return true;
    if (!changes || changes.freezer.size === 0) return false;
    for (let n: string | undefined = name; n !== undefined; n = parentName(n)) if (changes.freezer.has(n)) return true;
    return false;
  };

  /**
   * A due container's identity and children, checked against the kernel in case an event
   * was missed. False when it is gone or was made again: it drops out of this pass, and its
   * parent is listed again on the next (the root is walked afresh).
   */
  const validate = (name: string, k: Known): boolean => {
    const info = m.io.dirInfo(m.trackingDir(name));
    if (info?.inode !== k.id) {
      drop(name);
      const parent = parentName(name);
      if (parent !== undefined) watch!.markStructure(parent);
      return false;
    }
    if (info.subdirs !== k.kids.length) watch!.markStructure(name);
    return true;
  };

  return {
    endPass: io instanceof CachingIo ? () => io.endPass() : undefined,
    close: () => watch?.close(),
    walk(root) {
      pass++;
      if (opts.watch && !watch) {
        watch = new TreeWatch(typeof opts.watch === 'function' ? opts.watch : undefined, opts.watchBudget ?? watchBudget(maxUserWatches(io)));
      }
      return watching() ? watchWalk(root) : pollWalk(root);
    },
    read(name, type) {
      const k = known.get(name);
      if (!k) return undefined;
      return unlessNotFound(() => {
        const h = k.handle;
        const counters = type === 'counters';
        const validating = watching() && (pass + k.id) % validateEvery === 0;
        if (validating && !validate(name, k)) return undefined;
        // Settings and the freezer state come from events only on counters passes (the others read them).
        const live = counters && watching();
        // Carried-over counters (memory.stat) are refreshed on this schedule, watching or not.
        const refresh = k.settingsPass === undefined || (pass + k.id) % SETTINGS_EVERY === 0;
        const due = live ? k.settingsPass === undefined || validating || changes!.settings.has(name) : refresh;
        // While watching, a thawed container's state changes only by a write to its (or an ancestor's) freezer.
        const lastFreezer = k.last?.freezer;
        const keepFreezer = live && lastFreezer?.state === 'THAWED' && !validating && !freezerWritten(name);
        const stats = readStats(h, type, counters && !refresh && !due ? k.last : undefined, keepFreezer ? NO_FREEZER : undefined);
        if (keepFreezer) stats.freezer = lastFreezer;
        if (counters) k.last = stats;
        // Missing files read as absent fields: a container gone by now drops out instead. A
        // live container always has CPU usage, so only its absence needs the extra check.
        if (!stats.cpu?.usage && !m.io.exists(m.trackingDir(name))) return undefined;
        if (!counters || due) readSettings(h, k, counters);
        if (counters && m.version === 1 && k.limits.cpuMaxMilli !== undefined) {
          const t = cpuThrottling(h).cpu?.throttling_data;
          if (t) stats.cpu = { ...stats.cpu, throttling_data: t };
        }
        if (counters) {
          if (stats.memory && k.memoryLimit !== undefined) stats.memory.limit = k.memoryLimit;
          if (stats.pids && k.pidsLimit !== undefined) stats.pids.limit = k.pidsLimit;
        }
        const limits = { ...k.limits };
        const mem = stats.memory?.limit;
        if (mem !== undefined && mem >= 0) limits.memoryLimit = mem;
        const pidsLimit = stats.pids?.limit;
        if (pidsLimit !== undefined && pidsLimit >= 0) limits.pidsLimit = pidsLimit;
        return { stats, limits };
      });
    },
    pids(name) {
      return listTasks(m, name, 'pids', false);
    },
  };
}
