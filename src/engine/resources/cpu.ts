import { Code, LmctfyError } from '../errors.js';
import type { ContainerSpec, ContainerStats, CpuSpec, SchedulingLatency } from '../../messages/types.js';
import { DEFAULT_PERIOD_US, cpuLimitToShares, maxLimitToQuota } from './conversions.js';
import { readOptional, writeSetting } from './files.js';
import type { CgroupHandle, UpdatePolicy } from './types.js';

/**
 * cpu, what v1 (v1/cpu.ts) and v2 (v2/cpu.ts) share: limit → shares/weight, max_limit →
 * CFS quota, scheduling_latency BEST_EFFORT → cpu.idle (SCHED_IDLE group). NORMAL, PRIORITY
 * and PREMIER need the original's patched-kernel `cpu.lat`, which upstream lacks: they are
 * accepted and change nothing (every other group is NORMAL). An idle group has the minimum
 * weight: the kernel refuses weight writes to it and resets the weight to 1024 when it
 * stops being idle, so a BEST_EFFORT container has no cpu.limit.
 */

const LATENCIES: readonly SchedulingLatency[] = ['BEST_EFFORT', 'NORMAL', 'PRIORITY', 'PREMIER'];

/** What apply writes, after defaults; undefined = leave as is. */
export interface CpuTarget {
  limit?: number | 'default';
  maxLimit?: number | 'unlimited';
  idle: boolean;
}

export function cpuTarget(spec: ContainerSpec, policy: UpdatePolicy): CpuTarget {
  const c = spec.cpu ?? {};
  const defaults = policy !== 'diff';
  return {
    limit: c.limit ?? (defaults ? 'default' : undefined),
    maxLimit: c.max_limit ?? (defaults ? 'unlimited' : undefined),
    idle: c.scheduling_latency === 'BEST_EFFORT',
  };
}

/** `cpu {}` asks for cpu isolation with defaults; a mask alone is cpuset's business. */
export function cpuWants(spec: ContainerSpec): boolean {
  const c = spec.cpu;
  if (!c) return false;
  return c.limit !== undefined || c.max_limit !== undefined || c.scheduling_latency !== undefined || c.mask === undefined;
}

export function validateCpu(spec: ContainerSpec): void {
  const c = spec.cpu;
  if (!c) return;
  if (c.limit !== undefined) cpuLimitToShares(c.limit);
  // lmctfy never changes the period, so the default one decides up front; apply uses the real one.
  if (c.max_limit !== undefined) maxLimitToQuota(c.max_limit, DEFAULT_PERIOD_US);
  if (c.scheduling_latency !== undefined && !LATENCIES.includes(c.scheduling_latency)) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `cpu.scheduling_latency: unknown value ${String(c.scheduling_latency)}`);
  }
  if (c.scheduling_latency === 'BEST_EFFORT' && c.limit !== undefined) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, 'cpu.limit cannot be combined with scheduling_latency BEST_EFFORT: an idle group always has the minimum weight');
  }
}

export function isIdle(h: CgroupHandle, dir: string): boolean {
  return readOptional(h.io, `${dir}/cpu.idle`)?.trim() === '1';
}

/** The writes apply makes, each already converted and checked. */
export interface CpuWrites {
  quota?: { file: string; value: string };
  weight?: { file: string; value: string; asked: boolean };
  idle: boolean;
}

const QUOTA_HINTS = { EINVAL: "the kernel refuses a quota above the parent's max_limit" };

/** Quota, then the weight (refused once a group is idle), then idle. A fresh group is not idle. */
export function writeCpu(h: CgroupHandle, dir: string, w: CpuWrites, fresh: boolean): void {
  const idleFile = `${dir}/cpu.idle`;
  if (w.idle && !h.io.exists(idleFile)) {
    throw new LmctfyError(
      Code.UNIMPLEMENTED,
      `cpu.scheduling_latency BEST_EFFORT needs ${idleFile} (SCHED_IDLE groups, Linux 5.15 or later), which this kernel lacks`,
    );
  }
  const idleNow = !fresh && isIdle(h, dir);
  if (idleNow && w.weight?.asked) {
    throw new LmctfyError(Code.FAILED_PRECONDITION, `cannot set cpu.limit of ${h.name}: it is BEST_EFFORT (cpu.idle=1), which always has the minimum weight`);
  }
  if (w.quota) writeQuota(h, w.quota);
  if (w.weight && !idleNow && !w.idle) writeSetting(h, 'cpu', w.weight.file, w.weight.value, 'cpu.limit');
  if (w.idle && !idleNow) writeSetting(h, 'cpu', idleFile, '1', 'cpu.scheduling_latency');
}

/** Writes only the quota (CpuResource.setMaxLimit): nothing else of the group changes. */
export function writeQuota(h: CgroupHandle, quota: NonNullable<CpuWrites['quota']>): void {
  writeSetting(h, 'cpu', quota.file, quota.value, 'cpu.max_limit', QUOTA_HINTS);
}

/** The part of a read every version shares: BEST_EFFORT instead of a limit on an idle group. */
export function cpuSpecOf(h: CgroupHandle, dir: string, limit: () => number, maxLimit: number | undefined): CpuSpec {
  const out: CpuSpec = {};
  if (isIdle(h, dir)) out.scheduling_latency = 'BEST_EFFORT';
  else out.limit = limit();
  if (maxLimit !== undefined) out.max_limit = maxLimit;
  return out;
}

export const CPU_STAT_KEYS = new Set(['nr_periods', 'nr_throttled', 'throttled_time', 'throttled_usec', 'usage_usec', 'user_usec', 'system_usec']);

export function scale(n: number | undefined, by: number): number | undefined {
  return n === undefined ? undefined : n * by;
}

/** Throttling counters alone, for a `counters` pass over a capped container. */
export function cpuThrottling(h: CgroupHandle): ContainerStats {
  return h.resources.cpu.throttling(h);
}
