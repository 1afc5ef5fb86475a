import { describe, expect, it } from 'vitest';
import {
  indexTree,
  SORT_KEYS,
  nextSort,
  parentOf,
  resolveSelection,
  rowPositions,
  sortLabel,
  visibleRows,
  type RowOptions,
  type SortKey,
} from '../../src/ui/view/tree.js';
import { readCounter } from './counting.js';
import { container } from './views.js';

const TREE = [
  container('/', { cpu: 50, memory: 500 }),
  container('/web', { cpu: 10, memory: 300 }),
  container('/web/front', { cpu: 9, memory: 100 }),
  container('/web/back', { cpu: 8, memory: 150 }),
  container('/batch', { cpu: 30, memory: 50 }),
  container('/batch/job', { cpu: 30, memory: 40 }),
  container('/sys', { cpu: 40, memory: 20 }),
];

const NONE: RowOptions = { collapsed: new Set(), filter: '', sort: 'name' };

/** Rows as "name@depth" (and "+" for collapsed) for compact expectations. */
function shape(options: Partial<RowOptions>, containers = TREE): string[] {
  return visibleRows(indexTree(containers), { ...NONE, ...options }).map(
    (r) => `${r.name}@${r.depth}${r.collapsed ? '+' : ''}`,
  );
}

describe('visibleRows', () => {
  it.each<[string, Partial<RowOptions>, string[]]>([
    ['depth-first, siblings by name', {}, ['/@0', '/batch@1', '/batch/job@2', '/sys@1', '/web@1', '/web/back@2', '/web/front@2']],
    ['siblings by CPU, tree kept', { sort: 'cpu' }, ['/@0', '/sys@1', '/batch@1', '/batch/job@2', '/web@1', '/web/front@2', '/web/back@2']],
    ['siblings by memory, tree kept', { sort: 'memory' }, ['/@0', '/web@1', '/web/back@2', '/web/front@2', '/batch@1', '/batch/job@2', '/sys@1']],
    ['collapsed node hides its subtree', { collapsed: new Set(['/web']) }, ['/@0', '/batch@1', '/batch/job@2', '/sys@1', '/web@1+']],
    ['collapsing a leaf changes nothing', { collapsed: new Set(['/sys']) }, ['/@0', '/batch@1', '/batch/job@2', '/sys@1', '/web@1', '/web/back@2', '/web/front@2']],
    ['collapsed root', { collapsed: new Set(['/']) }, ['/@0+']],
    ['filter keeps ancestors', { filter: 'front' }, ['/@0', '/web@1', '/web/front@2']],
    ['filter is case-insensitive', { filter: 'JOB' }, ['/@0', '/batch@1', '/batch/job@2']],
    ['filter on a parent keeps its subtree', { filter: '/web' }, ['/@0', '/web@1', '/web/back@2', '/web/front@2']],
    ['filter ignores collapse', { filter: 'front', collapsed: new Set(['/web']) }, ['/@0', '/web@1', '/web/front@2']],
    ['filter with no match', { filter: 'nothing' }, []],
  ])('%s', (_, options, expected) => {
    expect(shape(options)).toEqual(expected);
  });

  const BUSY = [
    container('/'),
    container('/quiet', { tasks: 1, oomKills: 0 }),
    container('/writer', { tasks: 3, ioWrite: 10e6, oomKills: 1100 }),
    container('/reader', { tasks: 40, ioRead: 2e6, ioWrite: 0 }),
    container('/unknown'),
  ];
  it.each<[Partial<RowOptions>, string[]]>([
    [{ sort: 'io' }, ['/writer', '/reader', '/quiet', '/unknown']],
    [{ sort: 'tasks' }, ['/reader', '/writer', '/quiet', '/unknown']],
    [{ sort: 'oom' }, ['/writer', '/quiet', '/reader', '/unknown']],
    [{ sort: 'io', reverse: true }, ['/unknown', '/quiet', '/reader', '/writer']],
    [{ sort: 'name', reverse: true }, ['/writer', '/unknown', '/reader', '/quiet']],
  ])('siblings in %j order', (options, expected) => {
    expect(shape(options, BUSY).slice(1)).toEqual(expected.map((n) => `${n}@1`));
  });

  it('reverses siblings only: the tree keeps its shape', () => {
    expect(shape({ sort: 'cpu', reverse: true })).toEqual(['/@0', '/web@1', '/web/back@2', '/web/front@2', '/batch@1', '/batch/job@2', '/sys@1']);
  });

  it('breaks metric ties by name', () => {
    const tied = [container('/'), container('/b', { cpu: 1 }), container('/a', { cpu: 1 }), container('/c', { cpu: 2 })];
    expect(shape({ sort: 'cpu' }, tied)).toEqual(['/@0', '/c@1', '/a@1', '/b@1']);
  });

  it('puts containers without a number last when sorting by it', () => {
    const partial = [container('/'), container('/a'), container('/b', { memory: 1 })];
    expect(shape({ sort: 'memory' }, partial)).toEqual(['/@0', '/b@1', '/a@1']);
  });

  it('treats containers whose parent is not sampled as roots, with depth from the tree', () => {
    const sub = [container('/a/b'), container('/a/b/c'), container('/x/y')];
    expect(shape({}, sub)).toEqual(['/a/b@0', '/a/b/c@1', '/x/y@0']);
  });

  it('labels roots with their full name and others with the last component', () => {
    const rows = visibleRows(indexTree([container('/a/b'), container('/a/b/c')]), NONE);
    expect(rows.map((r) => r.label)).toEqual(['/a/b', 'c']);
  });

  it('counts children in the whole tree', () => {
    const rows = visibleRows(indexTree(TREE), NONE);
    expect(Object.fromEntries(rows.map((r) => [r.name, r.childCount]))).toMatchObject({ '/': 3, '/web': 2, '/sys': 0 });
  });

  it('keeps the first of duplicate names', () => {
    const dup = [container('/'), container('/a', { cpu: 1 }), container('/a', { cpu: 2 })];
    const rows = visibleRows(indexTree(dup), NONE);
    expect(rows.map((r) => [r.name, r.view.rates.cpuPercent])).toEqual([['/', undefined], ['/a', 1]]);
  });

  it('handles a deep chain without recursion limits', () => {
    const chain = [container('/')];
    let name = '';
    for (let i = 0; i < 2000; i++) chain.push(container((name += '/n')));
    const rows = visibleRows(indexTree(chain), NONE);
    expect(rows).toHaveLength(2001);
    expect(rows[2000].depth).toBe(2000);
  });

  // Work counted as reads of the containers' fields (names, and the metric on each side of
  // a sort comparison): at most a comparison sort's n·log2(n) per pass, where a quadratic
  // step (every sibling against every other, a scan per row) would read ~n² times.
  it.each([
    ['sorted by CPU', { sort: 'cpu', filter: '' }, 10_101],
    ['sorted by CPU and filtered', { sort: 'cpu', filter: 'c1' }, 1 + 100 + 100 * 11],
    ['by name', { sort: 'name', filter: '' }, 10_101],
  ] as const)('builds the rows of 10,000 containers with n·log n work (%s)', (_, options, shown) => {
    const counter = readCounter();
    const many = [container('/')];
    for (let g = 0; g < 100; g++) {
      many.push(container(`/g${g}`));
      for (let c = 0; c < 100; c++) many.push(container(`/g${g}/c${c}`, { cpu: (g * 7 + c) % 13 }));
    }
    const rows = visibleRows(indexTree(many.map((v) => counter.wrap(v))), { ...NONE, ...options });
    expect(rows).toHaveLength(shown);
    expect(counter.reads).toBeGreaterThanOrEqual(many.length);
    expect(counter.reads).toBeLessThanOrEqual(many.length * (1 + 4 * Math.log2(many.length)));
  });
});

describe('parentOf', () => {
  it.each([
    ['/', undefined],
    ['/a', '/'],
    ['/a/b', '/a'],
    ['relative', undefined],
    ['', undefined],
  ])('%j → %j', (name, parent) => {
    expect(parentOf(name)).toBe(parent);
  });
});

describe('resolveSelection', () => {
  const rows = visibleRows(indexTree(TREE), { ...NONE, collapsed: new Set(['/web']) });
  const positions = rowPositions(rows);
  it.each([
    ['the named row', '/sys', 3],
    ['the nearest ancestor of a vanished row', '/batch/gone/deeper', 1],
    ['the ancestor of a row hidden by collapse', '/web/front', 4],
    ['the first row without a selection', undefined, 0],
    ['the first row when nothing is related', 'elsewhere', 0],
  ])('%s', (_, selected, index) => {
    expect(resolveSelection(positions, selected)).toBe(index);
  });

  it('is -1 without rows', () => {
    expect(resolveSelection(new Map(), '/a')).toBe(-1);
  });
});

describe('nextSort / sortLabel', () => {
  it.each([
    ['name', 1, 'cpu'],
    ['cpu', 1, 'memory'],
    ['memory', 1, 'io'],
    ['io', 1, 'tasks'],
    ['tasks', 1, 'oom'],
    ['oom', 1, 'name'],
    ['name', -1, 'oom'],
    ['io', -1, 'memory'],
  ] as const)('%s, %s → %s', (from, direction, to) => {
    expect(nextSort(from, direction)).toBe(to);
  });

  it('visits every order once round the list', () => {
    const seen: SortKey[] = [];
    for (let k: SortKey = 'name'; seen.length === 0 || k !== 'name'; k = nextSort(k)) seen.push(k);
    expect(seen).toEqual(SORT_KEYS);
  });

  it.each([
    ['cpu', false, 'CPU'],
    ['oom', false, 'OOM kills'],
    ['name', true, 'name, reversed'],
  ] as const)('%s (reversed: %s) reads %j', (key, reverse, label) => {
    expect(sortLabel(key, reverse)).toBe(label);
  });
});
