/** Latency percentiles for the serving simulator (linear interpolation between order statistics). */
import { percentile } from '../../statistics.js';

export interface LatencyStats {
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

const EMPTY: LatencyStats = { mean: 0, p50: 0, p90: 0, p99: 0 };

export function latencyStats(values: readonly number[]): LatencyStats {
  if (values.length === 0) return EMPTY;
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of values) sum += v;
  return {
    mean: sum / values.length,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
  };
}

/** Percentiles of values each counted `weight` times (the smallest value whose cumulative share reaches q). */
export function weightedLatencyStats(values: readonly number[], weights: readonly number[]): LatencyStats {
  let total = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i += 1) {
    total += weights[i]!;
    sum += values[i]! * weights[i]!;
  }
  if (total === 0) return EMPTY;
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const at = (q: number) => {
    let cumulative = 0;
    for (const i of order) {
      cumulative += weights[i]!;
      if (cumulative >= q * total) return values[i]!;
    }
    return values[order[order.length - 1]!]!;
  };
  return { mean: sum / total, p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}
