import { describe, expect, it } from 'vitest';
import { trendRates } from '../../catalog/training-defaults.js';
import { projectCosts } from './trends.js';

describe('cost trends from published rates', () => {
  const p = projectCosts(61.7e6, 2024, 5, trendRates(), { samples: 20_000, seed: 3 });
  it("frontier runs: the median follows Epoch AI's 2.4× a year; the 95% interval widens with time", () => {
    expect(p.frontierUsd[0]).toMatchObject({ year: 2024, p50: 61.7e6 });
    expect(p.frontierUsd[3]!.p50 / 61.7e6 / 2.4 ** 3).toBeCloseTo(1, 1);
    const spread = (t: number) => p.frontierUsd[t]!.p95 / p.frontierUsd[t]!.p5;
    expect(spread(5)).toBeGreaterThan(spread(1));
  });
  it('a fixed capability gets cheaper: hardware (2.07-year doubling) × algorithms (8-month halving) ≈ 4× a year', () => {
    const perYear = p.fixedCapabilityUsd[0]!.p50 / p.fixedCapabilityUsd[1]!.p50;
    expect(perYear).toBeCloseTo(2 ** (1 / 2.07) * 2 ** (12 / 8), 1);
    for (const y of p.fixedCapabilityUsd) expect(y.p5).toBeLessThanOrEqual(y.p95);
  });
  it('bad inputs name the field', () => {
    expect(() => projectCosts(-1, 2024, 5, trendRates())).toThrow(/--base-usd: must be greater than 0/);
    expect(() => projectCosts(1e6, 2024, 0, trendRates())).toThrow(
      /--years: a whole number from 1 to 50, got 0/,
    );
  });
});
