import type { CpuStats } from '../../../messages/types.js';
import { ticksToNs } from '../conversions.js';
import { parseCpuHistograms } from '../cpuacct.js';
import { defined, readOptional, readStat } from '../files.js';
import { parseCounter, parseCounterList, parseFlatKeyed } from '../parse.js';
import type { CgroupHandle, Resource } from '../types.js';

/**
 * cpuacct (v1 only): CPU usage of a container. On v2 the same numbers come from cpu.stat
 * (v2/cpu.ts). lmctfy always creates this hierarchy to account every container, so a spec
 * never "wants" it and nothing can be set in it.
 */

const STAT_KEYS = new Set(['user', 'system']);

/** cpuacct.usage alone, ns: the cheapest sign that a task of the container ran. */
export function cpuacctUsage(h: CgroupHandle): number | undefined {
  const dir = h.dir('cpuacct');
  return dir === undefined ? undefined : readStat(h.io, `${dir}/cpuacct.usage`, parseCounter);
}

/** ResourceSet.unpopulated on v1: cpuacct's `tasks` lists no thread and the cgroup has no child. */
export function cpuacctUnpopulated(h: CgroupHandle): boolean {
  const dir = h.dir('cpuacct');
  if (dir === undefined) return false;
  return readOptional(h.io, `${dir}/tasks`) === '' && h.io.dirInfo(dir)?.subdirs === 0;
}

export const cpuacctV1: Resource = {
  controller: 'cpuacct',
  wants: () => false,
  validate() {},
  isolated: () => false,
  apply() {},
  read: () => undefined,
  stats(h, type, prev) {
    const dir = h.dir('cpuacct');
    if (dir === undefined) return {};
    const total = cpuacctUsage(h);
    // User and system ticks and per-CPU usage move only with the total: a tick is charged to
    // the task it interrupts, whose run time it adds to, and the total is the per-CPU sum.
    // While the total stands exactly still, the last pass's are the kernel's own.
    const still = total !== undefined && prev?.cpu?.usage?.total === total ? prev.cpu.usage : undefined;
    let user: number | undefined;
    let system: number | undefined;
    // No live view splits user from system time: counters passes skip the file.
    if (type !== 'counters') {
      if (still?.user !== undefined && still.system !== undefined) ({ user, system } = still);
      else {
        const ticks = readStat(h.io, `${dir}/cpuacct.stat`, (t) => parseFlatKeyed(t, STAT_KEYS));
        const u = ticks?.get('user');
        const s = ticks?.get('system');
        user = u === undefined ? undefined : ticksToNs(u);
        system = s === undefined ? undefined : ticksToNs(s);
      }
    }
    const usage = defined({
      total,
      per_cpu: type === 'full' ? (still?.per_cpu ?? readStat(h.io, `${dir}/cpuacct.usage_percpu`, parseCounterList)) : undefined,
      user,
      system,
    });
    const cpu: CpuStats = {};
    if (usage) cpu.usage = usage;
    if (type === 'full') {
      const histograms = readStat(h.io, `${dir}/cpuacct.histogram`, parseCpuHistograms);
      if (histograms && histograms.length > 0) cpu.histograms = histograms;
    }
    return Object.keys(cpu).length > 0 ? { cpu } : {};
  },
};
