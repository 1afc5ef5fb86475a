/**
 * Counts the work code does on objects it is handed: every property read, also of nested
 * objects, through Proxies. Tests bound these counts (work per container) where a timing
 * would depend on the machine's load.
 */
export interface ReadCounter {
  reads: number;
  /** `value` seen through the counter; the same object always gives the same proxy. */
  wrap<T extends object>(value: T): T;
}

export function readCounter(): ReadCounter {
  const proxies = new WeakMap<object, object>();
  const counter: ReadCounter = {
    reads: 0,
    wrap<T extends object>(value: T): T {
      const known = proxies.get(value);
      if (known) return known as T;
      const proxy = new Proxy(value, {
        get(target, key, receiver) {
          counter.reads++;
          const v: unknown = Reflect.get(target, key, receiver);
          return typeof v === 'object' && v !== null ? counter.wrap(v) : v;
        },
      });
      proxies.set(value, proxy);
      return proxy;
    },
  };
  return counter;
}
