import { describe, expect, it } from 'vitest';
import { layoutColumns } from '../../src/ui/view/columns.js';
import { rowParts, type Part } from '../../src/ui/view/row-parts.js';
import { indexTree, visibleRows, type RowOptions } from '../../src/ui/view/tree.js';
import { container } from './views.js';

const NONE: RowOptions = { collapsed: new Set(), filter: '', sort: 'name' };
const MiB = 1024 * 1024;

describe('tree shape across passes', () => {
  const pass = (cpu: number) => [container('/'), container('/b', { cpu }), container('/a', { cpu: 1 }), container('/a/x', { cpu: 2 })];

  it('is reused while the names stay, with the new pass in the rows', () => {
    const first = indexTree(pass(5));
    const second = indexTree(pass(7), first);
    expect(second.shape).toBe(first.shape);
    const rows = visibleRows(second, NONE);
    expect(rows.map((r) => r.name)).toEqual(['/', '/a', '/a/x', '/b']);
    expect(rows.find((r) => r.name === '/b')?.view.rates.cpuPercent).toBe(7);
    expect(visibleRows(second, { ...NONE, sort: 'cpu' }).map((r) => r.name)).toEqual(['/', '/b', '/a', '/a/x']);
  });

  it('is rebuilt when a container comes, goes or moves', () => {
    const first = indexTree(pass(5));
    for (const next of [[...pass(5), container('/a/y')], pass(5).slice(0, 3), [...pass(5)].reverse()]) {
      const index = indexTree(next, first);
      expect(index.shape).not.toBe(first.shape);
      expect(visibleRows(index, NONE)).toEqual(visibleRows(indexTree(next), NONE));
    }
  });
});

describe('row parts', () => {
  const layout = layoutColumns(160, 30);
  const rowsOf = (...views: ReturnType<typeof container>[]) => visibleRows(indexTree(views), NONE);
  const text = (parts: Part[]) => parts.map((p) => p.text).join('');

  it('merges neighbours of the same tone: one nested Text per toned run', () => {
    const [, leaf] = rowsOf(container('/'), container('/leaf', { cpu: 12, memory: 50 * MiB, memoryLimit: 100 * MiB }));
    const parts = rowParts(leaf, false, layout, [1, 2, 3]);
    expect(parts).toHaveLength(1);
    expect(parts[0].tone).toBeUndefined();
    const [full] = rowsOf(container('/', { memory: 99 * MiB, memoryLimit: 100 * MiB, state: 'FROZEN' }), container('/x'));
    const toned = rowParts(full, false, layout, [1]);
    for (let i = 1; i < toned.length; i++) expect(toned[i].tone).not.toBe(toned[i - 1].tone);
    expect(toned.map((p) => p.tone)).toContain('error');
    expect(toned.map((p) => p.tone)).toContain('frozen');
  });

  it('draws what one text per cell drew: the same line', () => {
    const [root] = rowsOf(container('/', { cpu: 99, memory: 99 * MiB, memoryLimit: 100 * MiB, state: 'FROZEN', oomKills: 2 }), container('/x'));
    const line = text(rowParts(root, true, layout, [5, 50, 0]));
    expect(line.startsWith('› ▾ /')).toBe(true);
    expect(line).toHaveLength(2 + layout.nameWidth + layout.columns.reduce((n, c) => n + 1 + layout.widths[c], 0));
    expect(line).toContain(' 99.0%');
    expect(line).toContain('FROZEN');
  });
});
