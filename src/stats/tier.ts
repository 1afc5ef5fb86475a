import type { AdmissionView } from '../engine/export-reads.js';
import type { SchedulingLatency } from '../messages/types.js';
import type { ContainerView } from './model.js';

/**
 * A container's tier, its cpu.scheduling_latency (docs/POLICY.md): as the machine policy
 * admitted it; else as the kernel holds it: BEST_EFFORT for an idle cpu group, NORMAL for
 * any other cpu group (PREMIER and PRIORITY have no kernel file: without a policy the kernel
 * treats them as NORMAL); undefined for a container that shares its parent's cpu group, and
 * for `/`, the root lmctfy holds everything in, which no policy admits.
 */
export function containerTier(c: ContainerView, admission: AdmissionView | undefined): SchedulingLatency | undefined {
  if (c.name === '/') return undefined;
  const admitted = admission?.tierOf(c.name);
  if (admitted !== undefined) return admitted;
  const l = c.raw.limits;
  if (l.cpuIdle) return 'BEST_EFFORT';
  return l.cpuShareMilli === undefined ? undefined : 'NORMAL';
}
