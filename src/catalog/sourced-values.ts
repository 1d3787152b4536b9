/** Walks a catalog data file for its sourced values. */

/** Every `{value, unit, source}` object in a JSON tree, with its path; skips a model's verbatim `config`. */
export function sourcedValues(node: unknown, path = ''): { path: string; value: Record<string, unknown> }[] {
  if (Array.isArray(node)) return node.flatMap((child, i) => sourcedValues(child, `${path}[${i}]`));
  if (typeof node !== 'object' || node === null) return [];
  const record = node as Record<string, unknown>;
  if ('value' in record && 'source' in record) return [{ path, value: record }];
  return Object.entries(record)
    .filter(([key]) => !(path === '' && key === 'config'))
    .flatMap(([key, child]) => sourcedValues(child, path ? `${path}.${key}` : key));
}
