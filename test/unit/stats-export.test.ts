import { describe, expect, it } from 'vitest';
import { sampleToJson, toNdjsonLine } from '../../src/stats/json.js';
import { workingSet } from '../../src/stats/memory.js';
import type { ContainerStats } from '../../src/messages/types.js';
import type { SampleLimits, SampleView } from '../../src/stats/model.js';
import { LOOKUPS, VIEW } from '../fixtures/sample-view.js';
import { contentType, escapeLabelValue, exposed, toOpenMetrics, type MetricsOptions } from '../../src/stats/openmetrics.js';

import { parseExposition as parsePrometheusTextFormat } from '../helpers/exposition.js';

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
          tier: 'NORMAL',
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

const PROMETHEUS = `# HELP container_cpu_usage_seconds_total Cumulative cpu time consumed in seconds.
# TYPE container_cpu_usage_seconds_total counter
container_cpu_usage_seconds_total{id="/web",cpu="total"} 2.5
# HELP container_cpu_user_seconds_total Cumulative user cpu time consumed in seconds.
# TYPE container_cpu_user_seconds_total counter
container_cpu_user_seconds_total{id="/web"} 2
# HELP container_cpu_system_seconds_total Cumulative system cpu time consumed in seconds.
# TYPE container_cpu_system_seconds_total counter
container_cpu_system_seconds_total{id="/web"} 0.5
# HELP container_cpu_cfs_periods_total Number of elapsed enforcement period intervals.
# TYPE container_cpu_cfs_periods_total counter
container_cpu_cfs_periods_total{id="/web"} 100
# HELP container_cpu_cfs_throttled_periods_total Number of throttled period intervals.
# TYPE container_cpu_cfs_throttled_periods_total counter
container_cpu_cfs_throttled_periods_total{id="/web"} 7
# HELP container_cpu_cfs_throttled_seconds_total Total time duration the container has been throttled.
# TYPE container_cpu_cfs_throttled_seconds_total counter
container_cpu_cfs_throttled_seconds_total{id="/web"} 0.25
# HELP container_spec_cpu_period CPU period of the container.
# TYPE container_spec_cpu_period gauge
container_spec_cpu_period{id="/web"} 100000
# HELP container_spec_cpu_quota CPU quota of the container.
# TYPE container_spec_cpu_quota gauge
container_spec_cpu_quota{id="/web"} 150000
# HELP container_spec_cpu_shares CPU share of the container.
# TYPE container_spec_cpu_shares gauge
container_spec_cpu_shares{id="/web"} 1024
# HELP container_memory_usage_bytes Current memory usage in bytes, including all memory regardless of when it was accessed
# TYPE container_memory_usage_bytes gauge
container_memory_usage_bytes{id="/web"} 10485760
container_memory_usage_bytes{id="/odd\\"na\\\\me\\n"} 0
# HELP container_memory_working_set_bytes Current working set in bytes.
# TYPE container_memory_working_set_bytes gauge
container_memory_working_set_bytes{id="/web"} 9437184
# HELP container_memory_max_usage_bytes Maximum memory usage recorded in bytes
# TYPE container_memory_max_usage_bytes gauge
container_memory_max_usage_bytes{id="/web"} 20971520
# HELP container_memory_cache Number of bytes of page cache memory.
# TYPE container_memory_cache gauge
container_memory_cache{id="/web"} 4194304
# HELP container_memory_rss Size of RSS in bytes.
# TYPE container_memory_rss gauge
container_memory_rss{id="/web"} 6291456
# HELP container_memory_mapped_file Size of memory mapped files in bytes.
# TYPE container_memory_mapped_file gauge
container_memory_mapped_file{id="/web"} 65536
# HELP container_memory_total_active_file_bytes Current total active file in bytes.
# TYPE container_memory_total_active_file_bytes gauge
container_memory_total_active_file_bytes{id="/web"} 3145728
# HELP container_memory_total_inactive_file_bytes Current total inactive file in bytes.
# TYPE container_memory_total_inactive_file_bytes gauge
container_memory_total_inactive_file_bytes{id="/web"} 1048576
# HELP container_memory_failcnt Number of memory usage hits limits
# TYPE container_memory_failcnt counter
container_memory_failcnt{id="/web"} 3
# HELP container_memory_failures_total Cumulative count of memory allocation failures.
# TYPE container_memory_failures_total counter
container_memory_failures_total{id="/web",failure_type="pgfault",scope="container"} 10
container_memory_failures_total{id="/web",failure_type="pgfault",scope="hierarchy"} 12
container_memory_failures_total{id="/web",failure_type="pgmajfault",scope="container"} 1
container_memory_failures_total{id="/web",failure_type="pgmajfault",scope="hierarchy"} 2
# HELP container_oom_events_total Count of out of memory events observed for the container
# TYPE container_oom_events_total counter
container_oom_events_total{id="/web"} 1
# HELP container_spec_memory_limit_bytes Memory limit for the container.
# TYPE container_spec_memory_limit_bytes gauge
container_spec_memory_limit_bytes{id="/web"} 1073741824
container_spec_memory_limit_bytes{id="/odd\\"na\\\\me\\n"} 0
# HELP container_spec_memory_reservation_limit_bytes Memory reservation limit for the container.
# TYPE container_spec_memory_reservation_limit_bytes gauge
container_spec_memory_reservation_limit_bytes{id="/web"} 536870912
# HELP container_spec_memory_swap_limit_bytes Memory swap limit for the container.
# TYPE container_spec_memory_swap_limit_bytes gauge
container_spec_memory_swap_limit_bytes{id="/web"} 0
# HELP container_threads Number of threads running inside the container
# TYPE container_threads gauge
container_threads{id="/web"} 7
# HELP container_threads_max Maximum number of threads allowed inside the container, infinity if value is zero
# TYPE container_threads_max gauge
container_threads_max{id="/web"} 0
# HELP container_fs_reads_bytes_total Cumulative count of bytes read
# TYPE container_fs_reads_bytes_total counter
container_fs_reads_bytes_total{id="/web",device="/dev/sda"} 4096
container_fs_reads_bytes_total{id="/web",device=""} 512
# HELP container_fs_reads_total Cumulative count of reads completed
# TYPE container_fs_reads_total counter
container_fs_reads_total{id="/web",device="/dev/sda"} 1
# HELP container_fs_writes_bytes_total Cumulative count of bytes written
# TYPE container_fs_writes_bytes_total counter
container_fs_writes_bytes_total{id="/web",device="/dev/sda"} 8192
container_fs_writes_bytes_total{id="/web",device=""} 0
# HELP container_fs_writes_total Cumulative count of writes completed
# TYPE container_fs_writes_total counter
container_fs_writes_total{id="/web",device="/dev/sda"} 2
# HELP container_blkio_device_usage_total Blkio Device bytes usage
# TYPE container_blkio_device_usage_total counter
container_blkio_device_usage_total{id="/web",device="/dev/sda",major="8",minor="0",operation="Read"} 4096
container_blkio_device_usage_total{id="/web",device="/dev/sda",major="8",minor="0",operation="Write"} 8192
container_blkio_device_usage_total{id="/web",device="",major="253",minor="7",operation="Read"} 512
container_blkio_device_usage_total{id="/web",device="",major="253",minor="7",operation="Write"} 0
# HELP container_pressure_cpu_waiting_seconds_total Total time duration tasks in the container have waited due to CPU congestion.
# TYPE container_pressure_cpu_waiting_seconds_total counter
container_pressure_cpu_waiting_seconds_total{id="/web"} 1.5
# HELP container_pressure_cpu_stalled_seconds_total Total time duration no tasks in the container could make progress due to CPU congestion.
# TYPE container_pressure_cpu_stalled_seconds_total counter
container_pressure_cpu_stalled_seconds_total{id="/web"} 0.25
# HELP lmctfy_container_pressure_avg10_ratio Share of the last 10 s in which some (kind="some") or all (kind="full") tasks of the container stalled on the resource (PSI avg10 / 100).
# TYPE lmctfy_container_pressure_avg10_ratio gauge
lmctfy_container_pressure_avg10_ratio{id="/web",resource="cpu",kind="some"} 0.015
# HELP lmctfy_container_tier The container's tier, its cpu.scheduling_latency (label tier); always 1.
# TYPE lmctfy_container_tier gauge
lmctfy_container_tier{id="/web",tier="NORMAL"} 1
`;

describe('toOpenMetrics', () => {
  it('prometheus text: exact output', () => {
    expect(toOpenMetrics(VIEW, { format: 'prometheus', ...LOOKUPS })).toBe(PROMETHEUS);
  });

  it('a raw pass (no rates, no host) exposes exactly what its view does', () => {
    const raw = exposed(VIEW.containers.map((c) => c.raw));
    expect(toOpenMetrics(raw, { format: 'prometheus', ...LOOKUPS })).toBe(PROMETHEUS);
  });

  it('openmetrics: counter families drop _total, failcnt is unknown, # EOF ends it', () => {
    const text = toOpenMetrics(VIEW, { format: 'openmetrics', ...LOOKUPS });
    const expected = PROMETHEUS.replace(/^# (HELP|TYPE) (\w+)_total /gm, '# $1 $2 ').replace(
      '# TYPE container_memory_failcnt counter',
      '# TYPE container_memory_failcnt unknown',
    );
    expect(text).toBe(`${expected}# EOF\n`);
  });

  it('openmetrics: every sample belongs to the family declared above it', () => {
    let family = '';
    let type = '';
    for (const line of toOpenMetrics(VIEW, { format: 'openmetrics', ...LOOKUPS }).trimEnd().split('\n')) {
      const meta = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (meta) [, family, type] = meta as unknown as [string, string, string];
      if (line.startsWith('#')) continue;
      const name = line.slice(0, line.indexOf('{'));
      expect(name).toBe(type === 'counter' ? `${family}_total` : family);
    }
  });

  it('a real exposition parser reads every family, type, label and value back', () => {
    const families = parsePrometheusTextFormat(toOpenMetrics(VIEW, { format: 'prometheus', ...LOOKUPS }));
    expect(families).toHaveLength(PROMETHEUS.match(/^# TYPE /gm)!.length);
    expect(families.map((f) => f.name)).toEqual([...PROMETHEUS.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
    const byName = new Map(families.map((f) => [f.name, f]));
    expect(byName.get('container_cpu_usage_seconds_total')).toMatchObject({
      type: 'COUNTER',
      metrics: [{ value: '2.5', labels: { id: '/web', cpu: 'total' } }],
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
    const families = parsePrometheusTextFormat(toOpenMetrics(VIEW, { format: 'openmetrics', ...LOOKUPS }));
    const samples = families.flatMap((f) => f.metrics.map((m) => [f.name, m.labels?.id, Number(m.value)]));
    expect(samples).toContainEqual(['container_cpu_usage_seconds_total', '/web', 2.5]);
    expect(samples).toContainEqual(['container_memory_usage_bytes', '/odd"na\\me\n', 0]);
  });

  it('no containers: no families; OpenMetrics still ends with # EOF', () => {
    const empty = { ...VIEW, containers: [] };
    expect(toOpenMetrics(empty, { format: 'prometheus' })).toBe('');
    expect(toOpenMetrics(empty, { format: 'openmetrics' })).toBe('# EOF\n');
  });

  /** The samples of one family, as `labels value` after the metric name. */
  const samplesOf = (view: SampleView, name: string, options: Omit<MetricsOptions, 'format'> = LOOKUPS) =>
    toOpenMetrics(view, { format: 'prometheus', ...options })
      .split('\n')
      .filter((l) => l.startsWith(`${name}{`))
      .map((l) => l.slice(name.length));

  const withStats = (stats: ContainerStats, limits: SampleLimits = {}): SampleView => ({
    ...VIEW,
    containers: [{ name: '/c', depth: 1, raw: { name: '/c', id: 1, limits, stats }, rates: {} }],
  });

  it.each([
    ['memory limit', { memory: { limit: -1 } }, 'container_spec_memory_limit_bytes'],
    ['memory reservation', { memory: { reservation: -1 } }, 'container_spec_memory_reservation_limit_bytes'],
    ['memory+swap limit', { memory: { swap_limit: -1 } }, 'container_spec_memory_swap_limit_bytes'],
    ['pids limit', { pids: { limit: -1 } }, 'container_threads_max'],
  ] as const)('an unlimited %s reads 0, as cAdvisor reports an unset limit', (_, stats, name) => {
    expect(samplesOf(withStats(stats), name)).toEqual(['{id="/c"} 0']);
  });

  it('a limit the container does not have (no such controller) is no sample, not 0', () => {
    const text = toOpenMetrics(withStats({ cpu: { usage: { total: 1e9 } } }), { format: 'prometheus', ...LOOKUPS });
    expect(text).not.toMatch(/container_spec_memory|container_threads_max/);
  });

  it('the CPU spec families come from the raw settings the pass kept: a container without them has none', () => {
    const text = toOpenMetrics(withStats({ cpu: { usage: { total: 1e9 } } }, { cpuMaxMilli: 1500 }), { format: 'prometheus' });
    expect(text).not.toMatch(/container_spec_cpu_/);
    expect(samplesOf(VIEW, 'container_spec_cpu_quota')).toEqual(['{id="/web"} 150000']);
  });

  it('an unlimited CPU quota has no container_spec_cpu_quota sample (cAdvisor: only when set)', () => {
    const view = withStats({}, { cpuKernel: { periodUs: 100_000, shares: 2 } });
    expect(samplesOf(view, 'container_spec_cpu_quota')).toEqual([]);
    expect(samplesOf(view, 'container_spec_cpu_period')).toEqual(['{id="/c"} 100000']);
  });

  it('reads each device\'s name once per exposition', () => {
    const asked: string[] = [];
    toOpenMetrics(VIEW, {
      format: 'prometheus',
      deviceName: (major, minor) => (asked.push(`${major}:${minor}`), undefined),
    });
    expect(asked.sort()).toEqual(['253:7', '8:0']);
  });

  it('memory failures: own faults under scope container, the subtree\'s under hierarchy; v2 has only the latter', () => {
    const v2 = withStats({ memory: { hierarchical_data: { pgfault: 5, pgmajfault: 0 } } });
    expect(samplesOf(v2, 'container_memory_failures_total')).toEqual([
      '{id="/c",failure_type="pgfault",scope="hierarchy"} 5',
      '{id="/c",failure_type="pgmajfault",scope="hierarchy"} 0',
    ]);
  });

  it('IO counters: one sample per device; a counter the kernel does not keep (IO operations here) has none', () => {
    const view = withStats({ blockio: { devices: [{ device: { major: 8, minor: 0 }, read_bytes: 1, write_bytes: 2 }] } });
    expect(samplesOf(view, 'container_fs_reads_bytes_total')).toEqual(['{id="/c",device="/dev/sda"} 1']);
    expect(samplesOf(view, 'container_fs_reads_total')).toEqual([]);
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
