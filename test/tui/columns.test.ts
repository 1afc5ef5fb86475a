import { describe, expect, it } from 'vitest';
import {
  COLUMN_WIDTH,
  GUTTER_WIDTH,
  MIN_NAME_WIDTH,
  displayState,
  effectiveLimit,
  layoutColumns,
  memoryFraction,
  rowCells,
} from '../../src/ui/view/columns.js';
import { recordEvent, recordOomKills, EVENTS_PER_CONTAINER, type EventLog } from '../../src/ui/view/events.js';
import { footerText } from '../../src/ui/components/Footer.js';
import { bucketLabel, visibleBuckets } from '../../src/ui/view/detail.js';
import { nameCell } from '../../src/ui/view/row-parts.js';
import { colorEnabled, paint, stateTone, usageTone } from '../../src/ui/view/theme.js';
import { indexTree, visibleRows } from '../../src/ui/view/tree.js';
import { container, sampleView, type ContainerFields } from './views.js';

const MiB = 1024 * 1024;

function rowOf(fields: ContainerFields, name = '/a') {
  return visibleRows(indexTree([container(name, fields)]), { collapsed: new Set(), filter: '', sort: 'name' })[0];
}

describe('layoutColumns', () => {
  const ALL = ['cpu', 'limit', 'mem', 'bar', 'wset', 'read', 'write', 'tasks', 'state', 'tier', 'throttled', 'oom', 'spark'];
  it.each([
    [200, ALL],
    [120, ALL],
    [119, ['cpu', 'limit', 'mem', 'bar', 'wset', 'tasks', 'state', 'tier', 'throttled', 'oom', 'spark']],
    [106, ['cpu', 'limit', 'mem', 'bar', 'wset', 'tasks', 'state', 'tier', 'throttled', 'oom', 'spark']],
    [105, ['cpu', 'limit', 'mem', 'bar', 'wset', 'tasks', 'state', 'throttled', 'oom', 'spark']],
    [101, ['cpu', 'limit', 'mem', 'bar', 'wset', 'tasks', 'state', 'throttled', 'oom', 'spark']],
    [100, ['cpu', 'limit', 'mem', 'bar', 'wset', 'tasks', 'state', 'throttled', 'oom']],
    [80, ['cpu', 'limit', 'mem', 'tasks', 'state', 'throttled', 'oom']],
    [40, ['cpu', 'mem']],
    [10, ['cpu', 'mem']],
  ])('%s columns → %j', (width, columns) => {
    expect(layoutColumns(width).columns).toEqual(columns);
  });

  const used = (width: number, longest?: number) => {
    const { nameWidth, columns, widths } = layoutColumns(width, longest);
    return GUTTER_WIDTH + nameWidth + columns.reduce((sum, c) => sum + widths[c] + 1, 0);
  };

  it.each([200, 120, 106, 101, 100, 80, 60, 44])('fills %s columns exactly', (width) => {
    expect(used(width)).toBe(width);
  });

  it('keeps the narrowest layout below 44 columns (Ink cuts the line)', () => {
    expect(used(30)).toBe(44);
    expect(layoutColumns(30).nameWidth).toBe(MIN_NAME_WIDTH);
  });

  it.each([
    [120, 16, 8, 5],
    [123, 16, 8, 8],
    [145, 16, 28, 10],
    [205, 16, 60, 20],
    [260, 30, 60, 20],
    [265, 161, 8, 5],
  ])('at %s columns with names %s wide: sparkline %s, bar %s', (width, longest, spark, barWidth) => {
    const layout = layoutColumns(width, longest);
    expect(layout.nameWidth).toBe(longest);
    expect([layout.widths.spark, layout.widths.bar]).toEqual([spark, barWidth]);
    expect(used(width, longest)).toBeLessThanOrEqual(width);
  });
});

describe('rowCells', () => {
  it('formats every column', () => {
    const cells = rowCells(
      rowOf({ cpu: 150.25, cpuMaxMilli: 2000, memory: 512 * MiB, memoryLimit: 1024 * MiB, workingSet: 300 * MiB, tasks: 7, throttled: 12.5, oomKills: 2 }),
    );
    expect(Object.fromEntries(Object.entries(cells).map(([k, c]) => [k, c.text]))).toEqual({
      cpu: '150.3%',
      limit: '2',
      mem: '512 MiB/1.0 GiB',
      wset: '300 MiB',
      read: '-',
      write: '-',
      tasks: '7',
      state: 'RUNNING',
      tier: '-',
      throttled: '12.5%',
      oom: '2',
    });
  });

  it.each([
    ['PREMIER', 'PREM'],
    ['PRIORITY', 'PRIO'],
    ['NORMAL', 'NORM'],
    ['BEST_EFFORT', 'BEST'],
  ] as const)('tier %s reads %s, within the column', (tier, text) => {
    const cell = rowCells(rowOf({ tier })).tier;
    expect(cell.text).toBe(text);
    expect(cell.text.length).toBeLessThanOrEqual(COLUMN_WIDTH.tier);
  });

  it('shows IO rates in compact units', () => {
    const cells = rowCells(rowOf({ ioRead: 0, ioWrite: 10.4 * MiB }));
    expect([cells.read.text, cells.write.text]).toEqual(['0', '10M']);
  });

  // What the issue met: 1,100 OOM kills drawn as "11…".
  it.each([
    ['OOM kills', { oomKills: 1100 }, 'oom', '1100'],
    ['OOM kills', { oomKills: 123_456 }, 'oom', '123k'],
    ['tasks', { tasks: 99_999 }, 'tasks', '99999'],
    ['tasks', { tasks: 4_194_304 }, 'tasks', '4.2M'],
    ['CPU %', { cpu: 12_800.4 }, 'cpu', '12800%'],
    ['CPU %', { cpu: 9_999.94 }, 'cpu', '9999.9%'],
    ['cores', { cpuMaxMilli: 127_750 }, 'limit', '127.8'],
    ['cores', { cpuMaxMilli: 1_234_560 }, 'limit', '1235'],
    ['IO', { ioWrite: 1023.9 * MiB }, 'write', '1.0G'],
  ] as const)('%s %j fit their column whole: %s = %s', (_, fields, column, text) => {
    const cell = rowCells(rowOf(fields))[column];
    expect(cell.text).toBe(text);
    expect(cell.text.length).toBeLessThanOrEqual(COLUMN_WIDTH[column]);
  });

  it('never needs more than a column\'s width, whatever the number', () => {
    for (let exp = 0; exp < 62; exp += 0.29) {
      const n = 2 ** exp;
      const cells = rowCells(
        rowOf({ cpu: n / 1e6, cpuMaxMilli: Math.round(n / 1e9), memory: n, memoryLimit: n, workingSet: n, tasks: Math.round(n), oomKills: Math.round(n), throttled: 100, ioRead: n, ioWrite: n }),
      );
      for (const [column, cell] of Object.entries(cells)) expect(cell.text.length, `${column} ${cell.text}`).toBeLessThanOrEqual(COLUMN_WIDTH[column as keyof typeof cells]);
    }
  });

  it('shows missing numbers as "-"', () => {
    const cells = rowCells(rowOf({}));
    expect([cells.cpu.text, cells.limit.text, cells.mem.text, cells.wset.text, cells.tasks.text, cells.oom.text]).toEqual(['-', '-', '-/-', '-', '-', '-']);
  });

  it.each([
    ['below 80 % of the limit', 79, undefined],
    ['above 80 %', 81, 'warn'],
    ['above 95 %', 96, 'error'],
  ])('memory %s', (_, percent, tone) => {
    const cells = rowCells(rowOf({ memory: percent * MiB, memoryLimit: 100 * MiB }));
    expect(cells.mem.tone).toBe(tone);
  });

  it.each([
    ['no cap', undefined, undefined],
    ['50 % of the cap', 50, undefined],
    ['90 % of the cap', 90, 'warn'],
    ['99 % of the cap', 99, 'error'],
  ])('CPU at %s', (_, ofCap, tone) => {
    expect(rowCells(rowOf({ cpu: 10, cpuOfCap: ofCap })).cpu.tone).toBe(tone);
  });

  it.each([
    [undefined, 'RUNNING', undefined],
    ['THAWED', 'RUNNING', undefined],
    ['FREEZING', 'FREEZING', undefined],
    ['FROZEN', 'FROZEN', 'frozen'],
  ] as const)('state %s shows as %s', (state, text, tone) => {
    expect(rowCells(rowOf({ state })).state).toEqual({ text, tone });
  });

  it('marks a fresh OOM kill', () => {
    expect(rowCells(rowOf({ oomKills: 3, oomDelta: 1 })).oom).toEqual({ text: '3', tone: 'error' });
    expect(rowCells(rowOf({ oomKills: 3, oomDelta: 0 })).oom.tone).toBeUndefined();
  });
});

describe('limits', () => {
  it.each([
    [undefined, undefined],
    [0, undefined],
    [-1, undefined],
    [9223372036854771712, undefined],
    [Number.POSITIVE_INFINITY, undefined],
    [256 * MiB, 256 * MiB],
  ])('memory limit %s → %s', (limit, effective) => {
    expect(effectiveLimit(limit)).toBe(effective);
  });

  it.each([
    [{ memory: 50, memoryLimit: 200 }, 0.25],
    [{ memory: 50 }, undefined],
    [{ memoryLimit: 200 }, undefined],
  ])('memory fraction of %j is %s', (fields, fraction) => {
    expect(memoryFraction(rowOf(fields))).toBe(fraction);
  });

  it.each([
    [undefined, 'RUNNING'],
    ['THAWED', 'RUNNING'],
    ['FROZEN', 'FROZEN'],
  ] as const)('displayState(%s) = %s', (state, text) => {
    expect(displayState(state)).toBe(text);
  });
});

describe('nameCell', () => {
  it.each([
    ['leaf at depth 2', { name: '/a/b/c', depth: 2, childCount: 0, collapsed: false }, '      c'],
    ['expanded parent at depth 1', { name: '/a/b', depth: 1, childCount: 2, collapsed: false }, '  ▾ b'],
    ['collapsed parent at depth 0', { name: '/a', depth: 0, childCount: 1, collapsed: true }, '▸ /a'],
  ])('%s', (_, r, text) => {
    const row = { ...rowOf({}, r.name), ...r, label: r.depth === 0 ? r.name : r.name.slice(r.name.lastIndexOf('/') + 1) };
    expect(nameCell(row)).toBe(text);
  });
});

describe('theme', () => {
  it.each([
    [{}, true],
    [{ NO_COLOR: '' }, true],
    [{ NO_COLOR: '1' }, false],
    [{ NO_COLOR: 'anything' }, false],
  ])('colour with %j: %s', (env, enabled) => {
    expect(colorEnabled(env)).toBe(enabled);
  });

  it.each([
    [undefined, undefined],
    [0.5, undefined],
    [0.8, undefined],
    [0.81, 'warn'],
    [0.95, 'warn'],
    [0.951, 'error'],
    [3, 'error'],
  ])('usageTone(%s) = %s', (fraction, tone) => {
    expect(usageTone(fraction)).toBe(tone);
  });

  it('colours only FROZEN', () => {
    expect([stateTone('FROZEN'), stateTone('FREEZING'), stateTone('THAWED')]).toEqual(['frozen', undefined, undefined]);
  });

  it.each([
    [true, 'error', { bold: true }, { bold: true, color: 'red' }],
    [true, undefined, { inverse: true }, { inverse: true }],
    [true, 'frozen', {}, { color: 'cyan' }],
    [false, 'error', { bold: true, inverse: true }, {}],
  ] as const)('paint(colour %s, %s, %j)', (color, tone, styles, props) => {
    expect(paint(color, tone, styles)).toEqual(props);
  });
});

describe('footerText', () => {
  it('shows every hint when there is room', () => {
    expect(footerText(200, false, 2, 10)).toBe(
      '3/10  ↑↓ move  ←→ fold  ⏎ detail  / filter  s/S sort  +- interval  P processes  l log  c create  u update  p pause  r run  x shell  K signal  d destroy  ? help  q quit',
    );
  });

  it('keeps the most important hints, in order, when narrow', () => {
    expect(footerText(40, false, 0, 5)).toBe('1/5  ⏎ detail  / filter  ? help  q quit');
  });

  it('says read-only instead of listing actions', () => {
    const text = footerText(200, true, 0, 0);
    expect(text).toContain('read-only');
    expect(text).not.toContain('create');
    expect(text.startsWith('0/0')).toBe(true);
  });

  it.each([30, 50, 80, 100])('fits in %s columns', (width) => {
    expect(footerText(width, false, 9998, 10000).length).toBeLessThanOrEqual(width);
  });

  it.each([
    ['processes', false, '2/7  ↑↓ select  K signal  P/Esc close  ? help  q quit'],
    ['processes', true, '2/7  ↑↓ select  read-only  P/Esc close  ? help  q quit'],
    ['log', false, '2/7  ↑↓ scroll  l/Esc close  ? help  q quit'],
  ] as const)('hints the %s view\'s own keys (read-only: %s)', (mode, readOnly, text) => {
    expect(footerText(80, readOnly, 1, 7, mode)).toBe(text);
  });
});

describe('bucketLabel', () => {
  it.each([
    [10, false, '≤10µs'],
    [1500, false, '≤1.5ms'],
    [100_000, true, '>100ms'],
  ])('%s µs (last: %s) → %s', (bucket, last, label) => {
    expect(bucketLabel(bucket, last)).toBe(label);
  });
});

describe('event log', () => {
  const at = (s: number) => `2024-01-01T12:00:0${s}.000Z`;

  it('records OOM kills from the pass, with its time', () => {
    const log = recordOomKills(new Map(), sampleView([container('/a', { oomDelta: 1 }), container('/b', { oomDelta: 3 }), container('/c')], at(1)));
    expect(Object.fromEntries(log)).toEqual({
      '/a': [{ time: at(1), text: 'OOM kill', tone: 'error' }],
      '/b': [{ time: at(1), text: '3 OOM kills', tone: 'error' }],
    });
  });

  it('returns the same log when nothing happened', () => {
    const log: EventLog = recordEvent(new Map(), '/a', { time: at(1), text: 'paused /a', tone: 'ok' });
    expect(recordOomKills(log, sampleView([container('/a', { oomDelta: 0 })]))).toBe(log);
  });

  it('forgets containers that are gone', () => {
    const log = recordEvent(new Map(), '/gone', { time: at(1), text: 'paused /gone', tone: 'ok' });
    expect(recordOomKills(log, sampleView([container('/a')])).has('/gone')).toBe(false);
  });

  it(`keeps the newest ${EVENTS_PER_CONTAINER} events per container`, () => {
    let log: EventLog = new Map();
    for (let i = 0; i < EVENTS_PER_CONTAINER + 5; i++) log = recordEvent(log, '/a', { time: at(1), text: `e${i}`, tone: 'ok' });
    const events = log.get('/a') ?? [];
    expect(events).toHaveLength(EVENTS_PER_CONTAINER);
    expect(events[0].text).toBe('e5');
    expect(events.at(-1)?.text).toBe(`e${EVENTS_PER_CONTAINER + 4}`);
  });

  it('does not change the log it was given', () => {
    const log: EventLog = new Map();
    recordEvent(log, '/a', { time: at(1), text: 'x', tone: 'ok' });
    expect(log.size).toBe(0);
  });
});

describe('visibleBuckets', () => {
  const stat = [1, 2, 5, 10, 20].map((bucket) => ({ bucket, value: 0 }));
  const withValues = (values: number[]) => stat.map((s, i) => ({ ...s, value: values[i]! }));
  it.each([
    [[0, 0, 0, 0, 0], 5, []],
    [[0, 3, 0, 4, 0], 5, [1, 2, 3]],
    [[1, 0, 0, 0, 9], 2, [3, 4]],
    [[9, 1, 1, 1, 1], 2, [0, 1]],
    [[1, 1, 9, 1, 1], 3, [1, 2, 3]],
    [[1, 1, 1, 1, 1], 0, []],
  ])('%j in %i rows keeps indexes %j', (values, rows, indexes) => {
    expect(visibleBuckets(withValues(values), rows).map((b) => b.index)).toEqual(indexes);
  });
});

describe('name column width', () => {
  it.each([
    [160, 10, MIN_NAME_WIDTH],
    [160, 30, 30],
    [160, 10_000, layoutColumns(160).nameWidth],
  ])('at %i columns with names up to %i wide it is %i', (width, longest, expected) => {
    expect(layoutColumns(width, longest).nameWidth).toBe(expected);
  });
});
