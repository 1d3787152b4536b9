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

/** Source ids a data file cites: its sourced values, a model's configSource, and case citations ({source, locator}). */
export function citedSources(node: unknown): { path: string; id: string }[] {
  const cited = sourcedValues(node).map((v) => ({ path: v.path, id: String(v.value.source) }));
  const configSource = (node as { configSource?: unknown } | null)?.configSource;
  if (typeof configSource === 'string') cited.push({ path: 'configSource', id: configSource });
  const walk = (n: unknown, path: string): void => {
    if (Array.isArray(n)) {
      for (const [i, child] of n.entries()) walk(child, `${path}[${i}]`);
    } else if (typeof n === 'object' && n !== null) {
      const r = n as Record<string, unknown>;
      if (typeof r.source === 'string' && typeof r.locator === 'string')
        cited.push({ path: `${path}.source`, id: r.source });
      for (const [k, child] of Object.entries(r)) if (k !== 'config') walk(child, path ? `${path}.${k}` : k);
    }
  };
  walk(node, '');
  return cited;
}
