import type { PressureLine } from '../messages/types.js';
import { subtreeMemory, workingSet } from './memory.js';
import type { ContainerView, SampleView } from './model.js';

export type MetricsFormat = 'openmetrics' | 'prometheus';

/**
 * counter: `_total` samples; in OpenMetrics the family (HELP/TYPE) drops the suffix.
 * legacy-counter: a counter cAdvisor names without `_total`; OpenMetrics forbids that for
 * counters, so there it is typed `unknown` to keep the name dashboards query.
 */
type Kind = 'counter' | 'gauge' | 'legacy-counter';

interface Metric {
  name: string;
  kind: Kind;
  help: string;
  value(c: ContainerView): number | undefined;
}

const seconds = (ns: number | undefined) => (ns === undefined ? undefined : ns / 1e9);
const pressureSeconds = (line: PressureLine | undefined) => (line?.total === undefined ? undefined : line.total / 1e6);

/** cAdvisor's names (docs/STATS.md), so existing dashboards work unchanged. */
const METRICS: Metric[] = [
  {
    name: 'container_cpu_usage_seconds_total',
    kind: 'counter',
    help: 'Cumulative CPU time consumed, in seconds.',
    value: (c) => seconds(c.raw.stats.cpu?.usage?.total),
  },
  {
    name: 'container_cpu_user_seconds_total',
    kind: 'counter',
    help: 'Cumulative CPU time consumed in user mode, in seconds.',
    value: (c) => seconds(c.raw.stats.cpu?.usage?.user),
  },
  {
    name: 'container_cpu_system_seconds_total',
    kind: 'counter',
    help: 'Cumulative CPU time consumed in kernel mode, in seconds.',
    value: (c) => seconds(c.raw.stats.cpu?.usage?.system),
  },
  {
    name: 'container_cpu_cfs_periods_total',
    kind: 'counter',
    help: 'Number of elapsed CFS enforcement periods.',
    value: (c) => c.raw.stats.cpu?.throttling_data?.periods,
  },
  {
    name: 'container_cpu_cfs_throttled_periods_total',
    kind: 'counter',
    help: 'Number of CFS periods in which the container was throttled.',
    value: (c) => c.raw.stats.cpu?.throttling_data?.throttled_periods,
  },
  {
    name: 'container_cpu_cfs_throttled_seconds_total',
    kind: 'counter',
    help: 'Total time the container was throttled, in seconds.',
    value: (c) => seconds(c.raw.stats.cpu?.throttling_data?.throttled_time),
  },
  {
    name: 'container_memory_usage_bytes',
    kind: 'gauge',
    help: 'Current memory usage in bytes, including page cache.',
    value: (c) => c.raw.stats.memory?.usage,
  },
  {
    name: 'container_memory_working_set_bytes',
    kind: 'gauge',
    help: 'Current working set in bytes: usage minus inactive page cache.',
    value: (c) => workingSet(c.raw.stats.memory),
  },
  {
    name: 'container_memory_max_usage_bytes',
    kind: 'gauge',
    help: 'Maximum memory usage recorded, in bytes.',
    value: (c) => c.raw.stats.memory?.max_usage,
  },
  {
    name: 'container_memory_cache',
    kind: 'gauge',
    help: 'Page cache memory, in bytes.',
    value: (c) => subtreeMemory(c.raw.stats.memory, 'cache'),
  },
  {
    name: 'container_memory_rss',
    kind: 'gauge',
    help: 'Anonymous memory (RSS), in bytes.',
    value: (c) => subtreeMemory(c.raw.stats.memory, 'rss'),
  },
  {
    name: 'container_memory_failcnt',
    kind: 'legacy-counter',
    help: 'Number of times memory usage hit the limit.',
    value: (c) => c.raw.stats.memory?.fail_count,
  },
  {
    name: 'container_oom_events_total',
    kind: 'counter',
    help: 'Processes in the container killed by the OOM killer.',
    value: (c) => c.raw.stats.memory?.oom_kill_count,
  },
  {
    name: 'container_spec_memory_limit_bytes',
    kind: 'gauge',
    help: 'Memory limit of the container, in bytes (absent when unlimited).',
    value: (c) => {
      const limit = c.raw.limits.memoryLimit ?? c.raw.stats.memory?.limit;
      return limit !== undefined && limit >= 0 ? limit : undefined;
    },
  },
  ...(['cpu', 'memory', 'io'] as const).flatMap((r): Metric[] => [
    {
      name: `container_pressure_${r}_waiting_seconds_total`,
      kind: 'counter',
      help: `Total time some tasks in the container waited for ${r} (PSI some), in seconds.`,
      value: (c) => pressureSeconds(c.raw.stats.pressure?.[r]?.some),
    },
    {
      name: `container_pressure_${r}_stalled_seconds_total`,
      kind: 'counter',
      help: `Total time no task in the container could progress for want of ${r} (PSI full), in seconds.`,
      value: (c) => pressureSeconds(c.raw.stats.pressure?.[r]?.full),
    },
  ]),
];

/** Escapes a label value: backslash, double quote and newline (both formats). */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function familyHeader(m: Metric, format: MetricsFormat): { family: string; type: string } {
  if (format === 'prometheus') return { family: m.name, type: m.kind === 'gauge' ? 'gauge' : 'counter' };
  if (m.kind === 'counter') return { family: m.name.replace(/_total$/, ''), type: 'counter' };
  return { family: m.name, type: m.kind === 'gauge' ? 'gauge' : 'unknown' };
}

/**
 * The sample as OpenMetrics 1.0 or Prometheus 0.0.4 text: one family per metric with
 * HELP and TYPE, one sample per container labelled `id` = absolute name, seconds and
 * bytes. A container lacking a stat has no sample there; a family no container has is left out.
 */
export function toOpenMetrics(view: SampleView, options: { format: MetricsFormat }): string {
  const lines: string[] = [];
  for (const m of METRICS) {
    const samples: string[] = [];
    for (const c of view.containers) {
      const v = m.value(c);
      if (v === undefined || !Number.isFinite(v)) continue;
      samples.push(`${m.name}{id="${escapeLabelValue(c.name)}"} ${v}`);
    }
    if (samples.length === 0) continue;
    const { family, type } = familyHeader(m, options.format);
    lines.push(`# HELP ${family} ${m.help}`, `# TYPE ${family} ${type}`, ...samples);
  }
  if (options.format === 'openmetrics') lines.push('# EOF');
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** HTTP Content-Type for a format. */
export function contentType(format: MetricsFormat): string {
  return format === 'openmetrics'
    ? 'application/openmetrics-text; version=1.0.0; charset=utf-8'
    : 'text/plain; version=0.0.4; charset=utf-8';
}
