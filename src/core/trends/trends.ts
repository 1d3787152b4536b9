/**
 * Cost trends: frontier training runs grow more expensive each year while a fixed capability gets
 * cheaper (hardware price-performance × algorithmic efficiency). Rates are uncertain inputs (their
 * published intervals as lognormals); projections give P5/P50/P95 per year from a seeded Monte Carlo.
 */
import { inputError } from '../errors.js';
import { percentile } from '../statistics.js';
import { type Distribution, sample, seededRng } from '../uncertainty/distributions.js';
import type { Percentiles } from '../uncertainty/monte-carlo.js';

export interface TrendRates {
  /** Frontier training cost multiplier per year (Epoch AI: 2.4×). */
  readonly frontierGrowthPerYear: Distribution;
  /** Years for GPU FLOP/s per dollar to double. */
  readonly pricePerformanceDoublingYears: Distribution;
  /** Months for the compute needed for a fixed capability to halve. */
  readonly algorithmicHalvingMonths: Distribution;
}

export interface YearProjection extends Pick<Percentiles, 'p5' | 'p50' | 'p95'> {
  readonly year: number;
}

export interface Projection {
  /** Cost of the frontier run of each year, starting from `baseUsd` in `baseYear`. */
  readonly frontierUsd: readonly YearProjection[];
  /** Cost of training the `baseUsd` capability again in each year. */
  readonly fixedCapabilityUsd: readonly YearProjection[];
}

/**
 * Projects `years` years from `baseYear`. Frontier: base × g^t (Cottier et al. 2024). Fixed capability:
 * base ÷ (2^(t / hardware doubling) × 2^(12t / algorithmic halving)) (Hobbhahn & Besiroglu 2022;
 * Ho et al. 2024). Each sample draws one rate per series and holds it over the years.
 */
export function projectCosts(
  baseUsd: number,
  baseYear: number,
  years: number,
  rates: TrendRates,
  options: { readonly samples?: number; readonly seed?: number } = {},
): Projection {
  if (!(Number.isFinite(baseUsd) && baseUsd > 0))
    inputError('invalid_value', ['--base-usd'], `must be greater than 0, got ${baseUsd}`);
  if (!(Number.isInteger(years) && years >= 1 && years <= 50))
    inputError('invalid_value', ['--years'], `a whole number from 1 to 50, got ${years}`);
  const samples = options.samples ?? 10_000;
  const rng = seededRng(options.seed ?? 1);
  const frontier = Array.from({ length: years + 1 }, () => new Float64Array(samples));
  const fixed = Array.from({ length: years + 1 }, () => new Float64Array(samples));
  for (let s = 0; s < samples; s += 1) {
    const g = sample(rates.frontierGrowthPerYear, rng);
    const hw = sample(rates.pricePerformanceDoublingYears, rng);
    const algo = sample(rates.algorithmicHalvingMonths, rng);
    const cheaperPerYear = 2 ** (1 / hw) * 2 ** (12 / algo);
    for (let t = 0; t <= years; t += 1) {
      frontier[t]![s] = baseUsd * g ** t;
      fixed[t]![s] = baseUsd / cheaperPerYear ** t;
    }
  }
  const summary = (columns: Float64Array[]) =>
    columns.map((c, t) => {
      c.sort();
      return {
        year: baseYear + t,
        p5: percentile(c, 0.05),
        p50: percentile(c, 0.5),
        p95: percentile(c, 0.95),
      };
    });
  return { frontierUsd: summary(frontier), fixedCapabilityUsd: summary(fixed) };
}
