/** Order statistics shared by the calibrations, the bands and the validation reports. */

/** z-score of the 90th percentile of a standard normal. */
export const Z90 = 1.2815515655446004;

/** The median of `values` (the mean of the two middle values for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * The p-quantile of sorted values, interpolating between neighbours (Hyndman & Fan 1996, type 7, the
 * spreadsheet default); NaN when empty.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * The 0.9 quantile of Student's t with `dof` degrees of freedom: exact for 1 (tan(0.4π)) and 2
 * ((2p − 1)/√(2p(1 − p))), else the Cornish–Fisher expansion in 1/ν around z₀.₉ = 1.2816 (Abramowitz
 * & Stegun 26.7.5; within 0.1% of the tables for ν ≥ 3); z₀.₉ for ν = ∞.
 */
export function studentT90(dof: number): number {
  const z = Z90;
  if (!(dof >= 1)) throw new RangeError(`degrees of freedom must be at least 1, got ${dof}`);
  if (dof === 1) return Math.tan(0.4 * Math.PI);
  if (dof === 2) return 0.8 / Math.sqrt(2 * 0.9 * 0.1);
  if (!Number.isFinite(dof)) return z;
  const [z3, z5, z7] = [z ** 3, z ** 5, z ** 7];
  return (
    z +
    (z3 + z) / (4 * dof) +
    (5 * z5 + 16 * z3 + 3 * z) / (96 * dof ** 2) +
    (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * dof ** 3)
  );
}

/**
 * The multiplier on σ that makes a two-sided P10–P90 prediction interval for one new value from n
 * residuals: t₀.₉ with n − 1 degrees of freedom times √(1 + 1/n) (the centre is estimated too), in
 * place of z₀.₉ (a normal prediction interval, e.g. Hahn & Meeker, Statistical Intervals, Sec. 4.7).
 */
export function predictionQuantile90(n: number): number {
  return studentT90(Math.max(1, n - 1)) * Math.sqrt(1 + 1 / Math.max(1, n));
}
