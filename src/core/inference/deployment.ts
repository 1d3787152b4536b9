/**
 * Capacity planning: for a traffic profile, how many replicas of which configuration meet the SLO
 * at the lowest cost, and what each million input and output tokens costs. Then self-hosting vs an
 * API across volumes, with the break-even volume.
 */
import { inputError } from '../errors.js';
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import type { ModelSpec } from '../model/spec.js';
import type { EnergyAssumptions } from '../training/run-cost.js';
import { bestServingPoint, type ServingPoint, type ServingWorkload, type Slo } from './serving.js';
import { type Replica, replicaGpus } from './serving-step.js';

export interface DeploymentCandidate {
  readonly gpuId: string;
  readonly cluster: ClusterSpec;
  readonly usdPerGpuHour: number;
  readonly replica: Replica;
  readonly energy: EnergyAssumptions;
}

export interface DeploymentPlan {
  readonly candidate: DeploymentCandidate;
  readonly point: ServingPoint;
  readonly replicas: number;
  readonly gpus: number;
  /** Demand over capacity of the replicas. */
  readonly utilization: number;
  readonly usdPerDay: number;
  readonly costPerMillionInputTokensUsd: number;
  readonly costPerMillionOutputTokensUsd: number;
  readonly energyKWhPerDay: number;
  readonly co2KgPerDay: number;
}

/** Plans one candidate for `requestsPerSecond`; null when it cannot meet the SLO at any batch. */
export function planCandidate(
  spec: ModelSpec,
  c: DeploymentCandidate,
  w: ServingWorkload,
  requestsPerSecond: number,
  slo: Slo,
): DeploymentPlan | null {
  if (!(requestsPerSecond > 0))
    inputError(
      'invalid_value',
      ['--requests-per-second'],
      `traffic must be greater than 0, got ${requestsPerSecond}`,
    );
  const point = bestServingPoint(spec, c.cluster, c.replica, w, slo);
  if (!point) return null;
  const n = replicaGpus(c.replica);
  const replicaOutput = point.outputTokensPerSecondPerGpu * n;
  const demandOutput = requestsPerSecond * w.outputTokens;
  const replicas = Math.max(1, Math.ceil(demandOutput / replicaOutput));
  const gpus = replicas * n;
  const usdPerDay = gpus * 24 * c.usdPerGpuHour;
  const outputPerDay = demandOutput * 86400;
  const inputPerDay = requestsPerSecond * w.inputTokens * 86400;
  const e = c.energy;
  const energyKWhPerDay = (gpus * 24 * e.nodeWattsPerGpu * e.powerFraction * e.pue) / 1000;
  return {
    candidate: c,
    point,
    replicas,
    gpus,
    utilization: demandOutput / (replicas * replicaOutput),
    usdPerDay,
    // GPU time splits into prefill (input) and decode (output) by the step's prefill share.
    costPerMillionInputTokensUsd: (usdPerDay * point.prefillShare * 1e6) / inputPerDay,
    costPerMillionOutputTokensUsd: (usdPerDay * (1 - point.prefillShare) * 1e6) / outputPerDay,
    energyKWhPerDay,
    co2KgPerDay: energyKWhPerDay * e.kgCo2PerKWh,
  };
}

/** Every candidate planned, cheapest first. */
export function planDeployments(
  spec: ModelSpec,
  candidates: readonly DeploymentCandidate[],
  w: ServingWorkload,
  requestsPerSecond: number,
  slo: Slo,
): DeploymentPlan[] {
  return candidates
    .map((c) => planCandidate(spec, c, w, requestsPerSecond, slo))
    .filter((p): p is DeploymentPlan => p !== null)
    .sort((a, b) => a.usdPerDay - b.usdPerDay);
}

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
  return perRequest * requestsPerSecond * 86400;
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

/** Self-host (cheapest plan per volume) vs API over a log grid of daily volumes. */
export function selfHostVsApi(
  spec: ModelSpec,
  candidates: readonly DeploymentCandidate[],
  w: ServingWorkload,
  price: ApiPrice,
  slo: Slo,
  volumes: readonly number[],
): BreakEven {
  const perRequest = w.inputTokens + w.outputTokens;
  const series = volumes.map((tokensPerDay) => {
    const rps = tokensPerDay / perRequest / 86400;
    const best = planDeployments(spec, candidates, w, rps, slo)[0];
    return {
      tokensPerDay,
      selfHostUsdPerDay: best ? best.usdPerDay : Number.POSITIVE_INFINITY,
      apiUsdPerDay: apiUsdPerDay(price, w, rps),
    };
  });
  const first = series.find((p) => p.selfHostUsdPerDay <= p.apiUsdPerDay);
  return {
    series: series.map((p) => ({
      ...p,
      selfHostUsdPerDay: Number.isFinite(p.selfHostUsdPerDay) ? p.selfHostUsdPerDay : -1,
    })),
    breakEvenTokensPerDay: first ? first.tokensPerDay : null,
  };
}
