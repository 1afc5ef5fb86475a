import { Code, LmctfyError } from '../errors.js';
import type { ContainerSpec, ContainerStats, CpuSpec, CpuStats, SchedulingLatency } from '../../spec/types.js';
import {
  DEFAULT_PERIOD_US,
  DEFAULT_SHARES,
  DEFAULT_WEIGHT,
  cpuLimitToShares,
  checkInteger,
  maxLimitToQuota,
  parseCpuMax,
  quotaToMaxLimit,
  sharesToCpuLimit,
  sharesToWeight,
  weightToShares,
} from './conversions.js';
import { isolatedDir, readOptional, readPressure, readSpecValue, readStat, writeSetting, settingError } from './files.js';
import { parseCounter, parseFlatKeyed, parseInteger } from './parse.js';
import type { CgroupHandle, Resource, UpdatePolicy } from './types.js';

/**
 * cpu: limit → shares/weight, max_limit → CFS quota, scheduling_latency BEST_EFFORT →
 * cpu.idle. NORMAL, PRIORITY and PREMIER need the original's patched-kernel `cpu.lat`,
 * which upstream lacks: they are accepted and change nothing (every group is NORMAL).
 */

const LATENCIES: readonly SchedulingLatency[] = ['BEST_EFFORT', 'NORMAL', 'PRIORITY', 'PREMIER'];

/** What apply writes, after defaults; undefined = leave as is. */
interface CpuTarget {
  shares?: number;
  maxLimit?: number | 'unlimited';
  idle: boolean;
}

function target(c: CpuSpec, policy: UpdatePolicy): CpuTarget {
  const defaults = policy !== 'diff';
  return {
    shares: c.limit !== undefined ? cpuLimitToShares(c.limit) : defaults ? DEFAULT_SHARES : undefined,
    maxLimit: c.max_limit ?? (defaults ? 'unlimited' : undefined),
    idle: c.scheduling_latency === 'BEST_EFFORT',
  };
}

function validate(spec: ContainerSpec): void {
  const c = spec.cpu;
  if (!c) return;
  if (c.limit !== undefined) cpuLimitToShares(c.limit);
  if (c.max_limit !== undefined) checkInteger('cpu.max_limit', c.max_limit, 1);
  if (c.scheduling_latency !== undefined && !LATENCIES.includes(c.scheduling_latency)) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `cpu.scheduling_latency: unknown value ${String(c.scheduling_latency)}`);
  }
}

function isIdle(h: CgroupHandle, dir: string): boolean {
  return readOptional(h.io, `${dir}/cpu.idle`)?.trim() === '1';
}

/**
 * The kernel refuses weight writes to an idle group (EINVAL) and remembers the weight
 * across idle toggles, so an idle group is briefly made non-idle to take a new weight.
 */
function applyWeightAndIdle(h: CgroupHandle, dir: string, file: string, value: string | undefined, wantIdle: boolean): void {
  const idleFile = `${dir}/cpu.idle`;
  if (wantIdle && !h.io.exists(idleFile)) {
    throw new LmctfyError(Code.UNIMPLEMENTED, `cpu.scheduling_latency BEST_EFFORT needs ${idleFile} (SCHED_IDLE groups, Linux ≥ 5.15), which this kernel lacks`);
  }
  const idleNow = isIdle(h, dir);
  if (value !== undefined) {
    if (idleNow) writeSetting(h, 'cpu', idleFile, '0', 'cpu.scheduling_latency');
    writeSetting(h, 'cpu', file, value, 'cpu.limit');
  }
  if (wantIdle || (idleNow && value !== undefined)) writeSetting(h, 'cpu', idleFile, '1', 'cpu.scheduling_latency');
}

function writeQuota(h: CgroupHandle, file: string, value: string): void {
  try {
    h.io.writeFile(file, value);
  } catch (e) {
    if (e instanceof LmctfyError && e.errno === 'EINVAL') {
      throw settingError(h, 'cpu.max_limit', value, e, ' (a child may not exceed its parent\'s max_limit)');
    }
    writeSetting(h, 'cpu', file, value, 'cpu.max_limit');
  }
}

function applyV1(h: CgroupHandle, t: CpuTarget): void {
  const dir = isolatedDir(h, 'cpu');
  if (t.maxLimit !== undefined) {
    const period = readStat(h.io, `${dir}/cpu.cfs_period_us`, parseCounter) ?? DEFAULT_PERIOD_US;
    const quota = t.maxLimit === 'unlimited' ? -1 : maxLimitToQuota(t.maxLimit, period);
    writeQuota(h, `${dir}/cpu.cfs_quota_us`, String(quota));
  }
  applyWeightAndIdle(h, dir, `${dir}/cpu.shares`, t.shares === undefined ? undefined : String(t.shares), t.idle);
}

function applyV2(h: CgroupHandle, t: CpuTarget, policy: UpdatePolicy): void {
  const dir = isolatedDir(h, 'cpu');
  if (t.maxLimit !== undefined) {
    const file = `${dir}/cpu.max`;
    let value = 'max';
    if (t.maxLimit !== 'unlimited') {
      const period = readStat(h.io, file, parseCpuMax)?.periodUs ?? DEFAULT_PERIOD_US;
      value = `${maxLimitToQuota(t.maxLimit, period)} ${period}`;
    }
    writeQuota(h, file, value);
  }
  // Without a limit the v2 default is weight 100 itself, not the image of 1024 shares.
  const weight = t.shares === undefined ? undefined : policy !== 'diff' && t.shares === DEFAULT_SHARES && !h.io.exists('') ? DEFAULT_WEIGHT : sharesToWeight(t.shares);
  applyWeightAndIdle(h, dir, `${dir}/cpu.weight`, weight === undefined ? undefined : String(weight), t.idle);
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
  else out.limit = sharesToCpuLimit(weightToShares(readSpecValueFrom(`${dir}/cpu.weight`, weightText)));
  const max = readSpecValue(h.io, `${dir}/cpu.max`, parseCpuMax, 'cpu.max ("<quota|max> <period>")');
  const maxLimit = quotaToMaxLimit(max.quotaUs, max.periodUs);
  if (maxLimit !== undefined) out.max_limit = maxLimit;
  return out;
}

function readSpecValueFrom(file: string, text: string): number {
  const n = parseCounter(text);
  if (n === undefined) throw new LmctfyError(Code.DATA_LOSS, `${file}: cannot parse ${JSON.stringify(text.trim())} as a weight`);
  return n;
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

function scale(n: number | undefined, by: number): number | undefined {
  return n === undefined ? undefined : n * by;
}

/** The object without its undefined fields, or undefined when none is left. */
export function defined<T extends object>(o: T): T | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return Object.keys(out).length > 0 ? (out as T) : undefined;
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
    const t = target(spec.cpu ?? {}, policy);
    if (h.version === 1) applyV1(h, t);
    else applyV2(h, t, policy);
  },
  read(h) {
    const dir = h.dir('cpu');
    if (dir === undefined) return undefined;
    const c = h.version === 1 ? readV1(h, dir) : readV2(h, dir);
    return c ? { cpu: c } : undefined;
  },
  stats(h) {
    const dir = h.dir('cpu');
    if (dir === undefined) return {};
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
