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
    if (flo === 0) return lo;
    if (fhi === 0) return hi;
    if (Math.sign(flo) === Math.sign(fhi)) continue;
    for (let k = 0; k < 200 && hi - lo > 1e-12; k += 1) {
      const mid = (lo + hi) / 2;
      const fm = f(mid);
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
