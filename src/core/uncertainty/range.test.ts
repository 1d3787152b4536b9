import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { bandMultiplier, logBand, P10_DRAW, P90_DRAW, ratioRange } from './range.js';

/** A band: P10 and P90 multipliers with P10 < P90. */
const band = fc
  .tuple(fc.double({ min: 0.2, max: 1.5, noNaN: true }), fc.double({ min: 1.01, max: 4, noNaN: true }))
  .map(([low, spread]) => ({ low, high: low * spread }));

describe('bands as lognormal multipliers', () => {
  test.prop([band])('the residual draws at z = ∓z₀.₉ give the band’s P10 and P90', (b) => {
    expect(bandMultiplier(b.low, b.high, P10_DRAW)).toBeCloseTo(b.low, 9);
    expect(bandMultiplier(b.low, b.high, P90_DRAW)).toBeCloseTo(b.high, 9);
    const { mu } = logBand(b.low, b.high);
    expect(bandMultiplier(b.low, b.high, 1)).toBeCloseTo(Math.exp(mu), 9);
  });

  test.prop([
    band,
    band,
    fc.double({ min: 1, max: 1e9, noNaN: true }),
    fc.double({ min: 1, max: 1e9, noNaN: true }),
  ])(
    'a ratio on one calibration is exact; across calibrations its band holds the median ratio and is wider than either end’s',
    (a, b, va, vb) => {
      const same = ratioRange({ value: va, ...a }, { value: vb, ...b }, true);
      expect(same.p10).toBe(va / vb);
      expect(same.p90).toBe(va / vb);
      const r = ratioRange({ value: va, ...a }, { value: vb, ...b }, false);
      const median = ((va / vb) * Math.sqrt(a.low * a.high)) / Math.sqrt(b.low * b.high);
      expect(r.p10).toBeLessThan(median);
      expect(r.p90).toBeGreaterThan(median);
      const width = Math.log(r.p90 / r.p10);
      expect(width).toBeGreaterThanOrEqual(
        Math.max(Math.log(a.high / a.low), Math.log(b.high / b.low)) - 1e-9,
      );
      expect(width).toBeLessThanOrEqual(Math.log(a.high / a.low) + Math.log(b.high / b.low) + 1e-9);
    },
  );
});
