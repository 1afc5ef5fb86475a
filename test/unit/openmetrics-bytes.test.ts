import { describe, expect, it } from 'vitest';
import type { RawContainerSample } from '../../src/stats/model.js';
import { exposed, openMetricsBytes, toOpenMetrics } from '../../src/stats/openmetrics.js';

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
