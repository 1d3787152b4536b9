/** Distributions on bounded fields are truncated to the field's domain (issue 15). */
import { describe, expect, it } from 'vitest';
import { DOMAINS } from '../domain.js';
import { type Distribution, sample, seededRng, swing, uncertainIn } from './distributions.js';

const draws = (d: Distribution, n = 100_000) => {
  const rng = seededRng(3);
  return Array.from({ length: n }, () => sample(d, rng));
};

describe('truncation to the field domain', () => {
  it('a normal price at the 3-sd edge never draws below 0, and the kept draws are the normal above 0', () => {
    const d = uncertainIn(D.usdPerGpuHour).parse({ dist: 'normal', mean: 3, sd: 1 }) as Distribution;
    expect(d.truncate).toEqual({ below: 0, above: 10_000 });
    const a = draws(d);
    expect(lowest(a)).toBeGreaterThanOrEqual(0);
    // Truncating 0.13% of the mass barely moves the mean (3 + sd·φ(3)/Φ(3) = 3.0044).
    expect(a.reduce((s, v) => s + v, 0) / a.length).toBeCloseTo(3.0044, 1);
  });
  it('an untruncated normal with the same parameters does draw below 0 (what truncation prevents)', () => {
    expect(lowest(draws({ dist: 'normal', mean: 3, sd: 1 }, 200_000))).toBeLessThan(0);
  });
  it('a growth rate never reaches −100%', () => {
    const d = uncertainIn(D.growthPerMonth).parse({ dist: 'normal', mean: 0, sd: 0.3 }) as Distribution;
    expect(lowest(draws(d))).toBeGreaterThan(-1);
    expect(swing(d)[0]).toBeGreaterThan(-1);
  });
  it('a distribution mostly outside the domain is refused with the domain stated', () => {
    const r = uncertainIn(D.usdPerGpuHour).safeParse({ dist: 'normal', mean: 1, sd: 1 });
    expect(r.success).toBe(false);
    // The union's distribution branch carries the message (load.ts shows it with the path and line).
    expect(JSON.stringify(r.error?.issues)).toMatch(
      /outside the field's domain \(at least 0 and at most 10,000/,
    );
    expect(uncertainIn(D.growthPerMonth).safeParse({ dist: 'uniform', min: -1.5, max: 0.2 }).success).toBe(
      false,
    );
  });
  it('a lognormal on a field with a positive lower bound passes when median·e^(−3σ) is inside, not otherwise', () => {
    // Tokens per day from 1: a median of 2B with P90 5B has e^(−3σ) ≈ 0.12, so its 3σ low is 0.24B.
    const d = uncertainIn(D.tokensPerDay).parse({ dist: 'lognormal', median: 2e9, p90: 5e9 }) as Distribution;
    expect(d.truncate).toMatchObject({ below: 1, above: 1e16 });
    const rng = seededRng(3);
    for (let i = 0; i < 200; i += 1) expect(sample(d, rng)).toBeGreaterThanOrEqual(1);
    // A median of 2 with P90 100 reaches e^(−3σ) · 2 ≈ 2e-4 tokens a day: refused, the rule stated.
    const wide = uncertainIn(D.tokensPerDay).safeParse({ dist: 'lognormal', median: 2, p90: 100 });
    expect(wide.success).toBe(false);
    expect(JSON.stringify(wide.error?.issues)).toMatch(/median·e\^\(−3σ\) above a positive lower bound/);
  });
  it('a truncation the sampler cannot meet returns the bound, never a value outside', () => {
    const d: Distribution = { dist: 'normal', mean: -100, sd: 1, truncate: { below: 0, exclusive: true } };
    const x = sample(d, seededRng(1));
    expect(x).toBeGreaterThan(0);
    expect(x).toBeLessThan(1e-6);
  });
});

const D = DOMAINS;
const lowest = (a: readonly number[]) => a.reduce((m, v) => Math.min(m, v), Number.POSITIVE_INFINITY);
