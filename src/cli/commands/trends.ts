import { loadCatalog } from '../../catalog/catalog.js';
import { trendRates } from '../../catalog/training-defaults.js';
import { projectCosts } from '../../core/trends/trends.js';
import { formatUsd, table, toJson } from '../format.js';
import { positiveInteger, positiveNumber } from '../options.js';

export interface TrendsFlags {
  baseUsd?: string;
  baseYear?: string;
  years?: string;
  json?: boolean;
}

export function trendsCommand(o: TrendsFlags): string {
  const baseUsd = o.baseUsd === undefined ? 61.68e6 : positiveNumber(o.baseUsd, '--base-usd', 1);
  const baseYear = positiveInteger(o.baseYear, '--base-year', 2024);
  const years = positiveInteger(o.years, '--years', 5);
  const p = projectCosts(baseUsd, baseYear, years, trendRates());
  const t = loadCatalog().assumptions.trends;
  if (o.json) return toJson({ baseUsd, baseYear, ...p });
  const rate = (i: { median: { value: number }; low: { value: number }; high: { value: number } }) =>
    `${i.median.value} (95% CI ${i.low.value}–${i.high.value})`;
  return [
    `From ${formatUsd(baseUsd)} in ${baseYear}${o.baseUsd === undefined ? ' (Llama 3.1 405B: 30.84M H100-hours × $2)' : ''}; P5 / P50 / P95 of 10,000 draws of the rates:`,
    '',
    table(
      ['year', 'frontier run P5', 'P50', 'P95', 'same capability P5', 'P50', 'P95'],
      p.frontierUsd.map((f, i) => {
        const c = p.fixedCapabilityUsd[i]!;
        return [
          String(f.year),
          formatUsd(f.p5),
          formatUsd(f.p50),
          formatUsd(f.p95),
          formatUsd(c.p5),
          formatUsd(c.p50),
          formatUsd(c.p95),
        ];
      }),
    ),
    '',
    `Frontier training cost grows ${rate(t.frontierTrainingCostGrowthPerYear)}× a year (Cottier et al. 2024).`,
    `The same capability gets cheaper: GPU FLOP/s per dollar doubles every ${rate(t.gpuPricePerformanceDoublingYears)} years (Hobbhahn & Besiroglu 2022, ML GPUs), and the compute it needs halves every ${rate(t.algorithmicHalvingMonths)} months (Ho et al. 2024).`,
    'API prices fall faster still where providers cut them: GLM-3-Turbo $0.70 → $0.14 per million tokens (−80%) and DeepSeek $0.14 → $0.014 for cached input (−90%), as the seeds report (llmecon compare-api lists the price history).',
  ].join('\n');
}
