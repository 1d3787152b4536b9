import type { LintIssue, LintRule } from './lint-types.js';

/** A case of `validation/training` or `validation/memory`: where its stack's version fact lives. */
interface VersionedCase {
  readonly id?: unknown;
  readonly stack?: unknown;
  readonly source?: unknown;
  readonly lossCompiled?: unknown;
  readonly training?: { readonly lossCompiled?: unknown };
}

/**
 * A validation case on a stack that compiles its loss from a date (`memory.compiledLoss.since`) says
 * `lossCompiled: false` when its source was published before that date, and not when after: the
 * case runs the stack version its figure was measured with. A source dated by year alone in the
 * year of the change is left to the case.
 */
export const stackVersionDated: LintRule = ({ files, sources }) => {
  const issues: LintIssue[] = [];
  for (const file of ['validation/training', 'validation/memory']) {
    const cases = (files[file] as { cases?: readonly VersionedCase[] } | undefined)?.cases ?? [];
    for (const c of cases) {
      const stack = files[`stacks/${String(c.stack)}`] as
        | { memory?: { compiledLoss?: { since?: unknown } } }
        | undefined;
      const since = stack?.memory?.compiledLoss?.since;
      const published = (sources[String(c.source)] as { published?: unknown } | undefined)?.published;
      if (typeof since !== 'string' || typeof published !== 'string') continue;
      if (published.length === 4 && published === since.slice(0, 4)) continue;
      const before = published < since.slice(0, published.length);
      const said = (c.training?.lossCompiled ?? c.lossCompiled) === false;
      if (before !== said)
        issues.push({
          rule: 'stack-version-dated',
          file,
          message: `case '${String(c.id)}' (source published ${published}) ${before ? 'predates' : 'postdates'} ${String(c.stack)}'s compiled loss (since ${since}): ${before ? 'it needs' : 'it must not say'} lossCompiled: false`,
        });
    }
  }
  return issues;
};
