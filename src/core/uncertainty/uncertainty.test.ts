import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { percentile, Z90 } from '../statistics.js';
import {
  type Distribution,
  distributionSchema,
  expectedLognormalMax,
  lognormalFromInterval,
  normalCdf,
  sample,
  seededRng,
  swing,
} from './distributions.js';
import { monteCarlo, tornado } from './monte-carlo.js';

const draws = (d: Distribution, n = 200_000, seed = 7) => {
  const rng = seededRng(seed);
  return Float64Array.from({ length: n }, () => sample(d, rng)).sort();
};
const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;

describe('distributions match their definitions', () => {
  it('normal: mean and 90th percentile', () => {
    const a = draws({ dist: 'normal', mean: 10, sd: 2 });
    expect(mean(a)).toBeCloseTo(10, 1);
    expect(percentile(a, 0.9)).toBeCloseTo(10 + 1.2816 * 2, 1);
  });
  it('lognormal given median and p90 reproduces both', () => {
    const a = draws({ dist: 'lognormal', median: 5.6e6, p90: 12e6 });
    expect(percentile(a, 0.5) / 5.6e6).toBeCloseTo(1, 1);
    expect(percentile(a, 0.9) / 12e6).toBeCloseTo(1, 1);
  });
  it("lognormal from a 90% interval (Epoch AI's form): 1.2–4 has median 2.19 and P5/P95 at the bounds", () => {
    const d = lognormalFromInterval(1.2, 4);
    expect(d).toMatchObject({ dist: 'lognormal', median: expect.closeTo(2.191, 3) });
    const a = draws(d);
    expect(percentile(a, 0.05)).toBeCloseTo(1.2, 1);
    expect(percentile(a, 0.95)).toBeCloseTo(4, 1);
  });
  it('triangular mean (a + b + c)/3; PERT mean (a + 4m + b)/6', () => {
    expect(mean(draws({ dist: 'triangular', min: 1, mode: 2, max: 6 }))).toBeCloseTo(3, 1);
    expect(mean(draws({ dist: 'pert', min: 1, mode: 2, max: 6 }))).toBeCloseTo((1 + 8 + 6) / 6, 1);
  });
  it('uniform stays in range; swings are P10/P90', () => {
    const a = draws({ dist: 'uniform', min: 2, max: 4 });
    expect(a[0]).toBeGreaterThanOrEqual(2);
    expect(a[a.length - 1]).toBeLessThan(4);
    expect(swing({ dist: 'uniform', min: 2, max: 4 })).toEqual([2.2, 3.8]);
    const [lo, hi] = swing({ dist: 'pert', min: 1, mode: 2, max: 6 });
    const p = draws({ dist: 'pert', min: 1, mode: 2, max: 6 });
    expect(lo).toBeCloseTo(percentile(p, 0.1), 1);
    expect(hi).toBeCloseTo(percentile(p, 0.9), 1);
  });
  it('bad parameters are rejected with the field', () => {
    const r = distributionSchema.safeParse({ dist: 'triangular', min: 3, mode: 1, max: 2 });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['mode']);
    expect(distributionSchema.safeParse({ dist: 'normal', mean: 1, sd: -1 }).success).toBe(false);
    expect(distributionSchema.safeParse({ dist: 'lognormal', median: 2, p90: 1 }).success).toBe(false);
  });
  it('parameters take the count syntax a plain value takes, and are checked as numbers', () => {
    expect(distributionSchema.parse({ dist: 'uniform', min: '10M', max: '1.5e7' })).toEqual({
      dist: 'uniform',
      min: 10e6,
      max: 15e6,
    });
    const r = distributionSchema.safeParse({ dist: 'uniform', min: '20M', max: '10M' });
    expect(r.error!.issues[0]).toMatchObject({ path: ['max'], message: 'max must be ≥ min' });
    expect(distributionSchema.safeParse({ dist: 'lognormal', median: '2T', p90: 'lots' }).success).toBe(
      false,
    );
  });
});

describe('Monte Carlo and tornado', () => {
  const inputs = {
    gpuHours: { dist: 'lognormal', median: 2.788e6, p90: 3.5e6 },
    usdPerGpuHour: { dist: 'triangular', min: 1.5, mode: 2, max: 3 },
    overhead: 1,
  } as const;
  const model = (v: { gpuHours: number; usdPerGpuHour: number; overhead: number }) => ({
    costUsd: v.gpuHours * v.usdPerGpuHour * v.overhead,
  });
  it('the same seed gives identical results; another seed differs', () => {
    const a = monteCarlo(inputs, model, { samples: 5000, seed: 42 });
    expect(monteCarlo(inputs, model, { samples: 5000, seed: 42 })).toEqual(a);
    expect(monteCarlo(inputs, model, { samples: 5000, seed: 43 }).outputs.costUsd.p50).not.toBe(
      a.outputs.costUsd.p50,
    );
    expect(a.outputs.costUsd.p5).toBeLessThan(a.outputs.costUsd.p50);
    expect(a.outputs.costUsd.p50).toBeLessThan(a.outputs.costUsd.p95);
    expect(a.histograms.costUsd.counts.reduce((s, c) => s + c, 0)).toBe(5000);
  });
  it('tornado ranks the wider input first and skips fixed ones', () => {
    const t = tornado(inputs, model, 'costUsd');
    expect(t.base).toBeCloseTo(2.788e6 * 2, 0);
    expect(t.bars.map((b) => b.input)).toEqual(['gpuHours', 'usdPerGpuHour']);
    expect(t.bars[0]!.outputAtHigh).toBeGreaterThan(t.base);
  });
});

describe('normal CDF and the expected longest of n lognormal draws', () => {
  it('Φ at known points (tables: 0 → 0.5, 1.28155 → 0.9, 1.95996 → 0.975, −3.09023 → 0.001)', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(Z90)).toBeCloseTo(0.9, 6);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-3.090232306167813)).toBeCloseTo(0.001, 6);
  });
  it('n = 1 is the mean e^(μ+σ²/2); n = 2 is 2·mean·Φ(σ/√2) (the closed form for two draws)', () => {
    const sigma = 0.6;
    const d = { median: 1000, p90: 1000 * Math.exp(Z90 * sigma) };
    const mean = 1000 * Math.exp((sigma * sigma) / 2);
    expect(expectedLognormalMax(d, 1) / mean).toBeCloseTo(1, 5);
    expect(expectedLognormalMax(d, 2) / (2 * mean * normalCdf(sigma / Math.SQRT2))).toBeCloseTo(1, 5);
  });
  test.prop([
    fc.double({ min: 1, max: 1e5, noNaN: true }),
    fc.double({ min: 1.01, max: 20, noNaN: true }),
    fc.integer({ min: 1, max: 100000 }),
  ])('at least the mean, nondecreasing in n', (median, spread, n) => {
    const d = { median, p90: median * spread };
    const sigma = Math.log(spread) / Z90;
    const mean = median * Math.exp((sigma * sigma) / 2);
    expect(expectedLognormalMax(d, n)).toBeGreaterThanOrEqual(mean * (1 - 1e-6));
    expect(expectedLognormalMax(d, n + 1)).toBeGreaterThanOrEqual(expectedLognormalMax(d, n) * (1 - 1e-9));
  });
  it('matches the sampled mean of the longest of 16 within 2% (σ = 0.5)', () => {
    const rng = seededRng(7);
    const d = { median: 1000, p90: 1000 * Math.exp(Z90 * 0.5) };
    let sum = 0;
    const trials = 20000;
    for (let t = 0; t < trials; t += 1) {
      let max = 0;
      for (let i = 0; i < 16; i += 1) max = Math.max(max, sample({ dist: 'lognormal', ...d }, rng));
      sum += max;
    }
    expect(expectedLognormalMax(d, 16) / (sum / trials)).toBeGreaterThan(0.98);
    expect(expectedLognormalMax(d, 16) / (sum / trials)).toBeLessThan(1.02);
  });
});
