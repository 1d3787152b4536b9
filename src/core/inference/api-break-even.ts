/**
 * Self-hosting vs an API across daily volumes: the API's bill for a workload, the cheapest
 * self-hosted plan at each volume (deployment.ts), and the break-even volume.
 */

import { inputError } from '../errors.js';
import type { ModelSpec } from '../model/spec.js';
import { requestsPerSecondFor, SECONDS_PER_DAY } from '../units.js';
import {
  candidatePoint,
  cheaper,
  type DeploymentCandidate,
  type DeploymentPlan,
  planAtPoint,
} from './deployment.js';
import { type ServingWorkload, type Slo, scaledSlo } from './serving.js';

export interface ApiPrice {
  readonly inputUsdPerMillion: number;
  readonly cachedInputUsdPerMillion?: number;
  readonly outputUsdPerMillion: number;
}

/** $ per day for an API at `requestsPerSecond` (cache hits billed at the cached-input price). */
export function apiUsdPerDay(price: ApiPrice, w: ServingWorkload, requestsPerSecond: number): number {
  const hit = w.cacheHitRate ?? 0;
  const perRequest =
    (w.inputTokens * (1 - hit) * price.inputUsdPerMillion +
      w.inputTokens * hit * (price.cachedInputUsdPerMillion ?? price.inputUsdPerMillion) +
      w.outputTokens * price.outputUsdPerMillion) /
    1e6;
  return perRequest * requestsPerSecond * SECONDS_PER_DAY;
}

export interface BreakEvenPoint {
  readonly tokensPerDay: number;
  /** Null where no candidate meets the SLO. */
  readonly selfHostUsdPerDay: number | null;
  readonly apiUsdPerDay: number;
}

export interface BreakEven {
  readonly series: readonly BreakEvenPoint[];
  /** Smallest volume (tokens/day, input + output) at which self-hosting costs no more; null if never in range. */
  readonly breakEvenTokensPerDay: number | null;
}

/**
 * Self-host (cheapest plan per volume) vs API over a grid of daily volumes, and the smallest volume
 * at which self-hosting costs no more, refined by bisection (on a log scale) inside the grid cell
 * where the cheaper side first changes. `speedRatio` scales each candidate's throughput (default 1),
 * so the same search at a band's P10 and P90 ratios gives the break-even's range.
 */
export function selfHostVsApi(
  spec: ModelSpec,
  candidates: readonly DeploymentCandidate[],
  w: ServingWorkload,
  price: ApiPrice,
  slo: Slo,
  volumes: readonly number[],
  speedRatio: (c: DeploymentCandidate) => number = () => 1,
): BreakEven {
  const perRequest = w.inputTokens + w.outputTokens;
  // Each candidate's operating point is the same at every volume: found once, not once per volume.
  // `speedRatio` scales its throughput (a P10 or P90 of published / predicted, bands.ts) for a band.
  const points = candidates.map((c) => {
    const r = speedRatio(c);
    // At a band's end the replica runs r times the model's speed: its point meets the SLO the model's
    // times meet at r times the limits.
    const point = candidatePoint(spec, c, w, scaledSlo(slo, r));
    return {
      c,
      r,
      point: point && {
        ...point,
        outputTokensPerSecondPerGpu: point.outputTokensPerSecondPerGpu * r,
        inputTokensPerSecondPerGpu: point.inputTokensPerSecondPerGpu * r,
      },
    };
  });
  const at = (tokensPerDay: number): BreakEvenPoint => {
    const rps = requestsPerSecondFor(tokensPerDay, perRequest);
    if (!(rps > 0))
      inputError(
        'invalid_value',
        ['--tokens-per-day'],
        `traffic must be greater than 0, got ${tokensPerDay}`,
      );
    const best = points
      .map(({ c, r, point }) => point && planAtPoint(spec, c, w, rps, point, slo, r))
      .filter((p): p is DeploymentPlan => p !== null)
      .sort(cheaper(spec, w, rps))[0];
    return {
      tokensPerDay,
      selfHostUsdPerDay: best ? best.usdPerDay : null,
      apiUsdPerDay: apiUsdPerDay(price, w, rps),
    };
  };
  const selfHostWins = (p: BreakEvenPoint) =>
    p.selfHostUsdPerDay !== null && p.selfHostUsdPerDay <= p.apiUsdPerDay;
  const series = volumes.map(at);
  const i = series.findIndex(selfHostWins);
  if (i < 0) return { series, breakEvenTokensPerDay: null };
  if (i === 0) return { series, breakEvenTokensPerDay: series[0]!.tokensPerDay };
  let lo = series[i - 1]!.tokensPerDay;
  let hi = series[i]!.tokensPerDay;
  for (let k = 0; k < 30 && hi / lo > 1.001; k += 1) {
    const mid = Math.sqrt(lo * hi);
    if (selfHostWins(at(mid))) hi = mid;
    else lo = mid;
  }
  return { series, breakEvenTokensPerDay: hi };
}

/** `perDecade` points per factor of ten from `from` to `to` tokens/day (a chart's x axis). */
export function volumeGrid(from: number, to: number, perDecade = 4): number[] {
  const out: number[] = [];
  const steps = Math.round(Math.log10(to / from) * perDecade);
  for (let k = 0; k <= steps; k += 1) out.push(from * 10 ** (k / perDecade));
  return out;
}
