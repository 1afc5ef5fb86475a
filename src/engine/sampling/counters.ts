import { readStats } from '../container.js';
import type { V1Controller } from '../kernel/layout.js';
import { cpuThrottling } from '../resources/cpu.js';
import type { CgroupHandle, StatsType } from '../resources/types.js';
import type { ContainerStats } from '../../messages/types.js';

const NO_FREEZER: ReadonlySet<V1Controller> = new Set(['freezer']);

/**
 * A container's counters for one pass. `carried` is its previous counters pass, whose costly
 * figures a resource may carry over (memory.stat while usage stands still); `freezer`, when
 * given, is a freezer state known not to have changed, used instead of reading it. An export
 * pass reads no freezer state: the exposition does not print one.
 */
export function readCounters(h: CgroupHandle, type: StatsType, carried?: ContainerStats, freezer?: ContainerStats['freezer']): ContainerStats {
  const stats = readStats(h, type, carried, freezer || type === 'export' ? NO_FREEZER : undefined);
  if (freezer) stats.freezer = freezer;
  return stats;
}

/**
 * Adds the throttling counters a counters pass left out. Only a capped container can be
 * throttled, and where throttling lives apart from the counters (v1's cpu hierarchy) a
 * counters pass skips it: the caller, who knows the cap, asks for it here.
 */
export function addThrottling(h: CgroupHandle, stats: ContainerStats): void {
  if (stats.cpu?.throttling_data) return;
  const t = cpuThrottling(h).cpu?.throttling_data;
  if (t) stats.cpu = { ...stats.cpu, throttling_data: t };
}
