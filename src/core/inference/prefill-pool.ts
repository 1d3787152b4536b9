/**
 * Disaggregated serving's prefill pool (DistServe, Zhong et al. 2024, Sec. 3; Splitwise, Patel et al.
 * 2024): whole prefill replicas beside the decode replicas, each prefilling batches of prompts. Its size
 * for a traffic and the wait a prompt has for it there: prompts arrive at random, so a pool that only
 * just carries its traffic keeps them queueing, and the time to first token is the prefill plus that wait.
 */

import type { ClusterSpec } from '../hardware/cluster-spec.js';
import { objectMemo } from '../memo.js';
import { kvCacheBytes } from '../model/kv-cache.js';
import type { ModelSpec } from '../model/spec.js';
import { fewestMeeting } from '../search.js';
import type { DeploymentCandidate } from './deployment.js';
import { poolWaitSeconds } from './queueing.js';
import { maxConcurrency, type ServingReplica, type ServingWorkload } from './serving.js';
import { replicaGpus } from './serving-step.js';
import { prefillTokensPerSecondPerGpu } from './static-batch.js';

/** Prompt tokens batched per GPU in one step of a dedicated prefill replica (disaggregated serving). */
const PREFILL_BATCH_TOKENS_PER_GPU = 16_384;

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
  return capacities(
    spec,
    c.cluster,
    pr,
    JSON.stringify([w.inputTokens, w.cacheHitRate ?? 0, w.speculative ?? null]),
    () => {
      const pn = replicaGpus(pr);
      const perGpu = prefillTokensPerSecondPerGpu(spec, c.cluster, pr, w, PREFILL_BATCH_TOKENS_PER_GPU * pn);
      return { gpus: pn, requestsPerSecond: (perGpu * pn) / w.inputTokens };
    },
  );
}
const capacities = objectMemo<
  ModelSpec,
  ClusterSpec,
  ServingReplica,
  { gpus: number; requestsPerSecond: number }
>();

/**
 * Seconds to move a prompt's KV cache from the prefill replica that computed it to a decode replica, after
 * its prefill (vLLM's NixlConnector and SGLang's disaggregation pull it once the prompt is done): each GPU
 * sends, or receives, its share — a tensor-parallel rank's heads (kv-cache.ts), a pipeline stage's layers
 * — over NVLink where the whole fleet (`fleetGpus`: prefill pool and decode replicas) fits in one scale-up
 * domain (an HGX node's 8 GPUs, an NVL72 rack's 72; NIXL takes NVLink within it), else over the scale-out
 * network, as before a fleet is sized (DistServe, Zhong et al. 2024, Sec. 4.2: the KV cache moves over a
 * node's NVLink only where the instances share the node). The slower side sets it.
 */
export function kvTransferSeconds(
  spec: ModelSpec,
  c: DeploymentCandidate,
  w: ServingWorkload,
  fleetGpus?: number,
): number {
  const prefill = c.prefillReplica ?? c.replica;
  const share = (r: ServingReplica) =>
    kvCacheBytes(spec, w.inputTokens, r.kvFormat, r.tensorParallel).bytesPerSequence /
    (r.pipelineParallel ?? 1);
  const bytes = Math.max(share(prefill), share(c.replica));
  const oneDomain = fleetGpus !== undefined && fleetGpus <= c.cluster.gpusPerNode;
  const link = oneDomain ? c.cluster.scaleUp : c.cluster.scaleOut;
  return link.latencySeconds + bytes / (link.bytesPerSecond * link.efficiency);
}

/**
 * A fixed disaggregated fleet of `fleetGpus` at full use: the most requests per second a split of it into
 * decode replicas (each carrying `replicaRequests`) and whole prefill replicas carries, the lesser of the two
 * pools' capacities (`speed`: a band's, as planAtPoint scales the prefill pool), just under it so that the
 * pools sized for it fit the fleet; 0 where no split holds a replica of each.
 */
export function fullUseRequestsPerSecond(
  spec: ModelSpec,
  c: DeploymentCandidate,
  w: ServingWorkload,
  fleetGpus: number,
  replicaRequests: number,
  speed: number,
): number {
  const n = replicaGpus(c.replica);
  const prefill = prefillReplicaCapacity(spec, c, w);
  let best = 0;
  for (let k = 1; k * n + prefill.gpus <= fleetGpus; k++) {
    const prefillReplicas = Math.floor((fleetGpus - k * n) / prefill.gpus);
    best = Math.max(best, Math.min(k * replicaRequests, prefillReplicas * prefill.requestsPerSecond * speed));
  }
  return best * (1 - 1e-9);
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
 * `prefillSeconds`, plus the wait) within `ttftLimitSeconds` where one is set; `bound` says which raised
 * it past that count. The wait falls as replicas are added (search.ts fewestMeeting: a few over the
 * capacity's count suffice but at a limit near the prefill alone). Null when none up to
 * MAX_PREFILL_REPLICA_FACTOR times that count does.
 */
export function prefillPoolFor(
  spec: ModelSpec,
  c: DeploymentCandidate,
  w: ServingWorkload,
  requestsPerSecond: number,
  prefillSeconds: number,
  ttftLimitSeconds?: number,
): { readonly gpus: number; readonly bound: 'slo' | 'backlog' | null } | null {
  const pn = replicaGpus(c.prefillReplica ?? c.replica);
  const wait = (replicas: number) => prefillPoolWaitSeconds(spec, c, w, replicas * pn, requestsPerSecond);
  const meets = (replicas: number) => {
    const t = wait(replicas);
    return Number.isFinite(t) && prefillSeconds + t <= (ttftLimitSeconds ?? Number.POSITIVE_INFINITY);
  };
  const least = prefillGpusFor(spec, c, w, requestsPerSecond) / pn;
  const replicas = fewestMeeting(least, least * MAX_PREFILL_REPLICA_FACTOR, meets);
  if (replicas === null) return null;
  if (replicas === least) return { gpus: least * pn, bound: null };
  return {
    gpus: replicas * pn,
    bound: replicas === least + 1 && !Number.isFinite(wait(least)) ? 'backlog' : 'slo',
  };
}
