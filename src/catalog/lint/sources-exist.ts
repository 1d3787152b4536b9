import { citedSources } from '../sourced-values.js';
import type { LintRule } from './lint-types.js';

/** Every `source` (and a model's `configSource`) names an entry of catalog/sources.json. */
export const sourcesExist: LintRule = ({ files, sources }) =>
  Object.entries(files).flatMap(([file, json]) => {
    return citedSources(json)
      .filter((s) => !(s.id in sources))
      .map((s) => ({ rule: 'sources-exist', file, message: `${s.path} cites unknown source '${s.id}'` }));
  });
