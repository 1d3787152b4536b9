import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { median, predictionQuantile90, studentT90 } from './statistics.js';

describe('order statistics', () => {
  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });
});

describe("Student's t and the P10–P90 prediction quantile", () => {
  it('matches the t table at 0.9 (one-sided) within 0.1%', () => {
    // Student's t table, upper 10% point (e.g. NIST/SEMATECH e-Handbook, Table 1.3.6.7.2).
    const table: ReadonlyArray<readonly [number, number]> = [
      [1, 3.078],
      [2, 1.886],
      [3, 1.638],
      [4, 1.533],
      [5, 1.476],
      [10, 1.372],
      [20, 1.325],
      [30, 1.31],
      [100, 1.29],
    ];
    for (const [dof, t] of table) expect(Math.abs(studentT90(dof) / t - 1)).toBeLessThan(0.001);
    expect(studentT90(Number.POSITIVE_INFINITY)).toBeCloseTo(1.2816, 4);
  });
  it('falls with more degrees of freedom toward z₀.₉', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), (dof) => {
        expect(studentT90(dof + 1)).toBeLessThan(studentT90(dof));
        expect(studentT90(dof)).toBeGreaterThan(1.2815);
      }),
    );
  });
  it('a prediction interval from n residuals is wider than z₀.₉ and narrows as n grows', () => {
    expect(predictionQuantile90(5) / 1.2816).toBeCloseTo(1.31, 2);
    expect(predictionQuantile90(18)).toBeCloseTo(1.3334 * Math.sqrt(1 + 1 / 18), 3);
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 5_000 }), (n) => {
        expect(predictionQuantile90(n + 1)).toBeLessThan(predictionQuantile90(n));
      }),
    );
  });
  it('refuses fewer than one degree of freedom', () => {
    expect(() => studentT90(0)).toThrow(RangeError);
  });
});
