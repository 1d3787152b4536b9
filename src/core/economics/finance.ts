/**
 * Discounted cash-flow metrics over monthly periods. Convention: flow i happens at the end of month i
 * for i ≥ 1 and flow 0 at t = 0 (undiscounted), the spreadsheet NPV convention shifted so that an
 * up-front purchase sits at t = 0 (Brealey, Myers & Allen, Principles of Corporate Finance, ch. 2).
 * Annual rates convert to monthly as (1 + r)^(1/12) − 1.
 */
import { inputError } from '../errors.js';

/** Monthly rate equivalent to an effective annual rate. */
export function monthlyRate(annualRate: number): number {
  if (!(annualRate > -1))
    inputError('invalid_value', ['discountRate'], `an annual rate above −100%, got ${annualRate}`);
  return (1 + annualRate) ** (1 / 12) - 1;
}

/**
 * The most a discount rate may multiply a flow by the horizon: a negative rate compounds (1 + r)^−t,
 * and −99.9999% a year over 20 years would multiply the last month by 10¹²⁰ (an NPV of nothing but
 * that month, or Infinity). A million-fold is already beyond any rate a decision is made at.
 */
export const MAX_DISCOUNT_MULTIPLIER = 1e6;

/** The lowest annual rate whose discounting multiplies no flow of `months` monthly periods by over {@link MAX_DISCOUNT_MULTIPLIER}. */
export function lowestDiscountRate(months: number): number {
  return months <= 0 ? -1 : MAX_DISCOUNT_MULTIPLIER ** (-12 / months) - 1;
}

/** The problem with an annual discount rate over `months` monthly periods, or null (the message says what is allowed). */
export function discountRateProblem(annualRate: number, months: number): string | null {
  if (!(annualRate > -1)) return `must be an annual rate above −100% (> −1), got ${annualRate}`;
  const lowest = lowestDiscountRate(months);
  if (annualRate >= lowest) return null;
  return `${annualRate} a year compounds over ${months} months into a discount factor that multiplies the last month's flow by more than ${MAX_DISCOUNT_MULTIPLIER.toLocaleString('en-US')} (NPV would be that month alone, or overflow); over ${months} months the annual rate must be at least ${Math.ceil(lowest * 1e4) / 1e4}`;
}

/**
 * NPV of monthly flows (month 0 undiscounted) at an effective annual rate. A rate below
 * {@link lowestDiscountRate} for the flows' horizon, or one whose NPV is not finite, is an input error
 * naming `path` (the scenario's discountRate), never Infinity or NaN.
 */
export function npvAtAnnualRate(
  annualRate: number,
  flows: readonly number[],
  path: readonly (string | number)[] = ['discountRate'],
): number {
  const problem = discountRateProblem(annualRate, flows.length - 1);
  if (problem !== null) inputError('invalid_value', path, problem);
  const value = npv(monthlyRate(annualRate), flows);
  if (!Number.isFinite(value))
    inputError(
      'invalid_value',
      path,
      `NPV at ${annualRate} a year is not a finite number (the flows overflow a double)`,
    );
  return value;
}

/** NPV = Σ flow_i / (1 + r)^i, i = 0..n−1, at a per-period rate r. */
export function npv(ratePerPeriod: number, flows: readonly number[]): number {
  let total = 0;
  let factor = 1;
  for (const flow of flows) {
    total += flow / factor;
    factor *= 1 + ratePerPeriod;
  }
  return total;
}

/**
 * IRR: the per-period rate at which NPV = 0, by bisection on a bracket where NPV changes sign
 * (robust where Newton's method diverges). Null when the flows never change sign or no root lies in
 * (−99.99%, +1000%) per period. With several sign changes the root nearest 0 from above is found first.
 */
export function irr(flows: readonly number[]): number | null {
  const hasNegative = flows.some((f) => f < 0);
  const hasPositive = flows.some((f) => f > 0);
  if (!hasNegative || !hasPositive) return null;
  const f = (r: number) => npv(r, flows);
  // Scan outward from 0 for a sign change, then bisect.
  const grid = [0, 1e-4, 1e-3, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10];
  const candidates: [number, number][] = [];
  for (let i = 0; i + 1 < grid.length; i += 1) candidates.push([grid[i]!, grid[i + 1]!]);
  const negatives = [0, -0.01, -0.05, -0.1, -0.2, -0.5, -0.9, -0.99, -0.9999];
  for (let i = 0; i + 1 < negatives.length; i += 1) candidates.push([negatives[i + 1]!, negatives[i]!]);
  for (const [lo0, hi0] of candidates) {
    let lo = lo0;
    let hi = hi0;
    let flo = f(lo);
    const fhi = f(hi);
    // A rate near −100% can overflow the discounting (Infinity, or NaN from ∞ − ∞): no sign to read.
    if (!Number.isFinite(flo) || !Number.isFinite(fhi)) continue;
    if (flo === 0) return lo;
    if (fhi === 0) return hi;
    if (Math.sign(flo) === Math.sign(fhi)) continue;
    for (let k = 0; k < 200 && hi - lo > 1e-12; k += 1) {
      const mid = (lo + hi) / 2;
      const fm = f(mid);
      if (!Number.isFinite(fm)) return null;
      if (Math.sign(fm) === Math.sign(flo)) {
        lo = mid;
        flo = fm;
      } else hi = mid;
    }
    return (lo + hi) / 2;
  }
  return null;
}

/**
 * Payback period: the first period at which the cumulative (optionally discounted) flow turns ≥ 0
 * after having been negative, with linear interpolation inside the period; null if never.
 */
export function paybackPeriod(flows: readonly number[], ratePerPeriod = 0): number | null {
  let cumulative = 0;
  let factor = 1;
  let everNegative = false;
  for (const [i, flow] of flows.entries()) {
    const discounted = flow / factor;
    const before = cumulative;
    cumulative += discounted;
    if (before < 0 && cumulative >= 0) return i - 1 + -before / discounted;
    if (cumulative < 0) everNegative = true;
    factor *= 1 + ratePerPeriod;
  }
  return everNegative ? null : 0;
}

/** Annual rate equivalent to a monthly rate. */
export function annualRate(monthly: number): number {
  return (1 + monthly) ** 12 - 1;
}

export interface RentVsBuy {
  /** Purchase per GPU including its server share, $. */
  readonly capexUsdPerGpu: number;
  /** Share of the purchase lost over the horizon (straight-line: horizon / life, at most 1). */
  readonly depreciatedShare: number;
  readonly horizonHours: number;
  /** Electricity per busy GPU-hour when owned, $. */
  readonly energyUsdPerGpuHour: number;
  readonly rentUsdPerGpuHour: number;
}

/**
 * The share of the horizon an owned GPU must be busy for buying to cost no more than renting the same
 * busy hours: u* = capex × depreciated share / (hours × (rent − energy)); null when renting is never
 * dearer (rent ≤ the energy of owning) or buying never wins (u* > 1).
 */
export function breakEvenUtilization(x: RentVsBuy): number | null {
  const margin = x.rentUsdPerGpuHour - x.energyUsdPerGpuHour;
  if (!(margin > 0)) return null;
  const u = (x.capexUsdPerGpu * x.depreciatedShare) / (x.horizonHours * margin);
  return u <= 1 ? u : null;
}
