import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../test/input-error.js';
import {
  annualRate,
  breakEvenUtilization,
  irr,
  lowestDiscountRate,
  monthlyRate,
  npv,
  npvAtAnnualRate,
  paybackPeriod,
} from './finance.js';

describe('NPV, IRR, payback: worked examples', () => {
  it('NPV of −1000 then 5 × 300 at 10% = 137.24 (textbook annuity: 300 × 3.7908 − 1000)', () => {
    expect(npv(0.1, [-1000, 300, 300, 300, 300, 300])).toBeCloseTo(137.236, 3);
  });
  it('IRR of −1000 then 5 × 300 = 15.24% (annuity factor 3.3333)', () => {
    expect(irr([-1000, 300, 300, 300, 300, 300])).toBeCloseTo(0.152382, 5);
  });
  it('IRR of −100, +110 = 10%; of −100, 0, +121 = 10%', () => {
    expect(irr([-100, 110])).toBeCloseTo(0.1, 10);
    expect(irr([-100, 0, 121])).toBeCloseTo(0.1, 10);
  });
  it('payback of −1000 then 300 a period: 3.33 periods; discounted at 10%: 3.75', () => {
    expect(paybackPeriod([-1000, 300, 300, 300, 300, 300])).toBeCloseTo(3 + 100 / 300, 10);
    // Discounted cumulative: −1000, −727.3, −479.3, −253.9, −49.0, +137.2 → 4 + 49.0/186.3.
    expect(paybackPeriod([-1000, 300, 300, 300, 300, 300], 0.1)).toBeCloseTo(4 + 49.04 / 186.28, 2);
  });
  it('no sign change: no IRR; never recovered: no payback', () => {
    expect(irr([100, 100])).toBeNull();
    expect(irr([-100, -5])).toBeNull();
    expect(paybackPeriod([-100, 10, 10])).toBeNull();
  });
  it('10% a year is 0.797% a month', () => {
    expect(monthlyRate(0.1)).toBeCloseTo(0.00797414, 8);
    expect(annualRate(monthlyRate(0.1))).toBeCloseTo(0.1, 12);
  });
});

const flows = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 });

describe('rent vs buy', () => {
  it('a $41,000 GPU+server losing 60% over 3 years vs $2.45/h rent with $0.081/h energy: busy 39.5% of the time', () => {
    const u = breakEvenUtilization({
      capexUsdPerGpu: 41_000,
      depreciatedShare: 0.6,
      horizonHours: 36 * 730.5,
      energyUsdPerGpuHour: 0.081,
      rentUsdPerGpuHour: 2.45,
    })!;
    expect(u).toBeCloseTo((41_000 * 0.6) / (26_298 * (2.45 - 0.081)), 9);
    expect(u).toBeCloseTo(0.395, 3);
  });
  it('cheap rent: buying never wins', () => {
    expect(
      breakEvenUtilization({
        capexUsdPerGpu: 41_000,
        depreciatedShare: 1,
        horizonHours: 8766,
        energyUsdPerGpuHour: 0.08,
        rentUsdPerGpuHour: 1,
      }),
    ).toBeNull();
  });
});

describe('properties', () => {
  test.prop([flows])('NPV at rate 0 is the sum of the flows', (f) => {
    expect(npv(0, f)).toBeCloseTo(
      f.reduce((a, b) => a + b, 0),
      3,
    );
  });
  test.prop([
    fc.double({ min: 1, max: 1e6, noNaN: true }),
    fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 }),
  ])('IRR zeroes the NPV (an investment followed by returns)', (investment, returns) => {
    const f = [-investment, ...returns];
    const r = irr(f);
    if (r === null) return;
    expect(Math.abs(npv(r, f))).toBeLessThan(1e-6 * (investment + returns.reduce((a, b) => a + b, 0)));
  });
  test.prop([
    flows,
    fc.double({ min: 0, max: 0.5, noNaN: true }),
    fc.double({ min: 0, max: 0.5, noNaN: true }),
  ])('with positive late flows only, a higher rate never raises the NPV of an investment', (f, a, b) => {
    const g = [-Math.abs(f[0]!), ...f.slice(1).map(Math.abs)];
    const [lo, hi] = a < b ? [a, b] : [b, a];
    expect(npv(hi, g)).toBeLessThanOrEqual(npv(lo, g) + 1e-6);
  });
});

describe('discounting that overflows is refused, never Infinity or NaN', () => {
  const months240 = [-1000, ...Array.from({ length: 240 }, () => 1e16)];
  it('npvAtAnnualRate: −99.9999% a year over 240 months is an input error naming discountRate', () => {
    const e = inputErrorOf(() => npvAtAnnualRate(-0.999999, months240));
    expect(e.issues[0]!.path).toEqual(['discountRate']);
    expect(e.issues[0]!.message).toMatch(/over 240 months the annual rate must be at least -0\.49\d*/);
  });
  it('npvAtAnnualRate at an ordinary rate is npv at the monthly rate; the lowest rate itself is finite', () => {
    expect(npvAtAnnualRate(0.1, months240)).toBe(npv(monthlyRate(0.1), months240));
    const lowest = lowestDiscountRate(240);
    expect(lowest).toBeGreaterThan(-0.5);
    expect(lowest).toBeLessThan(-0.49);
    expect(Number.isFinite(npvAtAnnualRate(lowest, months240))).toBe(true);
    expect(inputErrorOf(() => npvAtAnnualRate(-1, [1, 2])).issues[0]!.path).toEqual(['discountRate']);
  });
  it('IRR reads no sign change from an overflowed NPV: −1 then +100 has its root at 9,900% a period, outside the search', () => {
    // At −99.99% a period the discount factor underflows to 0 by period ~80: 0/0 is NaN, once read as a
    // sign change (an IRR of −100% a year beside a positive NPV).
    expect(irr([-1, 100, ...Array.from({ length: 300 }, () => 0)])).toBeNull();
    expect(irr([-1, 1e300, ...Array.from({ length: 300 }, () => 1e300)])).toBeNull();
  });
});
