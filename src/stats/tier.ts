import { tierFrom, type AdmissionView } from '../engine/export-reads.js';
import type { SchedulingLatency } from '../messages/types.js';
import type { ContainerView } from './model.js';

/**
 * A container's tier, its cpu.scheduling_latency (docs/POLICY.md), by the engine's one rule
 * (tierFrom), from what a pass already holds: the cpu group's idle flag and weight.
 */
export function containerTier(c: Pick<ContainerView, 'name' | 'raw'>, admission: AdmissionView | undefined): SchedulingLatency | undefined {
  const l = c.raw.limits;
  return tierFrom(c.name, admission?.tierOf(c.name), l.cpuIdle ? 'idle' : l.cpuShareMilli === undefined ? 'none' : 'weighted');
}
