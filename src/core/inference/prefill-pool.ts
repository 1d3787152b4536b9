/**
 * Disaggregated serving's prefill pool (DistServe, Zhong et al. 2024, Sec. 3; Splitwise, Patel et al.
 * 2024): whole prefill replicas beside the decode replicas, each prefilling batches of prompts. Its size
 * for a traffic and the wait a prompt has for it there: prompts arrive at random, so a pool that only
 * just carries its traffic keeps them queueing, and the time to first token is the prefill plus that wait.
 */

import type { ModelSpec } from '../model/spec.js';
import type { DeploymentCandidate } from './deployment.js';
import { poolWaitSeconds } from './queueing.js';
import { maxConcurrency, type ServingWorkload } from './serving.js';
import { replicaGpus } from './serving-step.js';
import { prefillTokensPerSecondPerGpu } from './static-batch.js';

/** Prompt tokens batched per GPU in one step of a dedicated prefill replica (disaggregated serving). */
export const PREFILL_BATCH_TOKENS_PER_GPU = 16_384;

/** The most prefill replicas a TTFT limit may take, as a multiple of the count that carries the traffic. */
const MAX_PREFILL_REPLICA_FACTOR = 64;

/** Whether a candidate's own prefill replica (`--prefill-tp`, `--prefill-ep`) holds the weights and one prompt. */
export const prefillReplicaFits = (spec: ModelSpec, c: DeploymentCandidate, w: ServingWorkload): boolean =>
  c.prefillReplica === undefined ||
  maxConcurrency(spec, c.cluster, c.prefillReplica, { ...w, outputTokens: 1 }) >= 1;

/** One dedicated prefill replica (disaggregated serving): its GPUs and the prompts per second it prefills. */
export function prefillReplicaCapacity(
  spec: ModelSpec,
  c: DeploymentCandidate,
  w: ServingWorkload,
): { readonly gpus: number; readonly requestsPerSecond: number } {
  const pr = c.prefillReplica ?? c.replica;
  const pn = replicaGpus(pr);
  const perGpu = prefillTokensPerSecondPerGpu(spec, c.cluster, pr, w, PREFILL_BATCH_TOKENS_PER_GPU * pn);
  return { gpus: pn, requestsPerSecond: (perGpu * pn) / w.inputTokens };
}

/** Prefill GPUs per decode replica carrying `replicaRequests`, fractional (to split a fixed fleet between the roles). */
export function prefillGpusPerReplica(
  spec: ModelSpec,
  c: DeploymentCandidate,
  w: ServingWorkload,
  replicaRequests: number,
): number {
  const p = prefillReplicaCapacity(spec, c, w);
  return (replicaRequests / p.requestsPerSecond) * p.gpus;
}

/** Dedicated prefill GPUs whose capacity carries `requestsPerSecond` prompts (whole prefill replicas). */
export function prefillGpusFor(
  spec: ModelSpec,
  c: DeploymentCandidate,
  w: ServingWorkload,
  requestsPerSecond: number,
): number {
  const p = prefillReplicaCapacity(spec, c, w);
  return p.gpus * Math.max(1, Math.ceil(requestsPerSecond / p.requestsPerSecond));
}

/**
 * A prompt's mean wait for a pool of `gpus` prefill GPUs at `requestsPerSecond`: each whole replica a
 * server prefilling a prompt every 1/μ seconds at its batched rate μ (`prefillReplicaCapacity`), the
 * prompts arriving at random and going to whichever replica is free (M/D/c, queueing.ts poolWaitSeconds).
 * Infinity when the pool does not carry the traffic.
 */
export function prefillPoolWaitSeconds(
  spec: ModelSpec,
  c: DeploymentCandidate,
  w: ServingWorkload,
  gpus: number,
  requestsPerSecond: number,
): number {
  const p = prefillReplicaCapacity(spec, c, w);
  return poolWaitSeconds(Math.floor(gpus / p.gpus), requestsPerSecond, 1 / p.requestsPerSecond);
}

/**
 * The prefill pool for a stated traffic: the fewest whole replicas, from those whose capacity carries it
 * (`prefillGpusFor`), on which the prompts' wait stays finite and the TTFT (a prompt's prefill alone,
 * `prefillSeconds`, plus the wait) within `ttftLimitSeconds` where one is set; a pool `speed` times
 * faster waits as this one at the traffic over `speed`. Null when no pool up to
 * MAX_PREFILL_REPLICA_FACTOR times that count meets it.
 */
export function prefillPoolFor(
  spec: ModelSpec,
  c: DeploymentCandidate,
  w: ServingWorkload,
  requestsPerSecond: number,
  prefillSeconds: number,
  ttftLimitSeconds?: number,
  speed = 1,
): { readonly gpus: number } | null {
  const pn = replicaGpus(c.prefillReplica ?? c.replica);
  const meets = (replicas: number) => {
    const t = prefillPoolWaitSeconds(spec, c, w, replicas * pn, requestsPerSecond / speed);
    return Number.isFinite(t) && prefillSeconds + t <= (ttftLimitSeconds ?? Number.POSITIVE_INFINITY);
  };
  // The wait falls as replicas are added: bisection between the capacity's count and the most allowed.
  let lo = prefillGpusFor(spec, c, w, requestsPerSecond) / pn;
  if (meets(lo)) return { gpus: lo * pn };
  let hi = lo * MAX_PREFILL_REPLICA_FACTOR;
  if (!meets(hi)) return null;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (meets(mid)) hi = mid;
    else lo = mid;
  }
  return { gpus: hi * pn };
}
