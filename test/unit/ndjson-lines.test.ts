import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AdmissionView } from '../../src/engine/export-reads.js';
import { budgetOf } from '../../src/policy/budget.js';
import { NdjsonLines, toNdjsonLine } from '../../src/stats/json.js';
import type { RawContainerSample, RawSample } from '../../src/stats/model.js';
import { SampleDeriver } from '../../src/stats/rates.js';

/** A reading as a full pass gives one: CPU time, tasks, a freezer state, memory, devices, limits. */
const reading = (i: number, cpu = 1e9 + i): RawContainerSample => ({
  name: `/g${i % 3}/c${i}`,
  id: i + 1,
  stats: {
    cpu: { usage: { total: cpu, per_cpu: [cpu, 0], user: 5e8, system: 4e8 } },
    pids: { current: i % 2, limit: 64 },
    freezer: { state: 'THAWED', self_freezing: false },
    memory: { usage: 4096 * i, working_set: 1024 * i },
    blockio: { devices: [{ device: { major: 8, minor: i % 2 }, read_bytes: 10 * i, write_bytes: 3 }] },
  },
  limits: i % 2 ? { cpuShareMilli: 500, memoryLimit: 2 ** 30 } : { pidsLimit: 64 },
  ...(i % 3 === 0 ? { histogramSource: 'schedstat' as const } : {}),
});

const GiB = 2 ** 30;
const admission = (premier: string): AdmissionView => ({
  spec: {},
  budget: budgetOf({ capacity: { cpu: 2000, memory: 4 * GiB } }, { cpu: 1, memory: 1 }),
  tiers: [{ tier: 'PREMIER', admitted: { cpu: 500, memory: GiB }, headroom: { cpu: 1000, memory: GiB }, containers: 1 }],
  tierOf: (name) => (name === premier ? 'PREMIER' : undefined),
});

const pass = (n: number, containers: RawContainerSample[]): RawSample => ({
  timestamp: new Date(1.7e12 + n * 1000).toISOString(),
  monoNs: n * 1e9,
  containers,
  ...(n % 2 ? { host: { hostname: 'node7', cpus: 2, load1: n / 10 } } : {}),
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('NdjsonLines: toNdjsonLine for a stream, the texts of readings handed on unchanged made once', () => {
  it('gives the line toNdjsonLine gives, pass after pass, as readings, rates and tiers change, come and go', () => {
    const deriver = new SampleDeriver();
    const lines = new NdjsonLines();
    let raws = Array.from({ length: 6 }, (_, i) => reading(i));
    const steps: Array<[(r: RawContainerSample[]) => RawContainerSample[], AdmissionView | undefined]> = [
      [(r) => r, undefined],
      // The same readings: zero rates, against the first pass's none.
      [(r) => r, undefined],
      // One read again with CPU time that moved (a new object), one gone, one new.
      [(r) => [...r.slice(0, 2), reading(2, 3e9), ...r.slice(4), reading(9)], undefined],
      // That one handed on as it is: its rates fall to zero, its text must too.
      [(r) => r, undefined],
      // A machine policy appears and names a carried container's tier.
      [(r) => r, admission('/g0/c0')],
      [(r) => r, admission('/g1/c4')],
      // A frozen container read in the middle; the policy gone.
      [(r) => r.map((c, i) => (i === 2 ? { ...c, stats: { ...c.stats, freezer: { state: 'FROZEN', self_freezing: true } } } : c)), undefined],
      [() => [], undefined],
      [(r) => r, undefined],
      [() => [reading(1), reading(2)], undefined],
      // Names outside ASCII and ones JSON escapes: the bytes are their UTF-8.
      [(r) => [...r, { ...reading(7), name: '/caf\u00e9/\u{1f600}"q\\\n' }], undefined],
      [(r) => r, undefined],
    ];
    let n = 0;
    for (const [next, policy] of steps) {
      raws = next(raws);
      const view = deriver.derive(pass(++n, raws));
      expect(lines.line(view, policy).toString('utf8'), `pass ${n}`).toBe(toNdjsonLine(view, policy));
    }
  });

  it('makes the text of a reading handed on with the same rates and tier once', () => {
    const deriver = new SampleDeriver();
    const lines = new NdjsonLines();
    const raws = Array.from({ length: 4 }, (_, i) => reading(i));
    lines.line(deriver.derive(pass(1, raws)));
    lines.line(deriver.derive(pass(2, raws)));
    const stringify = vi.spyOn(JSON, 'stringify');
    const view = deriver.derive(pass(3, [...raws.slice(0, 3), reading(3, 5e9)]));
    const line = lines.line(view);
    // The head, and the one container read again.
    expect(stringify).toHaveBeenCalledTimes(2);
    stringify.mockRestore();
    expect(line.toString('utf8')).toBe(toNdjsonLine(view));
  });
});
