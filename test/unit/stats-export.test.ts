import { describe, expect, it } from 'vitest';
import { sampleToJson, toNdjsonLine } from '../../src/stats/json.js';
import { workingSet } from '../../src/stats/memory.js';
import type { SampleView } from '../../src/stats/model.js';
import { contentType, escapeLabelValue, toOpenMetrics } from '../../src/stats/openmetrics.js';

import { parseExposition as parsePrometheusTextFormat } from '../helpers/exposition.js';

/** Two containers: a busy one with most stats, a bare one with a name that needs escaping. */
const VIEW: SampleView = {
  timestamp: '2024-01-02T03:04:05.600Z',
  monoNs: 9e9,
  intervalSec: 1,
  host: { hostname: 'node7', cpus: 4, load1: 0.5, memTotalBytes: 2048 },
  containers: [
    {
      name: '/web',
      depth: 1,
      state: 'THAWED',
      raw: {
        name: '/web',
        id: 42,
        limits: { cpuMaxMilli: 1500, cpuShareMilli: 1000, memoryLimit: 1073741824 },
        histogramSource: 'schedstat',
        stats: {
          cpu: {
            usage: { total: 2_500_000_000, user: 2_000_000_000, system: 500_000_000 },
            throttling_data: { periods: 100, throttled_periods: 7, throttled_time: 250_000_000 },
            histograms: [{ type: 'ONCPU', stat: [{ bucket: 1, value: 2 }] }],
          },
          memory: {
            usage: 10_485_760,
            max_usage: 20_971_520,
            fail_count: 3,
            oom_kill_count: 1,
            hierarchical_data: { cache: 4_194_304, rss: 6_291_456, inactive_file: 1_048_576 },
          },
          pressure: { cpu: { some: { avg10: 1.5, total: 1_500_000 }, full: { total: 250_000 } } },
          freezer: { state: 'THAWED' },
        },
      },
      rates: { cpuPercent: 75, cpuPercentOfCap: 50, throttledPercent: 7, memoryGrowthPerSec: -4096, oomKillsDelta: 0 },
      histograms: [{ type: 'ONCPU', stat: [{ bucket: 1, value: 2 }] }],
    },
    {
      name: '/odd"na\\me\n',
      depth: 1,
      raw: { name: '/odd"na\\me\n', id: 43, limits: { memoryLimit: -1 }, stats: { memory: { usage: 0 } } },
      rates: {},
    },
  ],
};

describe('sampleToJson', () => {
  it('proto field names and units for stats, derived numbers under rates with unit names', () => {
    expect(sampleToJson(VIEW)).toEqual({
      timestamp: '2024-01-02T03:04:05.600Z',
      interval_sec: 1,
      host: { hostname: 'node7', cpus: 4, load1: 0.5, mem_total_bytes: 2048 },
      containers: [
        {
          name: '/web',
          id: 42,
          state: 'THAWED',
          limits: { cpu: { limit: 1000, max_limit: 1500 }, memory: { limit: 1073741824 } },
          rates: {
            cpu_percent: 75,
            cpu_percent_denominator: 'one CPU',
            cpu_percent_of_cap: 50,
            throttled_percent: 7,
            memory_growth_bytes_per_sec: -4096,
            oom_kills_delta: 0,
          },
          histogram_source: 'schedstat',
          stats: VIEW.containers[0]!.raw.stats,
        },
        { name: '/odd"na\\me\n', id: 43, limits: { memory: { limit: -1 } }, rates: {}, stats: { memory: { usage: 0 } } },
      ],
    });
  });

  it('the denominator is stated only beside a CPU %', () => {
    const json = sampleToJson(VIEW);
    expect('cpu_percent_denominator' in json.containers[1]!.rates).toBe(false);
  });

  it('drops non-finite rates instead of writing null', () => {
    const view: SampleView = { ...VIEW, containers: [{ ...VIEW.containers[1]!, rates: { cpuPercent: NaN, ioReadBytesPerSec: Infinity } }] };
    expect(sampleToJson(view).containers[0]!.rates).toEqual({});
  });

  it('NDJSON: one sample per line, parseable back', () => {
    const line = toNdjsonLine(VIEW);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1).includes('\n')).toBe(false);
    expect(JSON.parse(line)).toEqual(sampleToJson(VIEW));
  });
});

const PROMETHEUS = `# HELP container_cpu_usage_seconds_total Cumulative CPU time consumed, in seconds.
# TYPE container_cpu_usage_seconds_total counter
container_cpu_usage_seconds_total{id="/web"} 2.5
# HELP container_cpu_user_seconds_total Cumulative CPU time consumed in user mode, in seconds.
# TYPE container_cpu_user_seconds_total counter
container_cpu_user_seconds_total{id="/web"} 2
# HELP container_cpu_system_seconds_total Cumulative CPU time consumed in kernel mode, in seconds.
# TYPE container_cpu_system_seconds_total counter
container_cpu_system_seconds_total{id="/web"} 0.5
# HELP container_cpu_cfs_periods_total Number of elapsed CFS enforcement periods.
# TYPE container_cpu_cfs_periods_total counter
container_cpu_cfs_periods_total{id="/web"} 100
# HELP container_cpu_cfs_throttled_periods_total Number of CFS periods in which the container was throttled.
# TYPE container_cpu_cfs_throttled_periods_total counter
container_cpu_cfs_throttled_periods_total{id="/web"} 7
# HELP container_cpu_cfs_throttled_seconds_total Total time the container was throttled, in seconds.
# TYPE container_cpu_cfs_throttled_seconds_total counter
container_cpu_cfs_throttled_seconds_total{id="/web"} 0.25
# HELP container_memory_usage_bytes Current memory usage in bytes, including page cache.
# TYPE container_memory_usage_bytes gauge
container_memory_usage_bytes{id="/web"} 10485760
container_memory_usage_bytes{id="/odd\\"na\\\\me\\n"} 0
# HELP container_memory_working_set_bytes Current working set in bytes: usage minus inactive page cache.
# TYPE container_memory_working_set_bytes gauge
container_memory_working_set_bytes{id="/web"} 9437184
# HELP container_memory_max_usage_bytes Maximum memory usage recorded, in bytes.
# TYPE container_memory_max_usage_bytes gauge
container_memory_max_usage_bytes{id="/web"} 20971520
# HELP container_memory_cache Page cache memory, in bytes.
# TYPE container_memory_cache gauge
container_memory_cache{id="/web"} 4194304
# HELP container_memory_rss Anonymous memory (RSS), in bytes.
# TYPE container_memory_rss gauge
container_memory_rss{id="/web"} 6291456
# HELP container_memory_failcnt Number of times memory usage hit the limit.
# TYPE container_memory_failcnt counter
container_memory_failcnt{id="/web"} 3
# HELP container_oom_events_total Processes in the container killed by the OOM killer.
# TYPE container_oom_events_total counter
container_oom_events_total{id="/web"} 1
# HELP container_spec_memory_limit_bytes Memory limit of the container, in bytes (absent when unlimited).
# TYPE container_spec_memory_limit_bytes gauge
container_spec_memory_limit_bytes{id="/web"} 1073741824
# HELP container_pressure_cpu_waiting_seconds_total Total time some tasks in the container waited for cpu (PSI some), in seconds.
# TYPE container_pressure_cpu_waiting_seconds_total counter
container_pressure_cpu_waiting_seconds_total{id="/web"} 1.5
# HELP container_pressure_cpu_stalled_seconds_total Total time no task in the container could progress for want of cpu (PSI full), in seconds.
# TYPE container_pressure_cpu_stalled_seconds_total counter
container_pressure_cpu_stalled_seconds_total{id="/web"} 0.25
`;

describe('toOpenMetrics', () => {
  it('prometheus text: exact output', () => {
    expect(toOpenMetrics(VIEW, { format: 'prometheus' })).toBe(PROMETHEUS);
  });

  it('openmetrics: counter families drop _total, failcnt is unknown, # EOF ends it', () => {
    const text = toOpenMetrics(VIEW, { format: 'openmetrics' });
    const expected = PROMETHEUS.replace(/^# (HELP|TYPE) (\w+)_total /gm, '# $1 $2 ').replace(
      '# TYPE container_memory_failcnt counter',
      '# TYPE container_memory_failcnt unknown',
    );
    expect(text).toBe(`${expected}# EOF\n`);
  });

  it('openmetrics: every sample belongs to the family declared above it', () => {
    let family = '';
    let type = '';
    for (const line of toOpenMetrics(VIEW, { format: 'openmetrics' }).trimEnd().split('\n')) {
      const meta = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (meta) [, family, type] = meta as unknown as [string, string, string];
      if (line.startsWith('#')) continue;
      const name = line.slice(0, line.indexOf('{'));
      expect(name).toBe(type === 'counter' ? `${family}_total` : family);
    }
  });

  it('a real exposition parser reads every family, type, label and value back', () => {
    const families = parsePrometheusTextFormat(toOpenMetrics(VIEW, { format: 'prometheus' }));
    expect(families).toHaveLength(16);
    expect(families.map((f) => f.name)).toEqual([...PROMETHEUS.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
    const byName = new Map(families.map((f) => [f.name, f]));
    expect(byName.get('container_cpu_usage_seconds_total')).toMatchObject({
      type: 'COUNTER',
      metrics: [{ value: '2.5', labels: { id: '/web' } }],
    });
    expect(byName.get('container_memory_usage_bytes')).toMatchObject({
      type: 'GAUGE',
      metrics: [
        { value: '10485760', labels: { id: '/web' } },
        { value: '0', labels: { id: '/odd"na\\me\n' } },
      ],
    });
    for (const f of families) expect(f.help).not.toBe('');
  });

  it('the parser also reads the OpenMetrics samples and labels', () => {
    const families = parsePrometheusTextFormat(toOpenMetrics(VIEW, { format: 'openmetrics' }));
    const samples = families.flatMap((f) => f.metrics.map((m) => [f.name, m.labels?.id, Number(m.value)]));
    expect(samples).toContainEqual(['container_cpu_usage_seconds_total', '/web', 2.5]);
    expect(samples).toContainEqual(['container_memory_usage_bytes', '/odd"na\\me\n', 0]);
  });

  it('no containers: no families; OpenMetrics still ends with # EOF', () => {
    const empty = { ...VIEW, containers: [] };
    expect(toOpenMetrics(empty, { format: 'prometheus' })).toBe('');
    expect(toOpenMetrics(empty, { format: 'openmetrics' })).toBe('# EOF\n');
  });

  it.each([
    ['plain', 'plain'],
    ['a"b', 'a\\"b'],
    ['a\\b', 'a\\\\b'],
    ['a\nb', 'a\\nb'],
    ['\\"\n', '\\\\\\"\\n'],
  ])('escapes label value %j', (raw, escaped) => {
    expect(escapeLabelValue(raw)).toBe(escaped);
  });

  it.each([
    ['openmetrics', 'application/openmetrics-text; version=1.0.0; charset=utf-8'],
    ['prometheus', 'text/plain; version=0.0.4; charset=utf-8'],
  ] as const)('content type for %s', (format, type) => {
    expect(contentType(format)).toBe(type);
  });
});

describe('workingSet', () => {
  it.each([
    ['engine value wins', { working_set: 5, usage: 100, hierarchical_data: { inactive_file: 10 } }, 5],
    ['usage minus hierarchical inactive_file', { usage: 100, hierarchical_data: { inactive_file: 30 }, container_data: { inactive_file: 10 } }, 70],
    ['own inactive_file when no hierarchical data', { usage: 100, container_data: { inactive_file: 10 } }, 90],
    ['floored at 0', { usage: 100, container_data: { inactive_file: 300 } }, 0],
    ['unknown without memory.stat', { usage: 100 }, undefined],
    ['unknown without usage', { container_data: { inactive_file: 1 } }, undefined],
    ['no memory stats', undefined, undefined],
  ])('%s', (_, memory, expected) => {
    expect(workingSet(memory)).toBe(expected);
  });
});
