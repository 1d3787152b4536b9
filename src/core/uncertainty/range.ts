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
