import { citedSources } from '../sourced-values.js';
import type { LintRule } from './lint-types.js';

/** No source in catalog/sources.json goes uncited. */
export const sourcesUsed: LintRule = ({ files, sources }) => {
  const cited = new Set<string>();
  for (const json of Object.values(files)) for (const c of citedSources(json)) cited.add(c.id);
  return Object.keys(sources)
    .filter((id) => !cited.has(id))
    .map((id) => ({ rule: 'sources-used', file: 'sources.json', message: `source '${id}' is never cited` }));
};
