import { sourcedValues } from '../sourced-values.js';
import type { LintRule } from './lint-types.js';

/** Every `source` (and a model's `configSource`) names an entry of catalog/sources.json. */
export const sourcesExist: LintRule = ({ files, sources }) =>
  Object.entries(files).flatMap(([file, json]) => {
    const ids = sourcedValues(json).map((v) => ({ path: v.path, id: String(v.value.source) }));
    const configSource = (json as { configSource?: unknown }).configSource;
    if (typeof configSource === 'string') ids.push({ path: 'configSource', id: configSource });
    return ids
      .filter((s) => !(s.id in sources))
      .map((s) => ({ rule: 'sources-exist', file, message: `${s.path} cites unknown source '${s.id}'` }));
  });
