import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { lmctfy } from '../helpers/cli.js';
import { ContainerApi } from '../../src/engine/container-api.js';
import type { ContainerJson, SampleJson } from '../../src/stats/json.js';

/**
 * Headless `top` carries an empty, still subtree (Sampler carryEmpty) and copies a carried
 * container's JSON text or exposition lines from its last pass: what it prints of an idle
 * container after several passes is what a one-off pass that reads every file prints.
 */
describeCgroups('headless top: the lines of carried containers are those of a pass of every file (real cgroups)', () => {
  const t = testRoot('top-headless');
  beforeAll(async () => {
    const api = await ContainerApi.init({}, { root: t.root });
    await api.create('top', { cpu: { limit: 1000 } });
    await api.create('top/a', { pids: { limit: 64 } });
    await api.create('top/a/b', {});
    await api.create('top/c', { cpu: { limit: 500 } });
  });
  afterAll(() => t.cleanup());

  const IDLE = ['/top/a', '/top/a/b', '/top/c'];
  const passes = (args: string[], count: number) => {
    const r = lmctfy(t.root, ['top', ...args, '--count', String(count), '--interval', '0.25', '/top']);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };

  it('--json: the last of five lines shows each idle container as one pass reads it, with zero rates and an empty interval of histograms', () => {
    const lines = passes(['--json'], 5).trim().split('\n');
    expect(lines).toHaveLength(5);
    const last = JSON.parse(lines[4]!) as SampleJson;
    const once = JSON.parse(passes(['--json'], 1)) as SampleJson;
    const byName = (s: SampleJson) => new Map(s.containers.map((c): [string, ContainerJson] => [c.name, c]));
    const [streamed, read] = [byName(last), byName(once)];
    for (const name of IDLE) {
      const { rates, histogram_source: source, stats, ...rest } = streamed.get(name)!;
      const { histograms, ...cpu } = stats.cpu!;
      const want = read.get(name)!;
      expect(rest, name).toEqual({ name: want.name, id: want.id, state: want.state, limits: want.limits, ...(want.tier ? { tier: want.tier } : {}) });
      expect({ ...stats, cpu }, name).toEqual(want.stats);
      expect(rates, name).toEqual({ cpu_percent: 0, cpu_percent_denominator: 'one CPU' });
      expect(source).toBe('schedstat');
      expect(histograms!.every((h) => h.stat.every((b) => b.value === 0)), name).toBe(true);
    }
  });

  it('--format prometheus: the last of four expositions has the idle containers\' lines of a one-off pass', () => {
    const text = passes(['--format', 'prometheus'], 4);
    const last = text.slice(text.lastIndexOf('# HELP container_cpu_usage_seconds_total'));
    const once = passes(['--format', 'prometheus'], 1);
    const linesOf = (s: string, id: string) => s.split('\n').filter((l) => l.includes(`{id="${id}"`));
    for (const name of IDLE) {
      expect(linesOf(last, name).length, name).toBeGreaterThan(2);
      expect(linesOf(last, name), name).toEqual(linesOf(once, name));
    }
  });
});
