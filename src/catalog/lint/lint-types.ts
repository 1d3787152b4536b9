/** The raw catalog as files on disk: `kind/name` → parsed JSON, plus sources.json. */
export interface RawCatalog {
  readonly files: Readonly<Record<string, unknown>>;
  readonly sources: Readonly<Record<string, unknown>>;
}

export interface LintIssue {
  readonly rule: string;
  readonly file: string;
  readonly message: string;
}

export type LintRule = (catalog: RawCatalog) => LintIssue[];

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
