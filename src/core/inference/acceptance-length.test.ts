/**
 * A mean acceptance length, as engines report it, turned into the i.i.d. acceptance rate of the chain model
 * (Leviathan et al. 2023, Eq. 1): the inverse of tokensPerStep.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acceptanceRateForLength, tokensPerStep } from './speculative-plan.js';

describe('acceptanceRateForLength', () => {
  it('inverts tokensPerStep for every draft count and rate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.double({ min: 0, max: 1, noNaN: true }), (k, a) => {
        const length = tokensPerStep({ draftTokens: k, acceptanceRate: a });
        expect(
          tokensPerStep({ draftTokens: k, acceptanceRate: acceptanceRateForLength(k, length) }),
        ).toBeCloseTo(length, 9);
      }),
    );
  });
  it('maps the ends to 0 and 1, and a published length to its rate', () => {
    expect(acceptanceRateForLength(3, 1)).toBeCloseTo(0, 9);
    expect(acceptanceRateForLength(3, 4)).toBeCloseTo(1, 9);
    // One MTP draft accepted 85% of the time (DeepSeek-V3 Sec. 5.4.3) is 1.85 tokens a step.
    expect(acceptanceRateForLength(1, 1.85)).toBeCloseTo(0.85, 9);
  });
  it('refuses a length no chain of k drafts gives, naming the flag', () => {
    for (const bad of [0.5, 5.01, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => acceptanceRateForLength(4, bad)).toThrow(/--acceptance-length/);
  });
});
