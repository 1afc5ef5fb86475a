import type { CpuHistogramType, CpuStats, HistogramMap } from '../../messages/types.js';
import { ticksToNs } from './conversions.js';
import { defined, readStat } from './files.js';
import { parseCounter, parseCounterList, parseFlatKeyed } from './parse.js';
import type { Resource } from './types.js';

/**
 * cpuacct (v1 only): CPU usage of a container. On v2 the same numbers come from cpu.stat
 * (cpu.ts). lmctfy always creates this hierarchy to account every container, so a spec
 * never "wants" it.
 */

const HISTOGRAM_NAMES: Readonly<Record<string, CpuHistogramType>> = {
  serve: 'SERVE',
  oncpu: 'ONCPU',
  sleep: 'SLEEP',
  queue_self: 'QUEUE_SELF',
  queue_other: 'QUEUE_OTHER',
};

/**
 * `cpuacct.histogram` of Google's patched kernels, as the original lmctfy read it:
 *
 *     unit: us
 *     serve
 *     < 1000 12
 *     < inf 3
 *     oncpu
 *     ...
 *
 * Parsed defensively: unknown histograms and malformed lines are skipped. The open-ended
 * `inf` bucket is reported at its lower edge (the previous bucket's upper edge).
 */
export function parseCpuHistograms(text: string): HistogramMap[] {
  const out: HistogramMap[] = [];
  let current: HistogramMap | undefined;
  for (const line of text.split('\n')) {
    const words = line.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0 || words[0] === 'unit:') continue;
    if (words.length === 1) {
      const type = HISTOGRAM_NAMES[words[0]!];
      current = type === undefined ? undefined : { type, stat: [] };
      if (current) out.push(current);
      continue;
    }
    if (!current || words.length !== 3) continue;
    const value = parseCounter(words[2]!);
    if (value === undefined) continue;
    const bucket = words[1] === 'inf' ? (current.stat.at(-1)?.bucket ?? 0) : parseCounter(words[1]!);
    if (bucket === undefined) continue;
    current.stat.push({ bucket, value });
  }
  return out;
}

const STAT_KEYS = new Set(['user', 'system']);

export const cpuacct: Resource = {
  controller: 'cpuacct',
  wants: () => false,
  validate() {},
  apply() {},
  read: () => undefined,
  stats(h, type) {
    const dir = h.dir('cpuacct');
    if (h.version !== 1 || dir === undefined) return {};
    // No live view splits user from system time: counters passes skip the file.
    const ticks = type === 'counters' ? undefined : readStat(h.io, `${dir}/cpuacct.stat`, (t) => parseFlatKeyed(t, STAT_KEYS));
    const user = ticks?.get('user');
    const system = ticks?.get('system');
    const usage = defined({
      total: readStat(h.io, `${dir}/cpuacct.usage`, parseCounter),
      per_cpu: type === 'full' ? readStat(h.io, `${dir}/cpuacct.usage_percpu`, parseCounterList) : undefined,
      user: user === undefined ? undefined : ticksToNs(user),
      system: system === undefined ? undefined : ticksToNs(system),
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
