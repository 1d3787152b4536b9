/**
 * A P10–P90 range of a figure from a ratio band: if the truth over the prediction of a quantity lies
 * in [low, high], the quantity x lies in [low·x, high·x], and its inverse (a time for a rate, a cost
 * per token for a throughput) in [x / high, x / low]. Training and serving bands both use it.
 */
export interface Range {
  readonly p10: number;
  readonly p90: number;
}

/** The range of a figure that scales with the calibrated ratio. */
export const scaledRange = (value: number, low: number, high: number): Range => ({
  p10: value * low,
  p90: value * high,
});

/** The range of a figure inverse to the calibrated ratio. */
export const inverseRange = (value: number, low: number, high: number): Range => ({
  p10: value / high,
  p90: value / low,
});

const Z90 = 1.2816;

const median = (values: readonly number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Centre and spread of the residuals, robust to the odd case the engine misses badly: the median
 * and σ = 1.4826 × the median absolute deviation (equal to the standard deviation for a normal).
 */
function centreSpread(values: readonly number[]): { mean: number; sd: number } {
  const centre = median(values);
  return { mean: centre, sd: 1.4826 * median(values.map((v) => Math.abs(v - centre))) };
}

/**
 * P10 and P90 multipliers from log residuals ln(measured / predicted), taken as normal around their
 * median: exp(m ± z₀.₉ σ), z₀.₉ = 1.2816, the spread floored at 0.03 (two cases that agree do not
 * make a 0% band) and widened by `widen`. Step-time bands (training/error-band.ts) and memory bands
 * (memory/memory-band.ts) both use it.
 */
export function residualBand(
  residuals: readonly number[],
  widen = 1,
): { readonly low: number; readonly high: number } {
  const { mean, sd } = centreSpread(residuals);
  const spread = Z90 * Math.max(sd, 0.03) * widen;
  return { low: Math.exp(mean - spread), high: Math.exp(mean + spread) };
}
