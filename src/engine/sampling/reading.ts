import type { ContainerStats } from '../../messages/types.js';
import type { StatsType } from '../resources/types.js';
import { addThrottling, readCounters } from './counters.js';
import { readSettings, showSettings, type Settings } from './settings.js';
import type { ContainerReading, VirtualHostInfo } from './types.js';
import type { Member } from './tree.js';

/**
 * Polling, settings (limits) are re-read every this many passes per container, staggered;
 * watching or not, so are the counters a pass carries over (memory.stat).
 */
export const SETTINGS_EVERY = 5;

/** What a container's readings carry from pass to pass. */
export interface ReadingState {
  /** Pass at which `settings` were read; undefined before the first read. */
  settingsPass?: number;
  settings?: Settings;
  /** The last pass's counters, for what a resource may carry over (memory.stat, settings, the freezer state). */
  last?: ContainerStats;
  /** What a virtual host is, once settled (network.ts). */
  virtualHost?: VirtualHostInfo;
  /** Cumulative CPU time at the last stillness check, and the last pass that found it still (still.ts). */
  cpuUsage?: number;
  stillPass?: number;
  /** The last pass that checked it, and the last in which its CPU time stood still (still.ts). */
  visitedPass?: number;
  cpuStillPass?: number;
  /** The last pass whose sum check proved its children still (still.ts, checkKids). */
  sumPass?: number;
  /** Its CPU time as its parent's sum check read it, and in which pass. */
  sumRead?: number;
  sumReadPass?: number;
  /** The container held no task when last asked, and none can have joined since (still.ts); undefined: to ask. */
  unpopulated?: boolean;
  /** Its CPU time when that was asked. */
  askedAt?: number;
}

/** What the events since the last pass say about a container (watch.ts). */
export interface Heard {
  settingsWritten(name: string): boolean;
  /**
   * A task may have joined the container since the last pass: a write to a task list of
   * its tracking or CPU-time directory, anything else there (a child made, the counter
   * written), v2's cgroup.events, or a watch error.
   */
  joined(name: string): boolean;
  freezerWritten(name: string): boolean;
}

/** The pass a container is read in. */
export interface Pass {
  /** Counts from 1, one per walk. */
  number: number;
  type: StatsType;
  /** While watching: what the events said. Polling: undefined. */
  heard?: Heard;
  /** This container is re-validated this pass (watching): read everything afresh. */
  validating: boolean;
  /** Whether the container still exists (its tracking directory). */
  exists(name: string): boolean;
}

/**
 * One container's stats and limits in one pass, reading only what the schedule says may
 * have changed. Watching, any pass re-reads settings and the freezer state only after
 * events said they were written, or on re-validation, and is given its previous reading to
 * carry them (and what moves only with CPU time, resources/v1/cpuacct.ts) from. Polling, a
 * counters pass re-reads settings and carried-over counters every SETTINGS_EVERY passes
 * (staggered by cgroup id); summary, full and export passes read everything. Undefined when
 * the container is gone.
 */
export function readContainer(name: string, k: Member, pass: Pass): ContainerReading | undefined {
  const h = k.handle;
  const r = k.reading;
  const counters = pass.type === 'counters';
  const heard = pass.heard;
  // Carried-over counters (memory.stat) are refreshed on this schedule, watching or not.
  const refresh = r.settingsPass === undefined || (pass.number + k.id) % SETTINGS_EVERY === 0;
  const due = heard ? r.settingsPass === undefined || pass.validating || heard.settingsWritten(name) : !counters || refresh;
  // While watching, a thawed container's state changes only by a write to its (or an ancestor's) freezer.
  const lastFreezer = r.last?.freezer;
  const keepFreezer = heard && lastFreezer?.state === 'THAWED' && !pass.validating && !heard.freezerWritten(name) ? lastFreezer : undefined;
  // Only counters passes carry counters on the refresh schedule (memory.stat): the others carry settings and exact figures.
  const stats = readCounters(h, pass.type, due || (counters && refresh) ? undefined : r.last, keepFreezer);
  r.last = stats;
  // Missing files read as absent fields: a container gone by now drops out instead. A
  // live container always has CPU usage, so only its absence needs the extra check.
  if (!stats.cpu?.usage && !pass.exists(name)) return undefined;
  if (due) {
    r.settings = readSettings(h, counters);
    r.settingsPass = pass.number;
  }
  const settings = r.settings!;
  if (counters && settings.cpuMaxMilli !== undefined) addThrottling(h, stats);
  return { stats, limits: showSettings(stats, settings, counters) };
}
