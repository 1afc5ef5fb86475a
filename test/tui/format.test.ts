import { describe, expect, it } from 'vitest';
import {
  fitLeft,
  fitRight,
  formatBytes,
  formatBytesCompact,
  formatClock,
  formatCores,
  formatCount,
  formatInterval,
  formatMicros,
  formatPercent,
  formatPercentIn,
} from '../../src/ui/view/format.js';
import { bar, sparkline } from '../../src/ui/view/glyphs.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

describe('formatBytes', () => {
  it.each([
    [undefined, '-'],
    [Number.NaN, '-'],
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [99.9 * KiB, '99.9 KiB'],
    [512 * MiB, '512 MiB'],
    [1023.7 * KiB, '1.0 MiB'],
    [1.5 * GiB, '1.5 GiB'],
    [12.34 * GiB, '12.3 GiB'],
    [2 * 1024 * GiB, '2.0 TiB'],
    [-3 * MiB, '-3.0 MiB'],
  ])('%s bytes → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('never needs more than 8 columns below an exbibyte', () => {
    for (let exp = 0; exp < 60; exp += 0.37) expect(formatBytes(2 ** exp).length).toBeLessThanOrEqual(8);
  });
});

describe('formatPercent', () => {
  it.each([
    [undefined, '-'],
    [0, '0.0%'],
    [12.34, '12.3%'],
    [12.36, '12.4%'],
    [400, '400.0%'],
    [Number.POSITIVE_INFINITY, '-'],
  ])('%s → %s', (value, text) => {
    expect(formatPercent(value)).toBe(text);
  });
});

describe('formatCores', () => {
  it.each([
    [undefined, '-'],
    [0.5, '0.5'],
    [2, '2'],
    [1.25, '1.25'],
    [0.333, '0.33'],
  ])('%s → %s', (cores, text) => {
    expect(formatCores(cores)).toBe(text);
  });
});

describe('formatCores in a width', () => {
  it.each([
    [1.25, 5, '1.25'],
    [127.75, 5, '127.8'],
    [1234.5, 5, '1235'],
    [123_456, 5, '123k'],
  ])('%s in %s → %s', (cores, width, text) => {
    expect(formatCores(cores, width)).toBe(text);
  });
});

describe('formatBytesCompact', () => {
  it.each([
    [undefined, '-'],
    [-1, '-'],
    [0, '0'],
    [512, '512B'],
    [999, '999B'],
    [1000, '1.0K'],
    [1536, '1.5K'],
    [10 * KiB, '10K'],
    [999 * KiB, '999K'],
    [1023.9 * KiB, '1.0M'],
    [230 * MiB, '230M'],
    [3 * 1024 * GiB, '3.0T'],
  ])('%s → %s', (bytes, text) => {
    expect(formatBytesCompact(bytes)).toBe(text);
  });

  it('never needs more than 4 columns', () => {
    for (let exp = 0; exp < 62; exp += 0.13) expect(formatBytesCompact(2 ** exp).length).toBeLessThanOrEqual(4);
  });
});

describe('formatCount', () => {
  it.each([
    [undefined, 4, '-'],
    [0, 4, '0'],
    [999, 3, '999'],
    [1000, 3, '1.0k'],
    [1100, 4, '1100'],
    [12_345, 4, '12k'],
    [999_499, 4, '999k'],
    [999_500, 4, '1.0M'],
    [4_194_304, 5, '4.2M'],
    [4_194_304, Infinity, '4194304'],
  ])('%s in %s → %s', (n, width, text) => {
    expect(formatCount(n, width)).toBe(text);
  });
});

describe('formatPercentIn', () => {
  it.each([
    [undefined, 7, '-'],
    [12.34, 7, '12.3%'],
    [9999.94, 7, '9999.9%'],
    [12_800.4, 7, '12800%'],
    [123_456_789, 7, '123M%'],
  ])('%s in %s → %s', (percent, width, text) => {
    expect(formatPercentIn(percent, width)).toBe(text);
  });
});

describe('formatInterval / formatMicros / formatClock', () => {
  it.each([
    [250, '250 ms'],
    [1000, '1 s'],
    [1500, '1.5 s'],
    [60_000, '60 s'],
  ])('interval %s → %s', (ms, text) => {
    expect(formatInterval(ms)).toBe(text);
  });

  it.each([
    [10, '10µs'],
    [999, '999µs'],
    [1000, '1ms'],
    [1500, '1.5ms'],
    [2_000_000, '2s'],
  ])('%s µs → %s', (us, text) => {
    expect(formatMicros(us)).toBe(text);
  });

  it.each([
    [new Date(2024, 0, 1, 9, 5, 7), '09:05:07'],
    [new Date(2024, 0, 1, 23, 59, 59), '23:59:59'],
    ['not a time', '--:--:--'],
  ])('%s → %s', (time, text) => {
    expect(formatClock(time)).toBe(text);
  });
});

describe('fitLeft / fitRight', () => {
  it.each([
    ['abc', 5, 'abc  ', '  abc'],
    ['abcdef', 4, 'abc…', 'abc…'],
    ['abcd', 4, 'abcd', 'abcd'],
    ['abc', 0, '', ''],
  ])('%j in %s columns', (text, width, left, right) => {
    expect(fitLeft(text, width)).toBe(left);
    expect(fitRight(text, width)).toBe(right);
  });
});

describe('sparkline', () => {
  it.each([
    [[], 4, '    '],
    [[0, 0], 3, ' ▁▁'],
    [[0, 50, 100], 3, '▁▅█'],
    [[0, 1, 2, 3, 4, 5, 6, 7], 8, '▁▂▃▄▅▆▇█'],
    [[100, 0, 100, 0], 2, '█▁'],
    [[Number.NaN, -5, 10], 3, '▁▁█'],
    [[5], 0, ''],
  ])('%j in %s cells → %j', (values, width, text) => {
    expect(sparkline(values, width)).toBe(text);
  });

  it('scales to its own maximum, so low usage still has a shape', () => {
    expect(sparkline([2, 4], 2)).toBe('▅█');
  });

  it('does not blow noise below 1 up to full height', () => {
    expect(sparkline([0.1, 0.2], 2)).toBe('▂▂');
  });
});

describe('bar', () => {
  it.each([
    [0, 4, '░░░░'],
    [1, 4, '████'],
    [1.7, 4, '████'],
    [-1, 4, '░░░░'],
    [0.5, 4, '██░░'],
    [0.5 + 1 / 32, 4, '██▏░'],
    [0.9, 5, '████▌'],
    [Number.NaN, 3, '░░░'],
    [0.5, 0, ''],
  ])('%s in %s cells → %j', (fraction, width, text) => {
    expect(bar(fraction, width)).toBe(text);
  });
});
