import { Code, LmctfyError } from '../errors.js';
import type { ContainerSpec, MemoryData, MemorySpec, MemoryStats } from '../../messages/types.js';
import { checkMemoryBytes, limitAtLeast, memoryBytes } from './conversions.js';
import { workingSetBytes } from '../sampling/working-set.js';
import type { CgroupHandle, StatsType, UpdatePolicy } from './types.js';
import { MAX_EVICTION_PRIORITY } from '../../policy/oom.js';

/**
 * memory, what v1 (v1/memory.ts) and v2 (v2/memory.ts) share: limit, reservation (soft
 * limit / memory.low) and swap_limit, which counts memory plus swap as v1's memsw does (v2
 * stores only the swap part: swap.max = swap_limit − limit).
 */

/** MemorySpec fields no upstream kernel offers: refused by name, never dropped. */
const UNSUPPORTED: ReadonlyArray<keyof MemorySpec> = [
  'max_limit',
  'hugetlbfs_path',
  'tmpfs',
  'compression_sampling_ratio',
  'stale_page_age',
  'dirty',
  'kmem_charge_usage',
];

function validateSpec(m: MemorySpec): void {
  for (const field of UNSUPPORTED) {
    if (m[field] !== undefined) {
      throw new LmctfyError(Code.UNIMPLEMENTED, `memory.${field} is not supported: upstream kernels have no such control`);
    }
  }
  // No kernel file: a machine policy turns it into oom_score_adj (docs/POLICY.md), and admission refuses it without one.
  const ev = m.eviction_priority;
  if (ev !== undefined && (!Number.isInteger(ev) || ev < 0 || ev > MAX_EVICTION_PRIORITY)) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `memory.eviction_priority: ${ev} is not 0–${MAX_EVICTION_PRIORITY}`);
  }
  const limit = m.limit === undefined ? undefined : checkMemoryBytes('memory.limit', m.limit, false);
  if (m.reservation !== undefined) checkMemoryBytes('memory.reservation', m.reservation, true);
  const swap = m.swap_limit === undefined ? undefined : checkMemoryBytes('memory.swap_limit', m.swap_limit, false);
  if (limit !== undefined && swap !== undefined && !limitAtLeast(swap, limit)) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `memory.swap_limit ${swap} is below memory.limit ${limit}; swap_limit counts memory plus swap`);
  }
}

export function validateMemory(spec: ContainerSpec): void {
  if (spec.memory) validateSpec(spec.memory);
}

export const memoryWants = (spec: ContainerSpec): boolean => spec.memory !== undefined;

export interface MemoryTarget {
  limit?: number;
  reservation?: number;
  swap?: number;
  /** True when swap came from the spec, not from defaults: then its absence is an error. */
  swapAsked: boolean;
}

export function memoryTarget(spec: ContainerSpec, policy: UpdatePolicy): MemoryTarget {
  const m = spec.memory ?? {};
  const defaults = policy !== 'diff';
  const bytes = (v: number | undefined) => (v === undefined ? undefined : memoryBytes(v));
  return {
    limit: bytes(m.limit) ?? (defaults ? -1 : undefined),
    reservation: bytes(m.reservation) ?? (defaults ? 0 : undefined),
    swap: bytes(m.swap_limit) ?? (defaults ? -1 : undefined),
    swapAsked: m.swap_limit !== undefined,
  };
}

export function swapUnsupported(file: string): LmctfyError {
  return new LmctfyError(Code.UNIMPLEMENTED, `memory.swap_limit needs ${file}, which does not exist (swap accounting is off: boot with swapaccount=1)`);
}

export function belowUsage(h: CgroupHandle, field: string, value: number, usage: number | undefined, old: number | undefined, cause?: unknown): LmctfyError {
  const usageText = usage === undefined ? 'the current usage' : `the current usage ${usage}`;
  const oldText = old === undefined ? '' : `; it stays ${old === -1 ? 'unlimited' : old}`;
  return new LmctfyError(
    Code.FAILED_PRECONDITION,
    `cannot set ${field} of ${h.name} to ${value}: below ${usageText} bytes, which the kernel could not reclaim${oldText}`,
    cause === undefined ? undefined : { cause, errno: 'EBUSY' },
  );
}

// ---- stats ----

export const DATA_KEYS: ReadonlyArray<keyof MemoryData> = [
  'cache',
  'rss',
  'rss_huge',
  'mapped_file',
  'pgpgin',
  'pgpgout',
  'pgfault',
  'pgmajfault',
  'dirty',
  'writeback',
  'inactive_anon',
  'active_anon',
  'inactive_file',
  'active_file',
  'unevictable',
];

export function memoryData(stat: Map<string, number>, keyOf: (field: keyof MemoryData) => string | undefined): MemoryData | undefined {
  const out: MemoryData = {};
  for (const field of DATA_KEYS) {
    const key = keyOf(field);
    const v = key === undefined ? undefined : stat.get(key);
    if (v !== undefined) out[field] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** cAdvisor's working set: usage minus the inactive file cache, floored at 0; the rule every face shares (sampling/working-set.ts). */
export const workingSet = workingSetBytes;

/** Whether a pass of this type reads the memory.stat breakdown and the memory settings no live view shows. */
export function withBreakdown(type: StatsType): boolean {
  return type === 'full' || type === 'export';
}

/**
 * A counters pass skips memory.stat (the costliest file of a pass: ~70 formatted lines) when
 * usage is exactly what it was last pass, and carries over what it gives: the working set
 * (LRU aging without allocation can still move it; the sampler bounds the lag by re-reading
 * every few passes) and the hierarchical limit (a setting).
 */
export function unchanged(type: StatsType, usage: number | undefined, prev: MemoryStats | undefined): prev is MemoryStats {
  return type === 'counters' && usage !== undefined && prev?.usage === usage;
}

/**
 * The memory limit alone (v1 memory.limit_in_bytes, v2 memory.max), for samplers that show
 * it and nothing else of the spec: one file where read() takes three, each of which a
 * sampler would keep open. Undefined when the container has no memory hierarchy.
 */
export function memoryLimit(h: CgroupHandle): number | undefined {
  return h.resources.memory.limit(h);
}
