import { describe, expect, it } from 'vitest';
import type { ContainerStats } from '../../src/messages/types.js';
import type { RawContainerSample, RawSample } from '../../src/stats/model.js';
import { SampleDeriver, counterDelta, deriveRates, ioCounterDelta } from '../../src/stats/rates.js';

const SEC = 1e9;

function raw(stats: ContainerStats, extra: Partial<RawContainerSample> = {}): RawContainerSample {
  return { name: '/a', id: 7, stats, limits: {}, ...extra };
}

const cpu = (total: number, periods?: number, throttled?: number): ContainerStats => ({
  cpu: {
    usage: { total },
    ...(periods === undefined ? {} : { throttling_data: { periods, throttled_periods: throttled } }),
  },
});

describe('counterDelta', () => {
  it.each([
    [10, 15, 5],
    [10, 10, 0],
    [10, 9, undefined],
    [undefined, 5, undefined],
    [5, undefined, undefined],
  ])('%s → %s = %s', (a, b, expected) => {
    expect(counterDelta(a, b)).toBe(expected);
  });
});

describe('deriveRates', () => {
  it.each([
    ['half a CPU', 0.5 * SEC, SEC, 50],
    ['four busy CPUs read 400', 4 * SEC, SEC, 400],
    ['idle', 0, SEC, 0],
    ['over two seconds', SEC, 2 * SEC, 50],
  ])('cpu %s', (_, used, dt, expected) => {
    expect(deriveRates(raw(cpu(1000)), raw(cpu(1000 + used)), dt).cpuPercent).toBeCloseTo(expected, 9);
  });

  it.each([
    [500, 50, 100],
    [2000, 50, 25],
    [undefined, 50, undefined],
    [-1, 50, undefined],
  ])('cap %s milli with %s %% → %s %% of cap', (cap, pct, expected) => {
    const limits = cap === undefined ? {} : { cpuMaxMilli: cap };
    const r = deriveRates(raw(cpu(0), { limits }), raw(cpu((pct / 100) * SEC), { limits }), SEC);
    expect(r.cpuPercentOfCap).toBe(expected);
  });

  it.each([
    ['quarter of periods throttled', [100, 10], [200, 35], 25],
    ['none throttled', [100, 10], [150, 10], 0],
    ['no period elapsed: no denominator', [100, 10], [100, 10], undefined],
    ['periods counter reset', [100, 10], [50, 10], undefined],
    ['throttled counter reset', [100, 10], [200, 5], undefined],
  ])('throttling: %s', (_, [p0, t0], [p1, t1], expected) => {
    expect(deriveRates(raw(cpu(0, p0, t0)), raw(cpu(0, p1, t1)), SEC).throttledPercent).toBe(expected);
  });

  it('first pass of a series has no rates', () => {
    expect(deriveRates(undefined, raw(cpu(5)), SEC)).toEqual({});
  });

  it('a recreated cgroup (new id) restarts every series', () => {
    const before = raw({ ...cpu(5), memory: { usage: 10, oom_kill_count: 0 } });
    const after = raw({ ...cpu(SEC), memory: { usage: 20, oom_kill_count: 1 } }, { id: 8 });
    expect(deriveRates(before, after, SEC)).toEqual({});
  });

  it('a counter going backwards restarts only its own series, never a negative rate', () => {
    const before = raw({ ...cpu(5 * SEC), memory: { usage: 100, oom_kill_count: 3 } });
    const after = raw({ ...cpu(SEC), memory: { usage: 50, oom_kill_count: 4 } });
    const r = deriveRates(before, after, SEC);
    expect(r.cpuPercent).toBeUndefined();
    expect(r.oomKillsDelta).toBe(1);
    expect(r.memoryGrowthPerSec).toBe(-50);
  });

  it('zero or negative interval gives no rates', () => {
    expect(deriveRates(raw(cpu(0)), raw(cpu(SEC)), 0)).toEqual({});
    expect(deriveRates(raw(cpu(0)), raw(cpu(SEC)), -5)).toEqual({});
  });

  it('memory growth per second and OOM kills since the previous pass', () => {
    const r = deriveRates(raw({ memory: { usage: 1000, oom_kill_count: 2 } }), raw({ memory: { usage: 5000, oom_kill_count: 5 } }), 2 * SEC);
    expect(r).toEqual({ memoryGrowthPerSec: 2000, oomKillsDelta: 3 });
  });

  it('missing stats stay absent, never 0', () => {
    expect(deriveRates(raw({}), raw({}), SEC)).toEqual({});
  });

  it('IO bytes per second summed over devices', () => {
    const dev = (minor: number, r: number, w: number) => ({ device: { major: 8, minor }, read_bytes: r, write_bytes: w });
    const before = raw({ blockio: { devices: [dev(0, 100, 1000), dev(16, 0, 0)] } });
    const after = raw({ blockio: { devices: [dev(16, 300, 0), dev(0, 300, 3000)] } });
    expect(deriveRates(before, after, 2 * SEC)).toEqual({ ioReadBytesPerSec: 250, ioWriteBytesPerSec: 1000 });
  });

  it('IO operations per second where the kernel counts them', () => {
    const dev = (minor: number, r: number, w: number) => ({ device: { major: 8, minor }, read_bytes: r * 4096, write_bytes: w * 4096, read_ios: r, write_ios: w });
    const before = raw({ blockio: { devices: [dev(0, 10, 100)] } });
    const after = raw({ blockio: { devices: [dev(0, 30, 500), dev(16, 4, 0)] } });
    expect(deriveRates(before, after, 2 * SEC)).toEqual({
      ioReadBytesPerSec: 12 * 4096,
      ioWriteBytesPerSec: 200 * 4096,
      ioReadOpsPerSec: 12,
      ioWriteOpsPerSec: 200,
    });
  });
});

describe('ioCounterDelta', () => {
  const d = (minor: number, read_bytes?: number) => ({ device: { major: 8, minor }, read_bytes });
  it.each([
    ['matched devices', [d(0, 10), d(1, 5)], [d(0, 20), d(1, 6)], 11],
    ['a new device counts from zero', [d(0, 10)], [d(0, 10), d(1, 7)], 7],
    ['a removed device drops out', [d(0, 10), d(1, 70)], [d(0, 15)], 5],
    ['no devices on either side', [], [], 0],
    ['a device going backwards', [d(0, 10), d(1, 5)], [d(0, 20), d(1, 4)], undefined],
    ['a device without the field is skipped', [d(0, 10)], [d(0, 12), d(1)], 2],
    ['no device of the pass has the field', [d(0, 10)], [d(0), d(1)], undefined],
  ])('%s', (_, prev, cur, expected) => {
    expect(ioCounterDelta(prev, cur, 'read_bytes')).toBe(expected);
  });

  it('no blockio stats on one side is unknown', () => {
    expect(ioCounterDelta(undefined, [d(0, 1)], 'read_bytes')).toBeUndefined();
    expect(ioCounterDelta([d(0, 1)], undefined, 'read_bytes')).toBeUndefined();
  });
});

describe('SampleDeriver', () => {
  const pass = (monoNs: number, containers: RawContainerSample[]): RawSample => ({
    timestamp: new Date(monoNs / 1e6).toISOString(),
    monoNs,
    containers,
  });

  it('derives rates against each container’s previous pass', () => {
    const d = new SampleDeriver();
    const first = d.derive(pass(0, [raw(cpu(0)), { ...raw(cpu(0)), name: '/a/b' }]));
    expect(first.intervalSec).toBe(0);
    expect(first.containers.map((c) => c.rates)).toEqual([{}, {}]);
    const second = d.derive(pass(2 * SEC, [raw(cpu(SEC)), { ...raw(cpu(4 * SEC)), name: '/a/b' }]));
    expect(second.intervalSec).toBe(2);
    expect(second.containers.map((c) => [c.name, c.depth, c.rates.cpuPercent])).toEqual([
      ['/a', 1, 50],
      ['/a/b', 2, 200],
    ]);
  });

  it('a container missing from a pass starts a new series when it returns', () => {
    const d = new SampleDeriver();
    d.derive(pass(0, [raw(cpu(0))]));
    d.derive(pass(SEC, []));
    const back = d.derive(pass(2 * SEC, [raw(cpu(SEC))]));
    expect(back.containers[0]!.rates).toEqual({});
  });

  it('a recreated container (same name, new id) restarts', () => {
    const d = new SampleDeriver();
    d.derive(pass(0, [raw(cpu(0))]));
    const recreated = d.derive(pass(SEC, [raw(cpu(10), { id: 99 })]));
    expect(recreated.containers[0]!.rates).toEqual({});
    const after = d.derive(pass(2 * SEC, [raw(cpu(10 + SEC / 4), { id: 99 })]));
    expect(after.containers[0]!.rates.cpuPercent).toBe(25);
  });

  it('carries state, histograms and host into the view', () => {
    const d = new SampleDeriver();
    const histograms = [{ type: 'ONCPU' as const, stat: [{ bucket: 1, value: 3 }] }];
    const v = d.derive({
      ...pass(0, [raw({ freezer: { state: 'FROZEN' }, cpu: { histograms } })]),
      host: { cpus: 2 },
    });
    expect(v.containers[0]).toMatchObject({ state: 'FROZEN', histograms, depth: 1 });
    expect(v.host).toEqual({ cpus: 2 });
  });

  it('a reading handed on as the same object has the rates a copy of it would have, whatever the interval, and its id changing restarts them', () => {
    const still = raw(
      { cpu: { usage: { total: SEC }, throttling_data: { periods: 5, throttled_periods: 1 } }, memory: { usage: 4096, oom_kill_count: 1 }, blockio: { devices: [{ device: { major: 8, minor: 0 }, read_bytes: 10, write_bytes: 3 }] } },
      { limits: { cpuMaxMilli: 500 } },
    );
    const handedOn = new SampleDeriver();
    const copied = new SampleDeriver();
    for (const [i, monoNs] of [0, SEC, 3 * SEC, 3.5 * SEC].entries()) {
      const a = handedOn.derive(pass(monoNs, [still])).containers[0]!.rates;
      const b = copied.derive(pass(monoNs, [structuredClone(still)])).containers[0]!.rates;
      expect(a, `pass ${i}`).toEqual(b);
    }
    expect(handedOn.derive(pass(4 * SEC, [still])).containers[0]!.rates).toEqual({ cpuPercent: 0, cpuPercentOfCap: 0, ioReadBytesPerSec: 0, ioWriteBytesPerSec: 0, memoryGrowthPerSec: 0, oomKillsDelta: 0 });
    // Gone for a pass, then back as the same object: a new series, no rates.
    handedOn.derive(pass(5 * SEC, []));
    expect(handedOn.derive(pass(6 * SEC, [still])).containers[0]!.rates).toEqual({});
    expect(handedOn.derive(pass(6 * SEC, [still])).containers[0]!.rates).toEqual({});
  });

  it('the root container has depth 0 and no state when the freezer says nothing', () => {
    const v = new SampleDeriver().derive(pass(0, [{ ...raw({}), name: '/' }]));
    expect(v.containers[0]!.depth).toBe(0);
    expect('state' in v.containers[0]!).toBe(false);
  });
});
