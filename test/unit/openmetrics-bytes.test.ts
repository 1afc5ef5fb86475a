import { describe, expect, it } from 'vitest';
import type { RawContainerSample } from '../../src/stats/model.js';
import { ExpositionCache, exposed, openMetricsBytes, toOpenMetrics, type MetricsOptions } from '../../src/stats/openmetrics.js';

/** A raw pass of n containers named with `name(i)`, each with CPU time, tasks and a pids limit. */
function pass(n: number, name: (i: number) => string): RawContainerSample[] {
  return Array.from({ length: n }, (_, i) => ({
    name: name(i),
    id: i + 1,
    stats: { cpu: { usage: { total: 1e9 + i, user: 5e8, system: 4e8 } }, pids: { current: i % 7, limit: 64 } },
    limits: {},
  }));
}

describe('openMetricsBytes: the exposition written as bytes', () => {
  it('is the UTF-8 of the text, names outside ASCII and escapes included', () => {
    const view = exposed(pass(3, (i) => ['/caf\u00e9', '/\u65e5\u672c/\u{1f600}', '/q"uo\\te'][i]!));
    for (const format of ['prometheus', 'openmetrics'] as const) {
      const bytes = openMetricsBytes(view, { format });
      const text = bytes.toString('utf8');
      expect(Buffer.from(text, 'utf8').equals(bytes)).toBe(true);
      expect(text).toContain('container_cpu_usage_seconds_total{id="/\u65e5\u672c/\u{1f600}",cpu="total"} 1.000000001\n');
      expect(text).toContain('container_threads_max{id="/caf\u00e9"} 64\n');
      expect(text).toContain('container_threads{id="/q\\"uo\\\\te"} 2\n');
    }
  });

  it('an exposition larger than the one before it grows its buffer and loses nothing', () => {
    const small = openMetricsBytes(exposed(pass(1, () => '/a')), { format: 'prometheus' });
    const big = toOpenMetrics(exposed(pass(3000, (i) => `/g${i % 10}/container-with-a-long-name-${i}`)), { format: 'prometheus' });
    expect(big.length).toBeGreaterThan(small.length * 100);
    const lines = big.split('\n').filter((l) => l.startsWith('container_threads{'));
    expect(lines).toHaveLength(3000);
    expect(lines[2999]).toBe('container_threads{id="/g9/container-with-a-long-name-2999"} 3');
    expect(big.endsWith('\n')).toBe(true);
  });

  it('families no container has a sample for leave no header behind; no containers, no text', () => {
    const text = toOpenMetrics(exposed(pass(2, (i) => `/c${i}`)), { format: 'prometheus' });
    const families = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
    expect(families).toEqual(['container_cpu_usage_seconds_total', 'container_cpu_user_seconds_total', 'container_cpu_system_seconds_total', 'container_threads', 'container_threads_max']);
    expect(toOpenMetrics(exposed([]), { format: 'prometheus' })).toBe('');
    expect(toOpenMetrics(exposed([]), { format: 'openmetrics' })).toBe('# EOF\n');
  });
});

describe('ExpositionCache: the lines of readings handed on unchanged are copied, not made again', () => {
  /** Readings with devices, memory and a tier too, so families that look beyond the reading are in the text. */
  const rich = (i: number): RawContainerSample => ({
    name: `/g${i % 3}/c${i}`,
    id: i + 1,
    stats: {
      cpu: { usage: { total: 1e9 + i, user: 5e8, system: 4e8 } },
      pids: { current: i % 2, limit: 64 },
      memory: { usage: 4096 * i, working_set: 1024 * i, hierarchical_data: { cache: 7, rss: i } },
      blockio: { devices: [{ device: { major: 8, minor: i % 2 }, read_bytes: 10 * i, write_bytes: 3, read_ios: 1, write_ios: 2 }] },
    },
    limits: i % 2 ? { cpuShareMilli: 500 } : {},
  });
  const options = (over: Partial<MetricsOptions> = {}): MetricsOptions => ({
    format: 'openmetrics',
    deviceName: (major, minor) => `/dev/sd${'ab'[minor]}${major}`,
    ...over,
  });

  it('gives the text a writer without it gives, pass after pass, as readings change, come and go', () => {
    const cache = new ExpositionCache();
    let raws = Array.from({ length: 6 }, (_, i) => rich(i));
    const passes: Array<(r: RawContainerSample[]) => RawContainerSample[]> = [
      (r) => r,
      (r) => r,
      // One reading read again (a new object, other figures), one container gone, one new.
      (r) => [...r.slice(0, 2), { ...rich(2), stats: { ...rich(2).stats, pids: { current: 5, limit: 64 } } }, ...r.slice(4), rich(9)],
      (r) => r.map((c) => (c.name === '/g0/c9' ? { ...c, stats: { cpu: c.stats.cpu } } : c)),
      // Read again in the middle: runs of copied lines on both sides of it.
      (r) => r.map((c, i) => (i === 2 ? { ...c, stats: { ...c.stats, pids: { current: 3, limit: 9 } } } : c)),
      (r) => r,
    ];
    for (const next of passes) {
      raws = next(raws);
      for (const format of ['openmetrics', 'prometheus'] as const) {
        const want = toOpenMetrics(exposed(raws), options({ format }));
        expect(openMetricsBytes(exposed(raws), options({ format, cache })).toString('utf8')).toBe(want);
      }
    }
    expect(cache.raws).toEqual(raws);
  });

  it('copies the lines of an unchanged reading (the same object), and makes the device names anew', () => {
    const cache = new ExpositionCache();
    const raws = Array.from({ length: 3 }, (_, i) => rich(i));
    openMetricsBytes(exposed(raws), options({ cache }));
    // The cached lines are what gets copied: marking them shows they were used.
    const marked = `container_threads{id="${raws[1]!.name}`;
    const block = cache.families.find((f) => f?.bytes.includes(marked))!;
    block.bytes.write('X', block.bytes.indexOf(marked) + 'container_threads{id="'.length, 'latin1');
    const again = openMetricsBytes(exposed(raws), options({ cache, deviceName: () => '/dev/renamed' })).toString('utf8');
    expect(again).toContain('container_threads{id="X');
    expect(again).toContain('device="/dev/renamed"');
    expect(again).not.toContain('/dev/sda');
  });
});
