/** Packed documents' attention span (`--document-tokens`, `--document-tokens-p99`) and its lognormal moment. */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../test/input-error.js';
import {
  lengthSpreadFromP99,
  lognormalFromMeanAndQuantile,
  lognormalSizeBiasedCappedMean,
} from '../uncertainty/distributions.js';
import { documentSpanTokens, documentsText } from './document-span.js';

/** E[X·min(X, cap)] / E[X] by the trapezoid rule over the lognormal's z. */
function quadrature(d: { median: number; p90: number }, cap: number): number {
  const sigma = Math.log(d.p90 / d.median) / 1.2815515655446004;
  let num = 0;
  let den = 0;
  for (let z = -10; z <= 10; z += 1e-3) {
    const x = d.median * Math.exp(sigma * z);
    const w = Math.exp((-z * z) / 2);
    num += x * Math.min(x, cap) * w;
    den += x * w;
  }
  return num / den;
}

describe('lognormalSizeBiasedCappedMean', () => {
  test.prop(
    [fc.double({ min: 1.05, max: 14, noNaN: true }), fc.double({ min: 0.1, max: 100, noNaN: true })],
    {
      examples: [[1.2724946440855278, 2.3552]], // CI's counterexample: both caps in the tail, 1 ulp apart
    },
  )(
    'is the quadrature of E[X·min(X, cap)] / E[X], at most the cap and growing with it',
    (ratio, capOverMean) => {
      const d = lognormalFromMeanAndQuantile(1000, 1000 * ratio, 0.99)!;
      const cap = 1000 * capOverMean;
      const v = lognormalSizeBiasedCappedMean(d, cap);
      expect(v / quadrature(d, cap)).toBeCloseTo(1, 3);
      expect(v).toBeLessThanOrEqual(cap * (1 + 1e-5));
      // Where the cap lies far in the tail both are the uncapped mean, equal up to rounding (1 ulp).
      expect(lognormalSizeBiasedCappedMean(d, 1.1 * cap)).toBeGreaterThanOrEqual(v * (1 - 1e-12));
    },
  );
  it('uncapped, the mean × e^(σ²) = mean·(1 + cv²)', () => {
    const d = lognormalFromMeanAndQuantile(1500, 15_000, 0.99)!;
    const sigma = Math.log(d.p90 / d.median) / 1.2815515655446004;
    expect(lognormalSizeBiasedCappedMean(d, 1e15) / (1500 * Math.exp(sigma * sigma))).toBeCloseTo(1, 9);
  });
});

describe('documentSpanTokens', () => {
  it('at the mean without a spread; none where documents reach the sequence', () => {
    expect(documentSpanTokens({ documentTokens: 4096 }, 131_072)).toBe(4096);
    expect(documentSpanTokens({ documentTokens: 8192 }, 8192)).toBeUndefined();
    expect(documentSpanTokens({}, 8192)).toBeUndefined();
  });
  it('with a P99, what their tokens see: a 1,500-token mean with a 15,000 P99 spans 4,563 at 8K (a Monte Carlo of 2M draws: 4,564)', () => {
    expect(documentSpanTokens({ documentTokens: 1500, documentTokensP99: 15_000 }, 8192)).toBe(4563);
    // Longer sequences cut fewer documents: the span grows with them, never past the sequence.
    const spans = [2048, 8192, 32_768, 131_072].map((s) =>
      documentSpanTokens({ documentTokens: 1500, documentTokensP99: 15_000 }, s),
    );
    expect(spans).toEqual([1727, 4563, 8276, 10_697]);
  });
  it('refuses a P99 without a mean, at or below it, or beyond any lognormal, naming the path', () => {
    const missing = inputErrorOf(() => documentSpanTokens({ documentTokensP99: 9000 }, 8192)).issues[0]!;
    expect(missing).toMatchObject({
      path: ['documentTokens'],
      message: 'documentTokensP99 spreads the mean document length: give documentTokens too',
    });
    const paths = { mean: ['--examples'], p99: ['--length-p99'], noun: 'example' };
    for (const p99 of [1000, 900, 14_970]) {
      const issue = inputErrorOf(() =>
        documentSpanTokens({ documentTokens: 1000, documentTokensP99: p99 }, 8192, paths),
      ).issues[0]!;
      expect(issue.path).toEqual(['--length-p99']);
      expect(issue.message).toBe(
        `must lie above the mean example length (1000 tokens) and at most e^(z²/2) = 14.9× it (14968), got ${p99}`,
      );
    }
    expect(() => lengthSpreadFromP99(1000, 14_968, ['x'], 'x')).not.toThrow();
  });
  it('names documents as output shows them', () => {
    expect(documentsText({ documentTokens: 4096 })).toBe('attention within 4,096-token documents');
    expect(documentsText({ documentTokens: 1500, documentTokensP99: 15_000 }, 4563, 'example')).toBe(
      'attention within examples of 1,500 tokens on average, P99 15,000: 4,563 as their tokens see them',
    );
  });
});
