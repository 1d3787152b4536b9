/**
 * A P10–P90 range of a figure from a ratio band: if the truth over the prediction of a quantity lies
 * in [low, high], the quantity x lies in [low·x, high·x], and its inverse (a time for a rate, a cost
 * per token for a throughput) in [x / high, x / low]. Training and serving bands both use it.
 */

import { median, predictionQuantile90, Z90 } from '../statistics.js';
import type { Distribution } from './distributions.js';

export interface Range {
  readonly p10: number;
  readonly p90: number;
}

/** The range of a figure that scales with the calibrated ratio. */
export const scaledRange = (value: number, low: number, high: number): Range => ({
  p10: value * low,
  p90: value * high,
});

/** A range plus an amount known exactly (a cost outside the band, e.g. a teacher's per-token price). */
export const shiftedRange = (range: Range, amount: number): Range => ({
  p10: range.p10 + amount,
  p90: range.p90 + amount,
});

/** The range of a figure inverse to the calibrated ratio. */
export const inverseRange = (value: number, low: number, high: number): Range => ({
  p10: value / high,
  p90: value / low,
});

/**
 * Centre and spread of the residuals: the median, and σ the larger of 1.4826 × the median absolute
 * deviation and 1.2533 × the mean absolute deviation about the median (each equal to the standard
 * deviation for a normal). The MAD alone ignores up to half the residuals, so where misses are
 * heavy-tailed (a few runs 50–80% off) or the cases are few (three, two of which agree) it would
 * claim a band the residuals do not support; the mean deviation counts every miss without squaring it.
 */
function centreSpread(values: readonly number[]): { mean: number; sd: number } {
  const centre = median(values);
  const deviations = values.map((v) => Math.abs(v - centre));
  const meanDeviation = deviations.reduce((a, b) => a + b, 0) / Math.max(1, deviations.length);
  return { mean: centre, sd: Math.max(1.4826 * median(deviations), 1.2533 * meanDeviation) };
}

/**
 * P10 and P90 multipliers from n log residuals ln(measured / predicted), taken as normal around their
 * median: a prediction interval for the next case, exp(m ± q σ) with q = t₀.₉(n − 1)·√(1 + 1/n)
 * (statistics.ts predictionQuantile90: 1.68 z₀.₉-equivalents at n = 5, 1.07 at 18, z₀.₉ = 1.2816 as
 * n grows), the spread floored at 0.03 (two cases that agree do not make a 0% band) and widened by
 * `widen`. Step-time bands (training/error-band.ts) and memory bands (memory/memory-band.ts) both use it.
 */
export function residualBand(
  residuals: readonly number[],
  widen = 1,
): { readonly low: number; readonly high: number } {
  const { mean, sd } = centreSpread(residuals);
  const spread = predictionQuantile90(residuals.length) * Math.max(sd, 0.03) * widen;
  return { low: Math.exp(mean - spread), high: Math.exp(mean + spread) };
}

/** A P10–P90 band widened `factor`× in log-width about its centre (the geometric mean of its ends). */
export function widenBand(
  low: number,
  high: number,
  factor: number,
): { readonly low: number; readonly high: number } {
  const centre = Math.sqrt(low * high);
  const half = Math.sqrt(high / low);
  return { low: centre / half ** factor, high: centre * half ** factor };
}

/**
 * The band of a figure as a lognormal multiplier, the form the scenario Monte Carlo draws from: P10
 * and P90 multipliers `low`, `high` are exp(μ ∓ z₀.₉ σ), so μ = ln √(low·high) and σ = ln(high/low) / (2 z₀.₉).
 */
export function logBand(low: number, high: number): { readonly mu: number; readonly sigma: number } {
  return { mu: Math.log(low * high) / 2, sigma: Math.log(high / low) / (2 * Z90) };
}

/**
 * The standard residual draw a band's multiplier is built from: e^z with z standard normal (a
 * lognormal of median 1). Estimates on one calibration share one draw.
 */
export const unitResidual = (): Distribution => ({ dist: 'lognormal', median: 1, p90: Math.exp(Z90) });

/**
 * A band's multiplier for a residual draw e^z: exp(μ + σ z), the lognormal fitted to the band's P10
 * and P90 (`low` at z = −z₀.₉, `high` at z = +z₀.₉).
 */
export function bandMultiplier(low: number, high: number, draw: number): number {
  const { mu, sigma } = logBand(low, high);
  return Math.exp(mu + sigma * Math.log(draw));
}

/** The residual draws at which a band's multiplier is its P10 and its P90. */
export const P10_DRAW = Math.exp(-Z90);
export const P90_DRAW = Math.exp(Z90);

/**
 * The P10–P90 range of a ratio a / b of two estimates, each with its band (multipliers on a
 * time-like figure). Estimates on the same calibration (`sameDraw`: one GPU family × stack, or one
 * engine × family) take the same residual draw, so the ratio carries no calibration spread and its
 * range is the ratio itself; estimates on different calibrations draw independently (lognormal:
 * ln(a/b) has μa − μb and σ = √(σa² + σb²)).
 */
export function ratioRange(
  a: { readonly value: number; readonly low: number; readonly high: number },
  b: { readonly value: number; readonly low: number; readonly high: number },
  sameDraw: boolean,
): Range {
  const ratio = a.value / b.value;
  if (sameDraw) return { p10: ratio, p90: ratio };
  const la = logBand(a.low, a.high);
  const lb = logBand(b.low, b.high);
  const mu = la.mu - lb.mu;
  const sigma = Math.hypot(la.sigma, lb.sigma);
  return { p10: ratio * Math.exp(mu - Z90 * sigma), p90: ratio * Math.exp(mu + Z90 * sigma) };
}
