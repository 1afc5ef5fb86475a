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

export function flatten(value: unknown, out: Map<string, Leaf> = new Map(), prefix = ''): Map<string, Leaf> {
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(prefix, EMPTY_ARRAY);
    for (let i = 0; i < value.length; i++) flatten(value[i], out, `${prefix}${prefix ? '.' : ''}#${i}`);
  } else if (typeof value === 'object' && value !== null) {
    let any = false;
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      any = true;
      flatten(v, out, prefix ? `${prefix}.${k}` : k);
    }
    if (!any) out.set(prefix, EMPTY_OBJECT);
  } else if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' || value === null) {
    out.set(prefix, value);
  }
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
