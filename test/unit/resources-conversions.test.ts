import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Code } from '../../src/engine/errors.js';
import {
  blkioWeightToIoWeight,
  checkMemoryBytes,
  cpuLimitToShares,
  ioWeightToBlkioWeight,
  limitAtLeast,
  maxLimitToQuota,
  memswOrder,
  parseCpuMax,
  quotaToMaxLimit,
  sharesToCpuLimit,
  sharesToWeight,
  ticksToNs,
  v1BytesValue,
  v2BytesValue,
  roundest,
  roundestPreimage,
  cpuLimitToWeight,
  weightToCpuLimit,
  DEFAULT_SHARES,
  DEFAULT_WEIGHT,
} from '../../src/engine/resources/conversions.js';
import { cpusToMaskWords, formatCpuList, maskWordsToCpus, parseCpuList } from '../../src/engine/resources/cpulist.js';
import { codeOf } from '../helpers/errors.js';

describe('cpu.limit → shares (docs/RELIABILITY.md, item 20)', () => {
  it.each([
    // limit, shares: the 0/1/2 floor and the 262144 ceiling
    [0, 2],
    [1, 2],
    [2, 2],
    [3, 3],
    [1000, 1024],
    [500, 512],
    [256000, 262144],
  ])('limit %s → shares %s', (limit, shares) => {
    expect(cpuLimitToShares(limit)).toBe(shares);
  });

  it.each([
    ['just above 262144 shares', 256001],
    ['far above', 1e9],
    ['negative', -1],
    ['fractional', 1.5],
    ['NaN', NaN],
  ])('%s → INVALID_ARGUMENT', (_, limit) => {
    expect(codeOf(() => cpuLimitToShares(limit))).toBe(Code.INVALID_ARGUMENT);
  });

  it('names the field and the ceiling', () => {
    expect(() => cpuLimitToShares(256001)).toThrow(/cpu\.limit.*262145.*262144/);
  });

  it.each([
    [1024, 1000],
    [512, 500],
    [2, 0], // 0, 1 and 2 all give 2 shares: 0 is the roundest
    [204, 200], // what limit 200 gives, read back linearly as 199
    [262144, 256000],
  ])('shares %s → limit %s', (shares, limit) => {
    expect(sharesToCpuLimit(shares)).toBe(limit);
  });
});

describe('shares → weight (opencontainers/cgroups since 2025)', () => {
  // The pairs opencontainers/cgroups' own table checks (utils_test.go, v0.0.5), plus points
  // computed from its published formula ⌈10^((L² + 125L)/612 − 7/34)⌉, L = log2(shares).
  it.each([
    [1, 1], // below the minimum
    [2, 1], // minimum
    [3, 2], // just above the minimum
    [4, 2],
    [204, 29],
    [512, 59],
    [1024, 100], // the defaults meet
    [2048, 174],
    [10240, 639],
    [262143, 10000], // just below the maximum
    [262144, 10000], // maximum
    [262145, 10000], // above the maximum
  ])('shares %s → weight %s', (shares, weight) => {
    expect(sharesToWeight(shares)).toBe(weight);
  });

  it('maps the v1 default to the v2 default', () => {
    expect(sharesToWeight(DEFAULT_SHARES)).toBe(DEFAULT_WEIGHT);
  });

  it('never decreases', () => {
    for (let s = 2; s < 262144; s += 37) expect(sharesToWeight(s + 37)).toBeGreaterThanOrEqual(sharesToWeight(s));
  });
});

describe('reading a limit back: the roundest value giving what the kernel holds', () => {
  it.each([
    [0, 0, 0],
    [0, 7, 0],
    [195, 203, 200],
    [1, 9, 1],
    [12, 12, 12],
    [991, 1009, 1000],
    [1001, 1099, 1010],
    [2450, 2460, 2450],
  ])('roundest in [%s, %s] = %s', (lo, hi, want) => {
    expect(roundest(lo, hi)).toBe(want);
  });

  it.each([
    ['several x give it', (x: number) => Math.floor(x / 10), 20, 200],
    ['none gives it: the next one up', (x: number) => 2 * x, 7, 4],
    ['above every image: the top', (x: number) => x, 5000, 1000],
  ])('roundestPreimage: %s', (_, f, held, want) => {
    expect(roundestPreimage(f, held, 0, 1000)).toBe(want);
  });

  // What `update "cpu:{limit:N}"` then `spec` shows (issue: 200 read back as 199, 0 as 2).
  it.each([0, 1, 2, 100, 200, 250, 500, 1000, 1500, 2000, 4000, 64000, 256000])('cpu.limit %s reads back as itself on v1 and v2', (limit) => {
    const want = limit <= 2 ? 0 : limit; // 0, 1 and 2 all hold the minimum: 2 shares, weight 1
    expect(sharesToCpuLimit(cpuLimitToShares(limit))).toBe(want);
    expect(weightToCpuLimit(cpuLimitToWeight(limit))).toBe(want);
  });

  it('every read-back limit converts to the same kernel value (applying it again changes nothing)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 256000 }), (limit) => {
        const shares = cpuLimitToShares(limit);
        expect(cpuLimitToShares(sharesToCpuLimit(shares))).toBe(shares);
        const weight = cpuLimitToWeight(limit);
        expect(cpuLimitToWeight(weightToCpuLimit(weight))).toBe(weight);
      }),
    );
  });
});

describe('CFS quota', () => {
  it.each([
    // max_limit, period, quota
    [1000, 100000, 100000],
    [500, 100000, 50000],
    [2500, 100000, 250000], // above one period: more than one CPU
    [10, 100000, 1000], // exactly the minimum
    [100, 10000, 1000],
  ])('max_limit %s per %s µs → quota %s', (maxLimit, period, quota) => {
    expect(maxLimitToQuota(maxLimit, period)).toBe(quota);
  });

  it.each([
    ['quota below 1 ms', 9, 100000],
    ['zero', 0, 100000],
    ['negative', -1, 100000],
    ['short period', 50, 10000],
  ])('%s → INVALID_ARGUMENT', (_, maxLimit, period) => {
    expect(codeOf(() => maxLimitToQuota(maxLimit, period))).toBe(Code.INVALID_ARGUMENT);
  });

  it.each([
    [-1, 100000, undefined],
    [50000, 100000, 500],
    [250000, 100000, 2500],
    [1000, 0, undefined],
  ])('quota %s / period %s → max_limit %s', (quota, period, want) => {
    expect(quotaToMaxLimit(quota, period)).toBe(want);
  });

  it.each([
    ['max 100000\n', { quotaUs: -1, periodUs: 100000 }],
    ['50000 100000', { quotaUs: 50000, periodUs: 100000 }],
    ['max', { quotaUs: -1, periodUs: 100000 }],
    ['20000 50000\n', { quotaUs: 20000, periodUs: 50000 }],
    ['', undefined],
    ['max 0', undefined],
    ['-1 100000', undefined],
    ['garbage', undefined],
  ])('parseCpuMax(%j)', (text, want) => {
    expect(parseCpuMax(text)).toEqual(want);
  });
});

describe('memory bytes (docs/RELIABILITY.md, item 20)', () => {
  it.each([
    [-1, false, -1],
    [4096, false, 4096],
    [100_000_000, false, 100_000_000],
    [0, true, 0],
  ])('%s (zero allowed: %s) is valid', (v, allowZero, want) => {
    expect(checkMemoryBytes('memory.limit', v, allowZero)).toBe(want);
  });

  it.each([
    ['zero', 0, false],
    ['below a page', 4095, false],
    ['one byte', 1, true],
    ['negative other than -1', -2, false],
    ['fractional', 5000.5, false],
  ])('%s → INVALID_ARGUMENT', (_, v, allowZero) => {
    expect(codeOf(() => checkMemoryBytes('memory.limit', v, allowZero))).toBe(Code.INVALID_ARGUMENT);
  });

  it.each([
    [-1, -1, true],
    [-1, 5, true],
    [5, -1, false],
    [5, 5, true],
    [4, 5, false],
  ])('limitAtLeast(%s, %s) = %s', (a, b, want) => {
    expect(limitAtLeast(a, b)).toBe(want);
  });

  it.each([
    // current limit, target limit, target swap → order
    ['raising both', 100, 200, 400, 'swap-first'],
    ['lowering both', 400, 100, 200, 'limit-first'],
    ['from unlimited to finite', -1, 100, 200, 'limit-first'],
    ['to unlimited', 100, -1, -1, 'swap-first'],
    ['swap only, above the current limit', 100, 100, 300, 'swap-first'],
    ['equal', 100, 100, 100, 'swap-first'],
  ] as const)('%s → %s', (_, cur, limit, swap, want) => {
    expect(memswOrder(cur, limit, swap)).toBe(want);
  });

  it('refuses a swap_limit below the limit', () => {
    expect(codeOf(() => memswOrder(100, 200, 100))).toBe(Code.INVALID_ARGUMENT);
    expect(codeOf(() => memswOrder(100, -1, 100))).toBe(Code.INVALID_ARGUMENT);
  });

  it.each([
    [-1, '-1', 'max'],
    [4096, '4096', '4096'],
  ] as const)('bytes %s: v1 %s, v2 %s', (v, v1, v2) => {
    expect(v1BytesValue(v)).toBe(v1);
    expect(v2BytesValue(v)).toBe(v2);
  });
});

describe('other conversions', () => {
  it.each([
    [0, 0],
    [1, 10_000_000],
    [250, 2_500_000_000],
  ])('ticksToNs(%s) = %s', (ticks, ns) => {
    expect(ticksToNs(ticks)).toBe(ns);
  });

  it.each([
    [10, 1],
    [500, 4950],
    [1000, 10000],
    [1, 1],
  ])('blkio weight %s → io.weight %s', (w, io) => {
    expect(blkioWeightToIoWeight(w)).toBe(io);
  });

  it('io.weight reads back to the blkio weight written, for 10..1000', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 1000 }), (w) => {
        expect(ioWeightToBlkioWeight(blkioWeightToIoWeight(w))).toBe(w);
      }),
    );
  });
});

describe('CPU lists (docs/RELIABILITY.md, item 20)', () => {
  it.each([
    ['0', [0]],
    ['0-3', [0, 1, 2, 3]],
    ['0-3,5', [0, 1, 2, 3, 5]],
    ['5,0-1\n', [0, 1, 5]],
    ['1,1,1-2', [1, 2]],
    ['64', [64]],
    ['7-7', [7]],
  ])('parse %j → %j', (text, cpus) => {
    expect(parseCpuList(text)).toEqual(cpus);
  });

  it.each(['', '\n', '0-', '-1', '3-1', '0,,1', ',', '0,', 'a', '1-2-3', '0 1', '70000', '0-70000'])('parse %j → INVALID_ARGUMENT', (text) => {
    expect(codeOf(() => parseCpuList(text))).toBe(Code.INVALID_ARGUMENT);
  });

  it.each([
    [[0], '0'],
    [[0, 1, 2, 3, 5], '0-3,5'],
    [[5, 1, 0], '0-1,5'],
    [[], ''],
    [[1, 3, 5], '1,3,5'],
  ])('format %j → %j', (cpus, text) => {
    expect(formatCpuList(cpus)).toBe(text);
  });

  it('format and parse round-trip', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { minLength: 1 }), (cpus) => {
        expect(parseCpuList(formatCpuList(cpus))).toEqual([...cpus].sort((a, b) => a - b));
      }),
    );
  });
});

describe('CPU masks', () => {
  it.each([
    [[0b1011], [0, 1, 3]],
    [[0, 1], [64]],
    [[3, 3], [0, 1, 64, 65]],
    [[0], []],
    [[], []],
    [[2 ** 52], [52]],
  ])('words %j → CPUs %j', (words, cpus) => {
    expect(maskWordsToCpus(words)).toEqual(cpus);
  });

  it.each([
    ['negative', [-1]],
    ['fractional', [1.5]],
    ['beyond 2^53', [2 ** 60]],
  ])('%s word → INVALID_ARGUMENT naming the word', (_, words) => {
    expect(() => maskWordsToCpus(words)).toThrow(/cpu\.mask\.data\[0\]/);
  });

  it('CPU numbers → bigint words, 64 per word', () => {
    expect(cpusToMaskWords([0, 1, 3])).toEqual([0b1011n]);
    expect(cpusToMaskWords([63])).toEqual([1n << 63n]);
    expect(cpusToMaskWords([64, 130])).toEqual([0n, 1n, 4n]);
    expect(cpusToMaskWords([])).toEqual([]);
  });

  it('mask and CPU numbers round-trip (CPUs whose bit fits a safe integer)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 52 }).chain((b) => fc.integer({ min: 0, max: 3 }).map((w) => w * 64 + b))), (cpus) => {
        const words = cpusToMaskWords(cpus).map(Number);
        expect(maskWordsToCpus(words)).toEqual([...cpus].sort((a, b) => a - b));
      }),
    );
  });
});
