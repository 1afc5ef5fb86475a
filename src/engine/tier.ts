import type { Machine } from './kernel/machine.js';
import { handleFor } from './handle.js';
import { admissionView, type AdmissionView } from './admission.js';
import { isIdle } from './resources/cpu.js';
import type { SchedulingLatency } from '../messages/types.js';

/**
 * A container's QoS tier (docs/POLICY.md), the one rule every reader uses: the container
 * spec, its stats, the daemon's ranking and the exporters.
 */

/** What the kernel holds of a container's cpu group: none of its own (it shares its parent's), an idle one, or a weighted one. */
export type CpuGroup = 'none' | 'idle' | 'weighted';

/**
 * The tier from what decides it: as the machine policy admitted the container (the kernel
 * cannot tell PREMIER or PRIORITY from NORMAL); else as the kernel holds it, BEST_EFFORT for
 * an idle cpu group and NORMAL for any other; undefined for a container sharing its
 * parent's cpu group, and for `/`, the root lmctfy holds everything in, which no policy admits.
 */
export function tierFrom(name: string, admitted: SchedulingLatency | undefined, group: CpuGroup): SchedulingLatency | undefined {
  if (name === '/') return undefined;
  if (admitted !== undefined) return admitted;
  return group === 'idle' ? 'BEST_EFFORT' : group === 'weighted' ? 'NORMAL' : undefined;
}

/** The container's cpu group as the kernel holds it: one directory test and one read of cpu.idle. */
export function cpuGroupOf(m: Machine, name: string): CpuGroup {
  const h = handleFor(m, name);
  const dir = h.dir('cpu');
  if (dir === undefined || !h.resources.cpu.isolated(h)) return 'none';
  return isIdle(h, dir) ? 'idle' : 'weighted';
}

/** The container's tier, reading only what decides it: the policy's ledger and its cpu group. */
export function containerTier(m: Machine, name: string, view: AdmissionView | undefined = admissionView(m)): SchedulingLatency | undefined {
  return tierFrom(name, view?.tierOf(name), cpuGroupOf(m, name));
}
