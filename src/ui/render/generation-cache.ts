/**
 * A cache of two generations of at most `limit` entries each, for the console's per-frame
 * strings (measured texts, wrapped texts, parsed lines): when the current generation is
 * full it becomes the previous one, and entries still in use move back to the current one
 * as they are read. What the frames use stays cached; what they stopped using (a number
 * that changed) is dropped, however long the console runs.
 */
export class GenerationCache<K, V> {
  private current = new Map<K, V>();
  private previous = new Map<K, V>();

  constructor(public limit: number) {}

  get(key: K, make: (key: K) => V): V {
    let value = this.current.get(key);
    if (value !== undefined) return value;
    value = this.previous.get(key) ?? make(key);
    this.current.set(key, value);
    if (this.current.size >= this.limit) {
      this.previous = this.current;
      this.current = new Map();
    }
    return value;
  }
}
