import type { ContainerView } from '../stats/model.js';

export type SortKey = 'name' | 'cpu' | 'memory';
const SORT_ORDER: readonly SortKey[] = ['name', 'cpu', 'memory'];

export function nextSort(key: SortKey): SortKey {
  return SORT_ORDER[(SORT_ORDER.indexOf(key) + 1) % SORT_ORDER.length];
}

/** The flat sample arranged as a tree; containers whose parent is not sampled are roots. */
export interface TreeIndex {
  byName: ReadonlyMap<string, ContainerView>;
  children: ReadonlyMap<string, readonly ContainerView[]>;
  roots: readonly ContainerView[];
}

export function indexTree(containers: readonly ContainerView[]): TreeIndex {
  const byName = new Map<string, ContainerView>();
  for (const c of containers) if (!byName.has(c.name)) byName.set(c.name, c);
  const children = new Map<string, ContainerView[]>();
  const roots: ContainerView[] = [];
  for (const c of byName.values()) {
    const parent = parentOf(c.name);
    if (parent === undefined || !byName.has(parent)) {
      roots.push(c);
      continue;
    }
    const siblings = children.get(parent);
    if (siblings) siblings.push(c);
    else children.set(parent, [c]);
  }
  return { byName, children, roots };
}

/** One line of the table. */
export interface TreeRow {
  name: string;
  /** What the name column shows: the full name at the top, the last component below. */
  label: string;
  /** Depth in the displayed tree, 0 for roots. */
  depth: number;
  view: ContainerView;
  childCount: number;
  collapsed: boolean;
}

export interface RowOptions {
  collapsed: ReadonlySet<string>;
  /** Case-insensitive substring of the absolute name; matches keep their ancestors. */
  filter: string;
  sort: SortKey;
}

/**
 * Depth-first rows in display order. Sorting reorders siblings only, so the tree keeps
 * its shape. While a filter is active collapse is ignored, so every match is on screen.
 */
export function visibleRows(index: TreeIndex, options: RowOptions): TreeRow[] {
  const keep = options.filter === '' ? undefined : matchesWithAncestors(index, options.filter);
  const rows: TreeRow[] = [];
  const stack: Array<{ view: ContainerView; depth: number }> = [];
  const pushSiblings = (siblings: readonly ContainerView[], depth: number) => {
    const shown = keep ? siblings.filter((c) => keep.has(c.name)) : siblings;
    const sorted = sortSiblings(shown, options.sort);
    for (let i = sorted.length - 1; i >= 0; i--) stack.push({ view: sorted[i], depth });
  };
  pushSiblings(index.roots, 0);
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { view, depth } = next;
    const kids = index.children.get(view.name) ?? [];
    const collapsed = !keep && kids.length > 0 && options.collapsed.has(view.name);
    rows.push({
      name: view.name,
      label: depth === 0 ? view.name : view.name.slice(view.name.lastIndexOf('/') + 1),
      depth,
      view,
      childCount: kids.length,
      collapsed,
    });
    if (!collapsed) pushSiblings(kids, depth + 1);
  }
  return rows;
}

function matchesWithAncestors(index: TreeIndex, filter: string): Set<string> {
  const needle = filter.toLowerCase();
  const keep = new Set<string>();
  for (const name of index.byName.keys()) {
    if (!name.toLowerCase().includes(needle)) continue;
    // Stop at the first ancestor already kept: each name is walked once, O(n) overall.
    for (let n: string | undefined = name; n !== undefined && !keep.has(n) && index.byName.has(n); n = parentOf(n)) {
      keep.add(n);
    }
  }
  return keep;
}

function sortSiblings(siblings: readonly ContainerView[], key: SortKey): ContainerView[] {
  const byName = (a: ContainerView, b: ContainerView) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  if (key === 'name') return [...siblings].sort(byName);
  const metric =
    key === 'cpu'
      ? (c: ContainerView) => c.rates.cpuPercent ?? -1
      : (c: ContainerView) => c.raw.stats.memory?.usage ?? -1;
  return [...siblings].sort((a, b) => metric(b) - metric(a) || byName(a, b));
}

/** Like the engine's parentName, but ends (undefined) on any input, absolute or not. */
export function parentOf(name: string): string | undefined {
  const slash = name.lastIndexOf('/');
  if (slash < 0 || name === '/') return undefined;
  return slash === 0 ? '/' : name.slice(0, slash);
}

/** Row index of each name, for following a selection across updates. */
export function rowPositions(rows: readonly TreeRow[]): Map<string, number> {
  return new Map(rows.map((r, i) => [r.name, i]));
}

/**
 * Where the selection is: the row named `selected`, else its nearest ancestor on screen,
 * else the first row. -1 when there are no rows.
 */
export function resolveSelection(positions: ReadonlyMap<string, number>, selected: string | undefined): number {
  if (positions.size === 0) return -1;
  for (let n = selected; n !== undefined; n = parentOf(n)) {
    const at = positions.get(n);
    if (at !== undefined) return at;
  }
  return 0;
}
