import type { LintRule } from './lint-types.js';

/** Every source has an http(s) url (or, for llmecon's own reports, a docs/ path) and an accessed date; every price has an asOf date. */
export const sourcesDated: LintRule = ({ files, sources }) => {
  const issues = Object.entries(sources).flatMap(([id, raw]) => {
    const s = raw as { url?: unknown; accessed?: unknown };
    const problems: string[] = [];
    if (typeof s.url !== 'string' || !/^(https?:\/\/|docs\/)/.test(s.url))
      problems.push('has no http(s) url or docs/ path');
    if (typeof s.accessed !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(s.accessed))
      problems.push('has no accessed date (YYYY-MM-DD)');
    return problems.map((p) => ({
      rule: 'sources-dated',
      file: 'sources.json',
      message: `source '${id}' ${p}`,
    }));
  });
  for (const [file, json] of Object.entries(files)) {
    const g = json as {
      rentalPrices?: { usdPerGpuHour?: { asOf?: unknown } }[];
      purchasePrices?: { usdPerGpu?: { asOf?: unknown } }[];
    };
    (g.rentalPrices ?? []).forEach((p, i) => {
      if (!p.usdPerGpuHour?.asOf)
        issues.push({ rule: 'sources-dated', file, message: `rentalPrices[${i}] has no asOf date` });
    });
    (g.purchasePrices ?? []).forEach((p, i) => {
      if (!p.usdPerGpu?.asOf)
        issues.push({ rule: 'sources-dated', file, message: `purchasePrices[${i}] has no asOf date` });
    });
  }
  return issues;
};
