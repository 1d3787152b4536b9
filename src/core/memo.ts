/**
 * Values computed per three objects and a key, kept as long as the objects live (WeakMaps down to a
 * Map): the planners ask for the same figure of a (model, cluster, replica or options) many times.
 * The objects are the immutable specs the core passes around; a new object is a new entry.
 */

/** A memo: `memo(a, b, c, key, compute)` returns the value cached for (a, b, c, key), computing it once. */
export function objectMemo<A extends object, B extends object, C extends object, V>(): (
  a: A,
  b: B,
  c: C,
  key: string,
  compute: () => V,
) => V {
  const root = new WeakMap<A, WeakMap<B, WeakMap<C, Map<string, V>>>>();
  const child = <K extends object, T>(map: WeakMap<K, T>, key: K, make: () => T): T => {
    const found = map.get(key);
    if (found !== undefined) return found;
    const made = make();
    map.set(key, made);
    return made;
  };
  return (a, b, c, key, compute) => {
    const byB = child(root, a, () => new WeakMap<B, WeakMap<C, Map<string, V>>>());
    const byC = child(byB, b, () => new WeakMap<C, Map<string, V>>());
    const values = child(byC, c, () => new Map<string, V>());
    if (values.has(key)) return values.get(key) as V;
    const value = compute();
    values.set(key, value);
    return value;
  };
}
