import type { ContainerView } from '../../stats/model.js';

/** Orders of siblings: by name (A first), or by a number (the largest first). */
export type SortKey = 'name' | 'cpu' | 'memory' | 'io' | 'tasks' | 'oom';
export const SORT_KEYS: readonly SortKey[] = ['name', 'cpu', 'memory', 'io', 'tasks', 'oom'];

const SORT_TITLE: Readonly<Record<SortKey, string>> = {
  name: 'name',
  cpu: 'CPU',
  memory: 'memory',
  io: 'IO',
  tasks: 'tasks',
  oom: 'OOM kills',
};

/** The sort after `key` (1) or before it (-1), round the list. */
export function nextSort(key: SortKey, direction: 1 | -1 = 1): SortKey {
  const n = SORT_KEYS.length;
  return SORT_KEYS[(SORT_KEYS.indexOf(key) + direction + n) % n];
}

/** How the header and status line name a sort: "CPU", "name, reversed". */
export function sortLabel(key: SortKey, reverse = false): string {
  return reverse ? `${SORT_TITLE[key]}, reversed` : SORT_TITLE[key];
}

/**
 * The flat sample arranged as a tree: the pass's containers and the tree's shape. A slot
 * is a container's index in the pass.
 */
export interface TreeIndex {
  readonly containers: readonly ContainerView[];
  readonly shape: TreeShape;
}

/**
 * Names and parenthood, which change only when containers come or go. Building them takes
 * Maps keyed by every name, the dearest part of a pass at 10,000 containers, so a pass
 * with the same names in the same order reuses the previous pass's shape.
 */
export class TreeShape {
  /** First slot of each name; later duplicates are left out of the tree. */
  readonly slotOf = new Map<string, number>();
  readonly parent: Int32Array;
  readonly children: number[][] = [];
  readonly roots: number[] = [];
  /** Roots full, the rest by their last component. */
  readonly labels: string[] = [];
  private sortedByName: { roots: number[]; children: number[][] } | undefined;

  constructor(readonly names: readonly string[]) {
    const n = names.length;
    const first = new Uint8Array(n);
    for (let slot = 0; slot < n; slot++) {
      if (this.slotOf.has(names[slot])) continue;
      this.slotOf.set(names[slot], slot);
      first[slot] = 1;
    }
    this.parent = new Int32Array(n).fill(-1);
    for (let slot = 0; slot < n; slot++) {
      const name = names[slot];
      this.children.push([]);
      this.labels.push(name);
      if (first[slot] === 0) continue;
      const parentName = parentOf(name);
      const parent = parentName === undefined ? undefined : this.slotOf.get(parentName);
      if (parent === undefined) {
        this.roots.push(slot);
        continue;
      }
      this.parent[slot] = parent;
      this.labels[slot] = name.slice(name.lastIndexOf('/') + 1);
    }
    for (let slot = 0; slot < n; slot++) if (this.parent[slot] >= 0) this.children[this.parent[slot]].push(slot);
  }

  /** Roots and children in name order: the default sort, the same for every pass. */
  byName(): { roots: readonly number[]; children: readonly (readonly number[])[] } {
    const order = (a: number, b: number) => compareNames(this.names[a], this.names[b]);
    this.sortedByName ??= { roots: [...this.roots].sort(order), children: this.children.map((c) => [...c].sort(order)) };
    return this.sortedByName;
  }

  /** Whether `containers` has exactly these names, in this order. */
  fits(containers: readonly ContainerView[]): boolean {
    if (containers.length !== this.names.length) return false;
    for (let i = 0; i < containers.length; i++) if (containers[i].name !== this.names[i]) return false;
    return true;
  }
}

/** The pass as a tree; `previous` (the last pass's index) lends its shape when it fits. */
export function indexTree(containers: readonly ContainerView[], previous?: TreeIndex): TreeIndex {
  const shape = previous?.shape.fits(containers) ? previous.shape : new TreeShape(containers.map((c) => c.name));
  return { containers, shape };
}

/** Whether the pass has a container of that name. */
export function hasContainer(index: TreeIndex, name: string): boolean {
  return index.shape.slotOf.has(name);
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
  /** Siblings in the opposite order: names Z first, numbers smallest (or unknown) first. */
  reverse?: boolean;
}

/**
 * Depth-first rows in display order. Sorting reorders siblings only, so the tree keeps
 * its shape. While a filter is active collapse is ignored, so every match is on screen.
 */
export function visibleRows(index: TreeIndex, options: RowOptions): TreeRow[] {
  const { containers, shape } = index;
  const keep = options.filter === '' ? undefined : matchesWithAncestors(shape, options.filter);
  const ordered = options.sort === 'name' ? shape.byName() : undefined;
  const rows: TreeRow[] = [];
  const slots: number[] = [];
  const depths: number[] = [];
  const pushSiblings = (siblings: readonly number[], sorted: readonly number[] | undefined, depth: number) => {
    const shown = keep ? (sorted ?? siblings).filter((s) => keep[s] === 1) : (sorted ?? siblings);
    const inOrder = sorted !== undefined || options.sort === 'name' ? shown : sortByMetric(index, shown, options.sort);
    // A stack: pushed last-first so the first pops first; reversed, the other way round.
    for (let k = 0; k < inOrder.length; k++) {
      slots.push(inOrder[options.reverse ? k : inOrder.length - 1 - k]);
      depths.push(depth);
    }
  };
  pushSiblings(shape.roots, ordered?.roots, 0);
  while (slots.length > 0) {
    const slot = slots.pop()!;
    const depth = depths.pop()!;
    const name = shape.names[slot];
    const kids = shape.children[slot];
    const collapsed = !keep && kids.length > 0 && options.collapsed.has(name);
    rows.push({ name, label: shape.labels[slot], depth, view: containers[slot], childCount: kids.length, collapsed });
    if (!collapsed) pushSiblings(kids, ordered?.children[slot], depth + 1);
  }
  return rows;
}

/** 1 for each slot whose name matches, and for its ancestors. */
function matchesWithAncestors(shape: TreeShape, filter: string): Uint8Array {
  const needle = filter.toLowerCase();
  const keep = new Uint8Array(shape.names.length);
  for (const [name, slot] of shape.slotOf) {
    if (!name.toLowerCase().includes(needle)) continue;
    // Stop at the first ancestor already kept: each slot is walked once, O(n) overall.
    for (let s = slot; s >= 0 && keep[s] === 0; s = shape.parent[s]) keep[s] = 1;
  }
  return keep;
}

/** The number a sort orders by; -1 when unknown, below every real value. */
const METRIC: Readonly<Record<Exclude<SortKey, 'name'>, (c: ContainerView) => number>> = {
  cpu: (c) => c.rates.cpuPercent ?? -1,
  memory: (c) => c.raw.stats.memory?.usage ?? -1,
  io: (c) =>
    c.rates.ioReadBytesPerSec === undefined && c.rates.ioWriteBytesPerSec === undefined
      ? -1
      : (c.rates.ioReadBytesPerSec ?? 0) + (c.rates.ioWriteBytesPerSec ?? 0),
  tasks: (c) => c.raw.stats.pids?.current ?? -1,
  oom: (c) => c.raw.stats.memory?.oom_kill_count ?? -1,
};

function sortByMetric(index: TreeIndex, slots: readonly number[], key: Exclude<SortKey, 'name'>): number[] {
  const { containers, shape } = index;
  const of = METRIC[key];
  return [...slots].sort((a, b) => of(containers[b]) - of(containers[a]) || compareNames(shape.names[a], shape.names[b]));
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Like the engine's parentName, but ends (undefined) on any input, absolute or not. */
export function parentOf(name: string): string | undefined {
  const slash = name.lastIndexOf('/');
  if (slash < 0 || name === '/') return undefined;
  return slash === 0 ? '/' : name.slice(0, slash);
}

/** Where a name is among the rows. */
export interface RowPositions {
  readonly size: number;
  get(name: string): number | undefined;
}

/**
 * Row index of each name, for following a selection across updates. Looked up by a scan
 * when asked: a render asks once or twice, where a Map of every row would be built each pass.
 */
export function rowPositions(rows: readonly TreeRow[]): RowPositions {
  return {
    size: rows.length,
    get: (name) => {
      const at = rows.findIndex((r) => r.name === name);
      return at < 0 ? undefined : at;
    },
  };
}

/**
 * Where the selection is: the row named `selected`, else its nearest ancestor on screen,
 * else the first row. -1 when there are no rows.
 */
export function resolveSelection(positions: RowPositions, selected: string | undefined): number {
  if (positions.size === 0) return -1;
  for (let n = selected; n !== undefined; n = parentOf(n)) {
    const at = positions.get(n);
    if (at !== undefined) return at;
  }
  return 0;
}
