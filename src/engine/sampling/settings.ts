import { memoryLimit } from '../resources/memory.js';
import { pidsLimit } from '../resources/pids.js';
import type { CgroupHandle, CpuSettings } from '../resources/types.js';
import type { ContainerStats } from '../../messages/types.js';
import type { SampleLimits } from './types.js';

/** The settings a sampled container shows, as last read. */
export interface Settings {
  cpuMaxMilli?: number;
  cpuShareMilli?: number;
  cpuIdle?: true;
  cpuKernel?: CpuSettings;
  /** Read only for counters passes: summary, full and export stats carry the memory and pids limits already. */
  memoryLimit?: number;
  pidsLimit?: number;
}

type CpuLimits = Pick<Settings, 'cpuMaxMilli' | 'cpuShareMilli' | 'cpuIdle' | 'cpuKernel'>;

/**
 * CPU cap (max_limit, when one is set) and shares (limit), in milli-CPUs, or an idle group;
 * and the raw quota, period and shares the exports name, from the same reads.
 */
function readCpuLimits(h: CgroupHandle): CpuLimits {
  if (!h.dir('cpu')) return {};
  const { spec, kernel } = h.resources.cpu.settings(h);
  const out: CpuLimits = { cpuKernel: kernel };
  if (spec?.max_limit !== undefined && spec.max_limit > 0) out.cpuMaxMilli = spec.max_limit;
  if (spec?.limit !== undefined) out.cpuShareMilli = spec.limit;
  if (spec?.scheduling_latency === 'BEST_EFFORT') out.cpuIdle = true;
  return out;
}

/** The settings a pass shows; the memory and pids limits only when the stats will not carry them. */
export function readSettings(h: CgroupHandle, withLimits: boolean): Settings {
  const s: Settings = readCpuLimits(h);
  if (withLimits) {
    // -1: no limit; undefined: no memory (pids) hierarchy of its own.
    s.memoryLimit = memoryLimit(h);
    s.pidsLimit = pidsLimit(h);
  }
  return s;
}

/**
 * The limits shown beside the usage. A counters pass read no limits with its stats, so the
 * ones last read go into them, as summary and full stats carry them.
 */
export function showSettings(stats: ContainerStats, s: Settings, counters: boolean): SampleLimits {
  if (counters) {
    if (stats.memory && s.memoryLimit !== undefined) stats.memory.limit = s.memoryLimit;
    if (stats.pids && s.pidsLimit !== undefined) stats.pids.limit = s.pidsLimit;
  }
  const limits: SampleLimits = {};
  if (s.cpuMaxMilli !== undefined) limits.cpuMaxMilli = s.cpuMaxMilli;
  if (s.cpuShareMilli !== undefined) limits.cpuShareMilli = s.cpuShareMilli;
  if (s.cpuIdle) limits.cpuIdle = true;
  if (s.cpuKernel) limits.cpuKernel = s.cpuKernel;
  const mem = stats.memory?.limit;
  if (mem !== undefined && mem >= 0) limits.memoryLimit = mem;
  const pidsLimit = stats.pids?.limit;
  if (pidsLimit !== undefined && pidsLimit >= 0) limits.pidsLimit = pidsLimit;
  return limits;
}
