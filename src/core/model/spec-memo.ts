/**
 * Values computed per model spec and key, kept as long as the spec lives (a WeakMap of Maps): the
 * layout search and the planners ask for the same per-spec figures once per candidate.
 */
import type { ModelSpec } from './spec.js';

/** A memo: `memo(spec, key, compute)` returns the value cached for (spec, key), computing it once. */
export function perSpecMemo<K, V>(): (spec: ModelSpec, key: K, compute: () => V) => V {
  const bySpec = new WeakMap<ModelSpec, Map<K, V>>();
  return (spec, key, compute) => {
    let values = bySpec.get(spec);
    if (!values) {
      values = new Map();
      bySpec.set(spec, values);
    }
    if (values.has(key)) return values.get(key) as V;
    const value = compute();
    values.set(key, value);
    return value;
  };
}
