/** The catalog lint: one rule per file (mdn/browser-compat-data's pattern). */
import { everyNumberSourced } from './every-number-sourced.js';
import { fileNameMatchesId } from './file-name-matches-id.js';
import type { LintIssue, RawCatalog } from './lint-types.js';
import { sourcesDated } from './sources-dated.js';
import { sourcesExist } from './sources-exist.js';
import { sourcesUsed } from './sources-used.js';
import { stackVersionDated } from './stack-version-dated.js';

export const LINT_RULES = {
  fileNameMatchesId,
  everyNumberSourced,
  sourcesExist,
  sourcesUsed,
  sourcesDated,
  stackVersionDated,
};

export function lintCatalog(catalog: RawCatalog): LintIssue[] {
  return Object.values(LINT_RULES).flatMap((rule) => rule(catalog));
}
export type { LintIssue, RawCatalog };
