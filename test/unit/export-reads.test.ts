import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { realIo } from '../../src/engine/kernel/io.js';
import { weightAsCadvisorShares } from '../../src/engine/resources/conversions.js';
import { handle } from '../fixtures/cgroupfs/fake.js';

describe('cpu settings: the raw ones container_spec_cpu_* export', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-cpu-settings-'));
  let n = 0;
  const dir = (files: Record<string, string>) => {
    const d = path.join(base, String(n++));
    fs.mkdirSync(d);
    for (const [f, v] of Object.entries(files)) fs.writeFileSync(path.join(d, f), v);
    return d;
  };
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it.each([
    ['v1 capped', 1, { 'cpu.cfs_quota_us': '50000\n', 'cpu.cfs_period_us': '100000\n', 'cpu.shares': '307\n' }, { quotaUs: 50_000, periodUs: 100_000, shares: 307 }],
    ['v1 unlimited quota: no quota', 1, { 'cpu.cfs_quota_us': '-1\n', 'cpu.cfs_period_us': '250000\n', 'cpu.shares': '1024\n' }, { periodUs: 250_000, shares: 1024 }],
    ['v1 without a cpu directory of its own', 1, undefined, {}],
    ['v2 capped', 2, { 'cpu.max': '150000 100000\n', 'cpu.weight': '100\n' }, { quotaUs: 150_000, periodUs: 100_000, shares: 2597 }],
    ['v2 max', 2, { 'cpu.max': 'max 100000\n', 'cpu.weight': '1\n' }, { periodUs: 100_000, shares: 2 }],
    ['v2 without the cpu controller', 2, {}, {}],
  ] as const)('%s', (_, version, files, want) => {
    const d = files === undefined ? path.join(base, 'absent') : dir(files);
    const h = version === 1 ? handle({ version, io: realIo, dirs: { cpu: files === undefined ? undefined : d } }) : handle({ version, io: realIo, unified: d });
    expect(h.resources.cpu.settings(h).kernel).toEqual(want);
  });

  it.each([
    [1, 2],
    [100, 2597],
    [10000, 262144],
  ])('cpu.weight %i reads as %i shares, as cAdvisor maps it', (weight, shares) => {
    expect(weightAsCadvisorShares(weight)).toBe(shares);
  });
});
