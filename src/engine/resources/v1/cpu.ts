import type { ContainerStats, CpuStats } from '../../../messages/types.js';
import { DEFAULT_PERIOD_US, DEFAULT_SHARES, cpuLimitToShares, maxLimitToQuota, quotaToMaxLimit, sharesToCpuLimit } from '../conversions.js';
import { CPU_STAT_KEYS, cpuSpecOf, cpuTarget, cpuWants, validateCpu, writeCpu, writeQuota, type CpuWrites } from '../cpu.js';
import { defined, isolatedDir, readSpecValue, readStat } from '../files.js';
import { parseCounter, parseFlatKeyed, parseInteger } from '../parse.js';
import type { CgroupHandle, CpuResource, CpuSettings } from '../types.js';

/** cpu on cgroup v1: cpu.shares, cpu.cfs_quota_us / cpu.cfs_period_us; usage is cpuacct's. */

/** v1 cpu.stat holds only throttling. */
function throttlingOf(h: CgroupHandle, dir: string): CpuStats {
  const stat = readStat(h.io, `${dir}/cpu.stat`, (t) => parseFlatKeyed(t, CPU_STAT_KEYS));
  if (!stat) return {};
  const t = defined({ periods: stat.get('nr_periods'), throttled_periods: stat.get('nr_throttled'), throttled_time: stat.get('throttled_time') });
  return t ? { throttling_data: t } : {};
}

/** The quota write for `maxLimit` milli-CPUs of the group's period, or unlimited. */
function quotaWrite(h: CgroupHandle, dir: string, maxLimit: number | 'unlimited'): NonNullable<CpuWrites['quota']> {
  const file = `${dir}/cpu.cfs_quota_us`;
  if (maxLimit === 'unlimited') return { file, value: '-1' };
  const period = readStat(h.io, `${dir}/cpu.cfs_period_us`, parseCounter) ?? DEFAULT_PERIOD_US;
  return { file, value: String(maxLimitToQuota(maxLimit, period)) };
}

export const cpuV1: CpuResource = {
  controller: 'cpu',
  wants: cpuWants,
  validate: validateCpu,
  isolated: (h) => h.dir('cpu') !== undefined,
  apply(h, spec, policy) {
    const dir = isolatedDir(h, 'cpu');
    const t = cpuTarget(spec, policy);
    // A fresh group's quota is already unlimited (the kernel default).
    const fresh = policy === 'create';
    const w: CpuWrites = { idle: t.idle };
    if (typeof t.maxLimit === 'number' || (t.maxLimit === 'unlimited' && !fresh)) w.quota = quotaWrite(h, dir, t.maxLimit);
    if (t.limit !== undefined) {
      const shares = t.limit === 'default' ? DEFAULT_SHARES : cpuLimitToShares(t.limit);
      w.weight = { file: `${dir}/cpu.shares`, value: String(shares), asked: t.limit !== 'default' };
    }
    writeCpu(h, dir, w, fresh);
  },
  read(h) {
    const spec = cpuV1.settings(h).spec;
    return spec && { cpu: spec };
  },
  stats(h, type) {
    const dir = h.dir('cpu');
    // Throttling is all v1 cpu.stat holds, and only a capped group can have it: a `counters`
    // pass leaves it to throttling(), called by samplers that know the cap.
    if (dir === undefined || type === 'counters') return {};
    const c = throttlingOf(h, dir);
    return Object.keys(c).length > 0 ? { cpu: c } : {};
  },
  throttling(h): ContainerStats {
    const dir = h.dir('cpu');
    const c = dir === undefined ? {} : throttlingOf(h, dir);
    return c.throttling_data ? { cpu: { throttling_data: c.throttling_data } } : {};
  },
  setMaxLimit(h, maxLimit) {
    const dir = isolatedDir(h, 'cpu');
    writeQuota(h, quotaWrite(h, dir, maxLimit ?? 'unlimited'));
  },
  settings(h) {
    const dir = h.dir('cpu');
    if (dir === undefined) return { kernel: {} };
    const quota = readSpecValue(h.io, `${dir}/cpu.cfs_quota_us`, parseInteger, 'a CFS quota');
    const period = readSpecValue(h.io, `${dir}/cpu.cfs_period_us`, parseCounter, 'a CFS period');
    const shares = readSpecValue(h.io, `${dir}/cpu.shares`, parseCounter, 'cpu shares');
    const kernel: CpuSettings = quota > 0 ? { quotaUs: quota, periodUs: period, shares } : { periodUs: period, shares };
    return { spec: cpuSpecOf(h, dir, () => sharesToCpuLimit(shares), quotaToMaxLimit(quota, period)), kernel };
  },
};
