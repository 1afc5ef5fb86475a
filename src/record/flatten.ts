/**
 * Plain JSON data (what a sampling pass holds) as a flat list of leaves keyed by path, and
 * back: the frame codec compares and stores leaves one by one, so an unchanged counter
 * costs nothing and a moving one only its delta. A path joins keys with '.', an array's
 * index is written '#i'; empty arrays and objects are leaves of their own, so the shape
 * comes back whole.
 */
export type Leaf = number | string | boolean | null | readonly [] | Readonly<Record<string, never>>;

export const EMPTY_ARRAY: readonly [] = Object.freeze([]) as readonly [];
export const EMPTY_OBJECT: Readonly<Record<string, never>> = Object.freeze({});

/** More distinct paths than a sample's schema makes: past it the joins start afresh (keys named by the data). */
const MAX_JOINS = 1 << 16;

/**
 * Paths joined once each: the same few hundred recur in every container of every pass, and
 * a path made again is hashed again by each map it is looked up in, where one made once
 * keeps its hash.
 */
export class PathJoins {
  private readonly byPrefix = new Map<string, Map<string | number, string>>();
  private size = 0;

  join(prefix: string, key: string | number): string {
    let joined = this.byPrefix.get(prefix);
    if (!joined) {
      if (this.size >= MAX_JOINS) {
        this.byPrefix.clear();
        this.size = 0;
      }
      joined = new Map();
      this.byPrefix.set(prefix, joined);
    }
    let path = joined.get(key);
    if (path === undefined) {
      path = typeof key === 'number' ? `${prefix}${prefix ? '.' : ''}#${key}` : prefix ? `${prefix}.${key}` : key;
      joined.set(key, path);
      this.size++;
    }
    return path;
  }
}

/** `value`'s leaves by path, in a stable order; `skip` is a top-level key left out. */
export function flatten(value: unknown, joins: PathJoins = new PathJoins(), skip?: string): Map<string, Leaf> {
  const out = new Map<string, Leaf>();
  const walk = (v: unknown, prefix: string, top: boolean): void => {
    if (Array.isArray(v)) {
      if (v.length === 0) out.set(prefix, EMPTY_ARRAY);
      for (let i = 0; i < v.length; i++) walk(v[i], joins.join(prefix, i), false);
    } else if (typeof v === 'object' && v !== null) {
      let any = false;
      for (const k in v) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined || (top && k === skip)) continue;
        any = true;
        walk(x, joins.join(prefix, k), false);
      }
      if (!any) out.set(prefix, EMPTY_OBJECT);
    } else if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || v === null) {
      out.set(prefix, v);
    }
  };
  walk(value, '', true);
  return out;
}

/**
 * Paths split into keys (an array index as a number), each path once: the same few hundred
 * paths recur in every container of every sample a reader builds.
 */
export class PathKeys {
  private readonly split = new Map<string, Array<string | number>>();

  of(path: string): Array<string | number> {
    let keys = this.split.get(path);
    if (!keys) {
      keys = path.split('.').map((k) => (k.startsWith('#') ? Number(k.slice(1)) : k));
      this.split.set(path, keys);
    }
    return keys;
  }
}

/** The object of leaves given in path order (the order flatten gave them). */
export function unflatten(leaves: Iterable<[string, Leaf]>, keys: PathKeys = new PathKeys()): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [path, leaf] of leaves) {
    const ks = keys.of(path);
    let node = root as Record<string | number, unknown>;
    const last = ks.length - 1;
    for (let i = 0; i < last; i++) {
      const slot = ks[i]!;
      node = (node[slot] ??= typeof ks[i + 1] === 'number' ? [] : {}) as Record<string | number, unknown>;
    }
    node[ks[last]!] = leaf === EMPTY_ARRAY || Array.isArray(leaf) ? [] : typeof leaf === 'object' && leaf !== null ? {} : leaf;
  }
  return root;
}
