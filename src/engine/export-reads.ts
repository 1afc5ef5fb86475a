import type { ContainerApi } from './container-api.js';
import { blockDeviceName } from './kernel/block-devices.js';
import type { KernelIo } from './kernel/io.js';
import type { CgroupVersion } from './kernel/layout.js';
import { parseCpuMax } from './resources/conversions.js';
import { readStat } from './resources/files.js';
import { parseCounter, parseInteger } from './resources/parse.js';

/** A container's CPU settings as the kernel holds them, unconverted (what cAdvisor's container_spec_cpu_* name). */
export interface CpuSettings {
  /** CFS quota, µs per period; absent when unlimited. */
  quotaUs?: number;
  /** CFS period, µs. */
  periodUs?: number;
  /** cpu.shares; on v2, cpu.weight mapped onto shares as cAdvisor maps it. */
  shares?: number;
}

/** The raw CPU settings in a cgroup's cpu directory (v1 cpu.cfs_quota_us, cpu.cfs_period_us, cpu.shares; v2 cpu.max, cpu.weight). */
export function readCpuSettings(io: KernelIo, version: CgroupVersion, dir: string): CpuSettings {
  const out: CpuSettings = {};
  if (version === 1) {
    const quota = readStat(io, `${dir}/cpu.cfs_quota_us`, parseInteger);
    const period = readStat(io, `${dir}/cpu.cfs_period_us`, parseCounter);
    const shares = readStat(io, `${dir}/cpu.shares`, parseCounter);
    if (quota !== undefined && quota > 0) out.quotaUs = quota;
    if (period !== undefined) out.periodUs = period;
    if (shares !== undefined) out.shares = shares;
    return out;
  }
  const max = readStat(io, `${dir}/cpu.max`, parseCpuMax);
  const weight = readStat(io, `${dir}/cpu.weight`, parseCounter);
  if (max !== undefined && max.quotaUs > 0) out.quotaUs = max.quotaUs;
  if (max !== undefined) out.periodUs = max.periodUs;
  if (weight !== undefined) out.shares = weightAsShares(weight);
  return out;
}

/** cAdvisor's v2 mapping of cpu.weight [1, 10000] onto shares [2, 262144], integer division as its Go. */
export function weightAsShares(weight: number): number {
  return 2 + Math.floor(((weight - 1) * 262142) / 9999);
}

/** What the metrics exports look up beside a sampler's passes. */
export interface ExportReads {
  /** `/dev/sda` for 8:0; undefined when sysfs does not know the device. */
  deviceName(major: number, minor: number): string | undefined;
  /** The container's raw CPU settings; a file it lacks (no cpu controller of its own) leaves its field out. */
  cpuSettings(name: string): CpuSettings;
}

/**
 * The figures cAdvisor's metrics name that a sampler's pass does not keep: the sampler keeps
 * the CPU settings converted to CPU milliseconds per second (which loses the raw quota,
 * period and shares) and IO devices by number. The exports read these as they write.
 */
export function exportReads(api: ContainerApi): ExportReads {
  const m = api.machine;
  return {
    deviceName: (major, minor) => blockDeviceName(m.io, major, minor),
    cpuSettings(name) {
      const dir = m.dirOf(name, 'cpu');
      return dir === undefined ? {} : readCpuSettings(m.io, m.version, dir);
    },
  };
}
