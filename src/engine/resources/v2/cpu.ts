import type { ContainerStats, CpuStats } from '../../../messages/types.js';
import { DEFAULT_PERIOD_US, DEFAULT_WEIGHT, cpuLimitToWeight, maxLimitToQuota, parseCpuMax, quotaToMaxLimit, weightAsCadvisorShares, weightToCpuLimit } from '../conversions.js';
import { CPU_STAT_KEYS, cpuSpecOf, cpuTarget, cpuWants, scale, validateCpu, writeCpu, writeQuota, type CpuWrites } from '../cpu.js';
import { defined, isolatedDir, parseOrDataLoss, readOptional, readPressure, readSpecValue, readStat } from '../files.js';
import { parseCounter, parseFlatKeyed } from '../parse.js';
import type { CgroupHandle, CpuResource, CpuSettings } from '../types.js';

/**
 * cpu on cgroup v2: cpu.weight, cpu.max. There is no cpuacct: usage comes from the core
 * cpu.stat, present even without the cpu controller.
 */

function cpuStats(h: CgroupHandle, dir: string): CpuStats {
  const stat = readStat(h.io, `${dir}/cpu.stat`, (t) => parseFlatKeyed(t, CPU_STAT_KEYS));
  const out: CpuStats = {};
  if (!stat) return out;
  const throttling = defined({ periods: stat.get('nr_periods'), throttled_periods: stat.get('nr_throttled'), throttled_time: scale(stat.get('throttled_usec'), 1000) });
  if (throttling) out.throttling_data = throttling;
  const usage = defined({
    total: scale(stat.get('usage_usec'), 1000),
    user: scale(stat.get('user_usec'), 1000),
    system: scale(stat.get('system_usec'), 1000),
  });
  if (usage) out.usage = usage;
  return out;
}

/** ResourceSet.cpuUsage on v2: cpu.stat alone (not cpu.pressure, which stats() reads too). */
export function cpuUsageV2(h: CgroupHandle): number | undefined {
  const dir = h.dir('cpu');
  return dir === undefined ? undefined : cpuStats(h, dir).usage?.total;
}

/** ResourceSet.unpopulated on v2: cgroup.events says `populated 0` (no task in the cgroup or below it). */
export function cpuUnpopulated(h: CgroupHandle): boolean {
  const dir = h.dir('cpu');
  const events = dir === undefined ? undefined : readOptional(h.io, `${dir}/cgroup.events`);
  return events !== undefined && parseFlatKeyed(events).get('populated') === 0;
}

/** The cpu.max write for `maxLimit` milli-CPUs of the group's period, or unlimited. */
function quotaWrite(h: CgroupHandle, dir: string, maxLimit: number | 'unlimited'): NonNullable<CpuWrites['quota']> {
  const file = `${dir}/cpu.max`;
  if (maxLimit === 'unlimited') return { file, value: 'max' };
  const period = readStat(h.io, file, parseCpuMax)?.periodUs ?? DEFAULT_PERIOD_US;
  return { file, value: `${maxLimitToQuota(maxLimit, period)} ${period}` };
}

export const cpuV2: CpuResource = {
  controller: 'cpu',
  wants: cpuWants,
  validate: validateCpu,
  isolated(h) {
    const dir = h.dir('cpu');
    return dir !== undefined && h.io.exists(`${dir}/cpu.weight`);
  },
  apply(h, spec, policy) {
    const dir = isolatedDir(h, 'cpu');
    const t = cpuTarget(spec, policy);
    const w: CpuWrites = { idle: t.idle };
    if (t.maxLimit !== undefined) w.quota = quotaWrite(h, dir, t.maxLimit);
    if (t.limit !== undefined) {
      const weight = t.limit === 'default' ? DEFAULT_WEIGHT : cpuLimitToWeight(t.limit);
      w.weight = { file: `${dir}/cpu.weight`, value: String(weight), asked: t.limit !== 'default' };
    }
    writeCpu(h, dir, w, policy === 'create');
  },
  setMaxLimit(h, maxLimit) {
    const dir = isolatedDir(h, 'cpu');
    writeQuota(h, quotaWrite(h, dir, maxLimit ?? 'unlimited'));
  },
  read(h) {
    const spec = cpuV2.settings(h).spec;
    return spec && { cpu: spec };
  },
  stats(h) {
    const dir = h.dir('cpu');
    if (dir === undefined) return {};
    const out: ContainerStats = {};
    const c = cpuStats(h, dir);
    if (Object.keys(c).length > 0) out.cpu = c;
    const p = readPressure(h.io, `${dir}/cpu.pressure`);
    if (p) out.pressure = { cpu: p };
    return out;
  },
  throttling(h): ContainerStats {
    const dir = h.dir('cpu');
    const t = dir === undefined ? undefined : cpuStats(h, dir).throttling_data;
    return t ? { cpu: { throttling_data: t } } : {};
  },
  settings(h) {
    const dir = h.dir('cpu');
    const kernel: CpuSettings = {};
    if (dir === undefined) return { kernel };
    const weightText = readOptional(h.io, `${dir}/cpu.weight`);
    // Without cpu.weight the container does not isolate cpu: no spec, and cpu.max only if present.
    const max = weightText === undefined ? readStat(h.io, `${dir}/cpu.max`, parseCpuMax) : readSpecValue(h.io, `${dir}/cpu.max`, parseCpuMax, 'cpu.max ("<quota|max> <period>")');
    if (max !== undefined && max.quotaUs > 0) kernel.quotaUs = max.quotaUs;
    if (max !== undefined) kernel.periodUs = max.periodUs;
    const weight = weightText === undefined ? undefined : parseCounter(weightText);
    if (weight !== undefined) kernel.shares = weightAsCadvisorShares(weight);
    if (weightText === undefined || max === undefined) return { kernel };
    const limit = () => weightToCpuLimit(parseOrDataLoss(`${dir}/cpu.weight`, weightText, parseCounter, 'a cpu weight'));
    return { spec: cpuSpecOf(h, dir, limit, quotaToMaxLimit(max.quotaUs, max.periodUs)), kernel };
  },
};
