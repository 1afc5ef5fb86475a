import { Code, LmctfyError } from '../errors.js';
import type { ContainerSpec, ContainerStats, CpuSpec, CpuStats, SchedulingLatency } from '../../messages/types.js';
import {
  DEFAULT_PERIOD_US,
  DEFAULT_SHARES,
  DEFAULT_WEIGHT,
  cpuLimitToShares,
  maxLimitToQuota,
  parseCpuMax,
  quotaToMaxLimit,
  sharesToCpuLimit,
  sharesToWeight,
  weightToShares,
} from './conversions.js';
import { defined, isolatedDir, parseOrDataLoss, readOptional, readPressure, readSpecValue, readStat, writeSetting } from './files.js';
import { parseCounter, parseFlatKeyed, parseInteger } from './parse.js';
import type { CgroupHandle, Resource, UpdatePolicy } from './types.js';

/**
 * cpu: limit → shares/weight, max_limit → CFS quota, scheduling_latency BEST_EFFORT →
 * cpu.idle (SCHED_IDLE group). NORMAL, PRIORITY and PREMIER need the original's
 * patched-kernel `cpu.lat`, which upstream lacks: they are accepted and change nothing
 * (every other group is NORMAL). An idle group has the minimum weight: the kernel refuses
 * weight writes to it and resets the weight to 1024 when it stops being idle, so a
 * BEST_EFFORT container has no cpu.limit.
 */

const LATENCIES: readonly SchedulingLatency[] = ['BEST_EFFORT', 'NORMAL', 'PRIORITY', 'PREMIER'];

/** What apply writes, after defaults; undefined = leave as is. */
interface CpuTarget {
  limit?: number | 'default';
  maxLimit?: number | 'unlimited';
  idle: boolean;
}

function target(c: CpuSpec, policy: UpdatePolicy): CpuTarget {
  const defaults = policy !== 'diff';
  return {
    limit: c.limit ?? (defaults ? 'default' : undefined),
    maxLimit: c.max_limit ?? (defaults ? 'unlimited' : undefined),
    idle: c.scheduling_latency === 'BEST_EFFORT',
  };
}

function validate(spec: ContainerSpec): void {
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

function isIdle(h: CgroupHandle, dir: string): boolean {
  return readOptional(h.io, `${dir}/cpu.idle`)?.trim() === '1';
}

/** The writes apply makes, each already converted and checked. */
interface CpuWrites {
  quota?: { file: string; value: string };
  weight?: { file: string; value: string; asked: boolean };
  idle: boolean;
}

const QUOTA_HINTS = { EINVAL: "the kernel refuses a quota above the parent's max_limit" };

/** `fresh`: made by this create, so the quota is already unlimited (the kernel default). */
function planV1(h: CgroupHandle, dir: string, t: CpuTarget, fresh: boolean): CpuWrites {
  const out: CpuWrites = { idle: t.idle };
  if (t.maxLimit === 'unlimited' && !fresh) out.quota = { file: `${dir}/cpu.cfs_quota_us`, value: '-1' };
  if (typeof t.maxLimit === 'number') {
    const period = readStat(h.io, `${dir}/cpu.cfs_period_us`, parseCounter) ?? DEFAULT_PERIOD_US;
    out.quota = { file: `${dir}/cpu.cfs_quota_us`, value: String(maxLimitToQuota(t.maxLimit, period)) };
  }
  if (t.limit !== undefined) {
    const shares = t.limit === 'default' ? DEFAULT_SHARES : cpuLimitToShares(t.limit);
    out.weight = { file: `${dir}/cpu.shares`, value: String(shares), asked: t.limit !== 'default' };
  }
  return out;
}

function planV2(h: CgroupHandle, dir: string, t: CpuTarget): CpuWrites {
  const out: CpuWrites = { idle: t.idle };
  if (t.maxLimit !== undefined) {
    const file = `${dir}/cpu.max`;
    let value = 'max';
    if (t.maxLimit !== 'unlimited') {
      const period = readStat(h.io, file, parseCpuMax)?.periodUs ?? DEFAULT_PERIOD_US;
      value = `${maxLimitToQuota(t.maxLimit, period)} ${period}`;
    }
    out.quota = { file, value };
  }
  if (t.limit !== undefined) {
    // The v2 default is weight 100 itself, not the image of 1024 shares (39).
    const weight = t.limit === 'default' ? DEFAULT_WEIGHT : sharesToWeight(cpuLimitToShares(t.limit));
    out.weight = { file: `${dir}/cpu.weight`, value: String(weight), asked: t.limit !== 'default' };
  }
  return out;
}

/** Quota, then the weight (refused once a group is idle), then idle. A fresh group is not idle. */
function write(h: CgroupHandle, dir: string, w: CpuWrites, fresh: boolean): void {
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
  if (w.quota) writeSetting(h, 'cpu', w.quota.file, w.quota.value, 'cpu.max_limit', QUOTA_HINTS);
  if (w.weight && !idleNow && !w.idle) writeSetting(h, 'cpu', w.weight.file, w.weight.value, 'cpu.limit');
  if (w.idle && !idleNow) writeSetting(h, 'cpu', idleFile, '1', 'cpu.scheduling_latency');
}

function readV1(h: CgroupHandle, dir: string): CpuSpec {
  const out: CpuSpec = {};
  const idle = isIdle(h, dir);
  if (idle) out.scheduling_latency = 'BEST_EFFORT';
  else out.limit = sharesToCpuLimit(readSpecValue(h.io, `${dir}/cpu.shares`, parseCounter, 'cpu shares'));
  const quota = readSpecValue(h.io, `${dir}/cpu.cfs_quota_us`, parseInteger, 'a CFS quota');
  const period = readSpecValue(h.io, `${dir}/cpu.cfs_period_us`, parseCounter, 'a CFS period');
  const maxLimit = quotaToMaxLimit(quota, period);
  if (maxLimit !== undefined) out.max_limit = maxLimit;
  return out;
}

function readV2(h: CgroupHandle, dir: string): CpuSpec | undefined {
  const weightText = readOptional(h.io, `${dir}/cpu.weight`);
  if (weightText === undefined) return undefined;
  const out: CpuSpec = {};
  if (isIdle(h, dir)) out.scheduling_latency = 'BEST_EFFORT';
  else out.limit = sharesToCpuLimit(weightToShares(parseOrDataLoss(`${dir}/cpu.weight`, weightText, parseCounter, 'a cpu weight')));
  const max = readSpecValue(h.io, `${dir}/cpu.max`, parseCpuMax, 'cpu.max ("<quota|max> <period>")');
  const maxLimit = quotaToMaxLimit(max.quotaUs, max.periodUs);
  if (maxLimit !== undefined) out.max_limit = maxLimit;
  return out;
}

const CPU_STAT_KEYS = new Set(['nr_periods', 'nr_throttled', 'throttled_time', 'throttled_usec', 'usage_usec', 'user_usec', 'system_usec']);

function cpuStats(h: CgroupHandle, dir: string): CpuStats {
  const stat = readStat(h.io, `${dir}/cpu.stat`, (t) => parseFlatKeyed(t, CPU_STAT_KEYS));
  const out: CpuStats = {};
  if (!stat) return out;
  const throttledNs = h.version === 1 ? stat.get('throttled_time') : scale(stat.get('throttled_usec'), 1000);
  const throttling = defined({ periods: stat.get('nr_periods'), throttled_periods: stat.get('nr_throttled'), throttled_time: throttledNs });
  if (throttling) out.throttling_data = throttling;
  if (h.version === 2) {
    // v2 has no cpuacct: usage comes from the core cpu.stat, present even without the cpu controller.
    const usage = defined({
      total: scale(stat.get('usage_usec'), 1000),
      user: scale(stat.get('user_usec'), 1000),
      system: scale(stat.get('system_usec'), 1000),
    });
    if (usage) out.usage = usage;
  }
  return out;
}

/** Throttling counters alone (v1 cpu.stat), for a `counters` pass over a capped container. */
export function cpuThrottling(h: CgroupHandle): ContainerStats {
  const dir = h.dir('cpu');
  if (dir === undefined) return {};
  const c = cpuStats(h, dir);
  return c.throttling_data ? { cpu: { throttling_data: c.throttling_data } } : {};
}

function scale(n: number | undefined, by: number): number | undefined {
  return n === undefined ? undefined : n * by;
}

export const cpu: Resource = {
  controller: 'cpu',
  wants(spec) {
    const c = spec.cpu;
    if (!c) return false;
    // `cpu {}` asks for cpu isolation with defaults; a mask alone is cpuset's business.
    return c.limit !== undefined || c.max_limit !== undefined || c.scheduling_latency !== undefined || c.mask === undefined;
  },
  validate(spec) {
    validate(spec);
  },
  apply(h, spec, policy) {
    const dir = isolatedDir(h, 'cpu');
    const t = target(spec.cpu ?? {}, policy);
    const fresh = policy === 'create';
    write(h, dir, h.version === 1 ? planV1(h, dir, t, fresh) : planV2(h, dir, t), fresh);
  },
  read(h) {
    const dir = h.dir('cpu');
    if (dir === undefined) return undefined;
    const c = h.version === 1 ? readV1(h, dir) : readV2(h, dir);
    return c ? { cpu: c } : undefined;
  },
  stats(h, type) {
    const dir = h.dir('cpu');
    if (dir === undefined) return {};
    // v1 cpu.stat holds only throttling, which only a capped group can have: a `counters`
    // pass leaves it to cpuThrottling(), called by samplers that know the cap.
    if (type === 'counters' && h.version === 1) return {};
    const out: ContainerStats = {};
    const c = cpuStats(h, dir);
    if (Object.keys(c).length > 0) out.cpu = c;
    if (h.version === 2) {
      const p = readPressure(h.io, `${dir}/cpu.pressure`);
      if (p) out.pressure = { cpu: p };
    }
    return out;
  },
};
