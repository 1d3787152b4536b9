/**
 * The throughput–interactivity frontier (as NVIDIA's AIConfigurator and SemiAnalysis InferenceX plot
 * it): every candidate layout, aggregated or with disaggregated prefill, at every concurrency within
 * memory and the SLO, reduced to the points no other beats on both output tokens/s per GPU and
 * tokens/s per user (1 / TPOT; 1 / TTFT for one-token answers); each point priced at full use.
 */
import type { ModelSpec } from '../model/spec.js';
import {
  candidateLabel,
  type DeploymentCandidate,
  type DeploymentPlan,
  planCandidate,
} from './deployment.js';
import { runnableConcurrency, type ServingWorkload, type Slo, tokensPerSecondPerUser } from './serving.js';

export interface FrontierPoint {
  readonly label: string;
  readonly disaggregated: boolean;
  readonly concurrency: number;
  readonly tokensPerSecondPerUser: number;
  /** Output tokens/s over every GPU the deployment pays for (prefill GPUs included). */
  readonly outputTokensPerSecondPerGpu: number;
  readonly ttftSeconds: number;
  readonly tpotSeconds: number;
  readonly costPerMillionOutputTokensUsd: number;
  readonly costPerMillionBlendedTokensUsd: number;
  readonly plan: DeploymentPlan;
}

/** Concurrencies 1, 2, 3, 4, 6, 8, … (≈ ×1.4) up to the most the replica holds. */
function concurrencyGrid(max: number): number[] {
  const out = new Set<number>([max]);
  for (let c = 1; c < max; c = Math.max(c + 1, Math.round(c * 1.4))) out.add(c);
  return [...out].sort((a, b) => a - b);
}

export function servingFrontier(
  spec: ModelSpec,
  candidates: readonly DeploymentCandidate[],
  w: ServingWorkload,
  slo: Slo,
  modes: readonly boolean[] = [false, true],
  /** Called before each candidate of each mode and once at the end, with the count done (for a progress bar). */
  onProgress?: (done: number, total: number) => void,
): FrontierPoint[] {
  const points: FrontierPoint[] = [];
  let done = 0;
  for (const disaggregated of modes) {
    const work = { ...w, disaggregated };
    for (const c of candidates) {
      onProgress?.(done, modes.length * candidates.length);
      done += 1;
      if (disaggregated && c.replica.profile && !c.replica.profile.features.disaggregatedPrefill) continue;
      const plain = { ...c, fixedGpus: undefined };
      const most = runnableConcurrency(spec, c.cluster, c.replica, work);
      for (const concurrency of concurrencyGrid(most)) {
        const plan = planCandidate(spec, plain, work, null, slo, concurrency);
        if (!plan) continue;
        const perGpu = plan.outputTokensPerSecondPerGpu;
        points.push({
          label: candidateLabel(c),
          disaggregated,
          concurrency,
          tokensPerSecondPerUser: tokensPerSecondPerUser(plan.point),
          outputTokensPerSecondPerGpu: perGpu,
          ttftSeconds: plan.point.ttftSeconds,
          tpotSeconds: plan.point.tpotSeconds,
          costPerMillionOutputTokensUsd: (c.usdPerGpuHour / 3600 / perGpu) * 1e6,
          costPerMillionBlendedTokensUsd: plan.costPerMillionBlendedTokensUsd,
          plan,
        });
      }
    }
  }
  onProgress?.(done, done);
  // Fastest per user first; keep a point only if it beats every faster point on throughput per GPU.
  points.sort(
    (a, b) =>
      b.tokensPerSecondPerUser - a.tokensPerSecondPerUser ||
      b.outputTokensPerSecondPerGpu - a.outputTokensPerSecondPerGpu,
  );
  const frontier: FrontierPoint[] = [];
  let bestThroughput = 0;
  for (const p of points) {
    if (p.outputTokensPerSecondPerGpu > bestThroughput * (1 + 1e-9)) {
      frontier.push(p);
      bestThroughput = p.outputTokensPerSecondPerGpu;
    }
  }
  return frontier;
}
