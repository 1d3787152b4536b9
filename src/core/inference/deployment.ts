/**
 * Capacity planning: for a traffic profile, how many replicas of which configuration meet the SLO
 * at the lowest cost, and what each million input and output tokens costs (self-hosting vs an API
 * across volumes is in api-break-even.ts).
 */

import { type EnergyAssumptions, energyKWh, energyNote, operationalCo2Kg } from '../energy/energy.js';
import { inputError } from '../errors.js';
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import type { ModelSpec } from '../model/spec.js';
import { fewestMeeting } from '../search.js';
import { tokensPerDayAt } from '../units.js';
import { fastestFleetSplit } from './fleet-split.js';
import {
  fullUseRequestsPerSecond,
  kvTransferSeconds,
  prefillGpusFor,
  prefillPoolFor,
  prefillPoolWaitSeconds,
  prefillReplicaCapacity,
  prefillReplicaFits,
} from './prefill-pool.js';
import { requestSeconds, saturatedPoint } from './queueing.js';
import {
  bestServingPoint,
  meetsSlo,
  runnableConcurrency,
  type ServingPoint,
  type ServingReplica,
  type ServingWorkload,
  type Slo,
  scaledSlo,
  servingPoint,
} from './serving.js';
import { replicaGpus } from './serving-step.js';
import { replicaAtRate, trafficPoint } from './traffic-point.js';

/** The most replicas a traffic may take, as a multiple of the capacity point's count. */
const MAX_LATENCY_REPLICA_FACTOR = 64;

export interface DeploymentCandidate {
  readonly gpuId: string;
  readonly cluster: ClusterSpec;
  readonly usdPerGpuHour: number;
  readonly replica: ServingReplica;
  readonly energy: EnergyAssumptions;
  /** Disaggregated serving: the prefill replicas' layout (default: the decode replica's). */
  readonly prefillReplica?: ServingReplica;
  /** A fixed fleet: every GPU is paid for, whether or not the traffic needs it. */
  readonly fixedGpus?: number;
}

export interface DeploymentPlan {
  readonly candidate: DeploymentCandidate;
  readonly point: ServingPoint;
  /** Decode (or combined) replicas. */
  readonly replicas: number;
  /** Planned for a stated traffic (not for full use): its point at that traffic is traffic-point.ts's. */
  readonly forTraffic: boolean;
  /**
   * Why more replicas than the capacity point needs (`capacityReplicas`): at the stated traffic, with
   * requests arriving at random, one fewer would miss the SLO (`slo`) or fall behind (`backlog`)
   * (traffic-point.ts); null when the capacity point's count carries it.
   */
  readonly latencyBound: 'slo' | 'backlog' | null;
  /** The replicas the capacity point alone needs for the traffic. */
  readonly capacityReplicas: number;
  /** Prefill on its own pool of GPUs (disaggregated serving) rather than chunked into decode steps. */
  readonly disaggregated: boolean;
  /** Dedicated prefill GPUs (disaggregated serving), included in `gpus`. */
  readonly prefillGpus: number;
  /** The prefill GPUs whose capacity alone carries the traffic; fewer than `prefillGpus` where the traffic takes more. */
  readonly prefillCapacityGpus: number;
  /**
   * Why the prefill pool has more GPUs than its capacity needs at the stated traffic (prefill-pool.ts): the
   * prompts' wait for a free replica would pass the TTFT SLO (`slo`) or never end (`backlog`: a traffic of
   * exactly whole replicas); null when it does not, or the fleet is fixed.
   */
  readonly prefillBound: 'slo' | 'backlog' | null;
  /** Disaggregated at a stated traffic: a prompt's mean wait for a free prefill replica (prefill-pool.ts), in its TTFT there; else 0. */
  readonly prefillQueueSeconds: number;
  /** GPUs of a fixed fleet no whole replica takes: paid for, idle; included in `gpus`. */
  readonly idleGpus: number;
  /** GPUs the traffic needs (or the fixed fleet, if larger). */
  readonly gpus: number;
  /** Requests per second the deployment sustains at this operating point. */
  readonly capacityRequestsPerSecond: number;
  /** The traffic planned for (the capacity when planned for full use). */
  readonly requestsPerSecond: number;
  /** Demand over capacity of the replicas. */
  readonly utilization: number;
  /**
   * Output and input tokens a second per GPU of the whole deployment at its capacity: a prefill pool and
   * GPUs a fixed fleet leaves idle count (the point's figures are one decode replica's own).
   */
  readonly outputTokensPerSecondPerGpu: number;
  readonly inputTokensPerSecondPerGpu: number;
  readonly usdPerDay: number;
  readonly costPerMillionInputTokensUsd: number;
  readonly costPerMillionOutputTokensUsd: number;
  /** All GPU cost over all tokens (input + output) at the workload's input:output ratio. */
  readonly costPerMillionBlendedTokensUsd: number;
  /** null when the GPU's power is unknown (see `energyNote`). */
  readonly energyKWhPerDay: number | null;
  readonly co2KgPerDay: number | null;
  readonly energyNote: string | null;
}

/**
 * Plans one candidate. `requestsPerSecond` null means "as much traffic as the deployment carries"
 * (one replica, or the fixed fleet, fully used). `concurrency` pins the running sequences per replica
 * instead of choosing the highest-throughput one within the SLO. Null when it cannot meet the SLO.
 */
export function planCandidate(
  spec: ModelSpec,
  c: DeploymentCandidate,
  w: ServingWorkload,
  requestsPerSecond: number | null,
  slo: Slo,
  concurrency?: number,
): DeploymentPlan | null {
  if (requestsPerSecond !== null && !(requestsPerSecond > 0))
    inputError(
      'invalid_value',
      ['--requests-per-second'],
      `traffic must be greater than 0, got ${requestsPerSecond}`,
    );
  const point = candidatePoint(spec, c, w, slo, concurrency);
  return point && planAtPoint(spec, c, w, requestsPerSecond, point, slo);
}

/**
 * A candidate's operating point within the SLO (the best, or at a pinned `concurrency`); disaggregated, the
 * TTFT is a prompt's prefill alone on a prefill replica (its own layout, or the decode replica's) and its KV
 * cache's move to the decode replica, whatever the decode replica runs (DistServe, Zhong et al. 2024,
 * Sec. 3): the TTFT SLO bounds the prefill pool, not the decode batch. Null: no fit.
 */
export function candidatePoint(
  spec: ModelSpec,
  c: DeploymentCandidate,
  w: ServingWorkload,
  slo: Slo,
  concurrency?: number,
): ServingPoint | null {
  const pr = w.disaggregated ? (c.prefillReplica ?? c.replica) : undefined;
  const fits = pr !== undefined && prefillReplicaFits(spec, c, w);
  const ttft =
    pr === undefined
      ? undefined
      : fits
        ? servingPoint(spec, c.cluster, pr, { ...w, outputTokens: 1 }, 1).ttftSeconds +
          kvTransferSeconds(spec, c, w)
        : null;
  if (ttft === null || (ttft !== undefined && slo.ttftSeconds !== undefined && ttft > slo.ttftSeconds))
    return null;
  const decodeSlo =
    ttft === undefined ? slo : { ...(slo.tpotSeconds !== undefined && { tpotSeconds: slo.tpotSeconds }) };
  const point =
    concurrency === undefined
      ? bestServingPoint(spec, c.cluster, c.replica, w, decodeSlo)
      : pinnedPoint(spec, c, w, decodeSlo, concurrency);
  if (!point || ttft === undefined) return point;
  // Clients beyond the replica's slots wait for one, as aggregated (queueing.ts): the wait on top of the prefill.
  const { queuedClients, ...prefilled } = { ...point, ttftSeconds: ttft };
  if (!queuedClients) return prefilled;
  const waited = saturatedPoint(prefilled, w, point.concurrency + queuedClients);
  // The wait counts against the TTFT SLO, as a pinned aggregated point's does (pinnedPoint).
  return slo.ttftSeconds !== undefined && waited.ttftSeconds > slo.ttftSeconds ? null : waited;
}

/** Requests a second one replica carries at its operating point: its output rate over a request's output. */
export const replicaRequestsPerSecond = (
  r: ServingReplica,
  point: Pick<ServingPoint, 'outputTokensPerSecondPerGpu'>,
  w: Pick<ServingWorkload, 'outputTokens'>,
): number => (point.outputTokensPerSecondPerGpu * replicaGpus(r)) / w.outputTokens;

/**
 * A candidate planned at its operating point (which does not depend on the traffic): replicas, GPUs, cost;
 * for a stated traffic, the replicas that carry it within the SLO as requests arrive at random. Null when
 * it cannot: a fixed fleet too small, or more than MAX_LATENCY_REPLICA_FACTOR × the capacity point's
 * replicas. `point` holds the model's times; `speed` scales its throughputs where a band has (the point's
 * throughput figures already multiplied by it, api-break-even.ts), and the traffic check alike.
 */
export function planAtPoint(
  spec: ModelSpec,
  c: DeploymentCandidate,
  w: ServingWorkload,
  requestsPerSecond: number | null,
  point: ServingPoint,
  slo: Slo = {},
  /** Every time over this (a band's published / predicted speed, bands.ts): the traffic check scaled alike. */
  speed = 1,
): DeploymentPlan | null {
  const n = replicaGpus(c.replica);
  const replicaRequests = replicaRequestsPerSecond(c.replica, point, w);
  const fleetGpus = c.fixedGpus ?? n;
  // The prefill pool's figures in the model's time: a band `speed` times faster prefills λ as this one λ / speed.
  // Full use: the replicas that fit the fleet (or one; disaggregated, with prefill sized to its output); a
  // fixed disaggregated fleet, the split of its GPUs between the pools that carries the most.
  const rps =
    requestsPerSecond ??
    (w.disaggregated && c.fixedGpus !== undefined
      ? fullUseRequestsPerSecond(spec, c, w, c.fixedGpus, replicaRequests, speed)
      : replicaRequests * Math.max(1, Math.floor(fleetGpus / n)));
  if (!(rps > 0)) return null;
  let replicas = Math.max(1, Math.ceil(rps / replicaRequests));
  // A replica `speed` times faster carries λ as this one carries λ / speed, every time divided by it.
  const scaled = scaledSlo(slo, speed);
  // Disaggregated, prefill replicas that carry the traffic; at a stated one, enough that the prompts'
  // wait for a free one (they arrive at random) keeps the TTFT there within the SLO (prefill-pool.ts).
  const forTraffic = requestsPerSecond !== null;
  const prefillCapacityGpus = w.disaggregated ? prefillGpusFor(spec, c, w, rps / speed) : 0;
  let prefillGpus = prefillCapacityGpus;
  let prefillBound: DeploymentPlan['prefillBound'] = null;
  if (w.disaggregated && forTraffic) {
    const pool = prefillPoolFor(spec, c, w, rps / speed, point.ttftSeconds, scaled.ttftSeconds);
    if (pool === null) return null;
    prefillGpus = pool.gpus;
    if (c.fixedGpus === undefined) prefillBound = pool.bound;
  }
  let prefillShare = point.prefillShare;
  let idleGpus = 0;
  if (c.fixedGpus !== undefined) {
    const decodeGpus = c.fixedGpus - prefillGpus;
    if (decodeGpus < n) return null;
    replicas = Math.floor(decodeGpus / n);
    // The GPUs the decode replicas leave: whole prefill replicas where disaggregated; the rest idle, paid for.
    const pn = replicaGpus(c.prefillReplica ?? c.replica);
    // At a stated traffic the spare GPUs go where they shorten a request most (fleet-split.ts).
    const split =
      w.disaggregated && forTraffic
        ? fastestFleetSplit(spec, c, w, c.fixedGpus, rps, {
            replicaRequests,
            prefillGpus,
            prefillSeconds: point.ttftSeconds,
            slo: scaled,
            speed,
          })
        : null;
    if (split !== null) replicas = split;
    const left = c.fixedGpus - replicas * n;
    prefillGpus = w.disaggregated ? Math.floor(left / pn) * pn : 0;
    idleGpus = left - prefillGpus;
    if (w.disaggregated) prefillShare = prefillGpus / (c.fixedGpus - idleGpus);
  }
  const prefillQueueSeconds =
    w.disaggregated && forTraffic ? prefillPoolWaitSeconds(spec, c, w, prefillGpus, rps / speed) : 0;
  const prefillTtftSeconds = point.ttftSeconds + prefillQueueSeconds;
  // At a stated traffic each replica must carry its share within the SLO as requests arrive at random
  // (traffic-point.ts: each prompt's prefill lands whole): more replicas where the capacity point's count
  // does not; a fixed fleet that cannot is no plan.
  const capacityReplicas = replicas;
  let latencyBound: DeploymentPlan['latencyBound'] = null;
  if (forTraffic) {
    const at = (k: number) =>
      replicaAtRate(spec, c.cluster, c.replica, w, rps / k / speed, {
        ...(w.disaggregated && { prefillTtftSeconds }),
      });
    const carries = (k: number) => {
      const t = at(k);
      return t !== null && meetsSlo(t, scaled);
    };
    const needed = fewestMeeting(
      replicas,
      c.fixedGpus === undefined ? replicas * MAX_LATENCY_REPLICA_FACTOR : replicas,
      carries,
    );
    if (needed === null) return null;
    if (needed > replicas) {
      latencyBound = at(needed - 1) === null ? 'backlog' : 'slo';
      replicas = needed;
    }
  }
  // Disaggregated, cost splits by the prefill pool's share of the GPUs (a fixed fleet's, above).
  if (w.disaggregated && c.fixedGpus === undefined) prefillShare = prefillGpus / (prefillGpus + replicas * n);
  const gpus = replicas * n + prefillGpus + idleGpus;
  // Disaggregated, the prefill pool (sized to the traffic, or what a fixed fleet leaves) bounds it too.
  const prefill = w.disaggregated ? prefillReplicaCapacity(spec, c, w) : null;
  const capacityRequestsPerSecond = Math.min(
    replicas * replicaRequests,
    prefill ? (prefillGpus / prefill.gpus) * prefill.requestsPerSecond * speed : Number.POSITIVE_INFINITY,
  );
  if (rps > capacityRequestsPerSecond * (1 + 1e-9)) return null;
  const usdPerDay = gpus * 24 * c.usdPerGpuHour;
  // A disaggregated fleet in one scale-up domain moves each prompt's KV cache over NVLink; its point (and
  // the SLO checks above) priced the move over the network, as for a fleet that spans nodes.
  const nvlinkKv =
    w.disaggregated && gpus <= c.cluster.gpusPerNode
      ? kvTransferSeconds(spec, c, w) - kvTransferSeconds(spec, c, w, gpus)
      : 0;
  const outputPerDay = tokensPerDayAt(rps, w.outputTokens);
  const inputPerDay = tokensPerDayAt(rps, w.inputTokens);
  const e = c.energy;
  const energyKWhPerDay = energyKWh(gpus * 24, e);
  return {
    candidate: c,
    point: nvlinkKv > 0 ? { ...point, ttftSeconds: point.ttftSeconds - nvlinkKv } : point,
    disaggregated: w.disaggregated === true,
    replicas,
    forTraffic,
    latencyBound,
    capacityReplicas,
    prefillGpus,
    prefillCapacityGpus,
    prefillBound,
    prefillQueueSeconds,
    idleGpus,
    gpus,
    capacityRequestsPerSecond,
    requestsPerSecond: rps,
    utilization: rps / capacityRequestsPerSecond,
    outputTokensPerSecondPerGpu: (capacityRequestsPerSecond * w.outputTokens) / gpus,
    inputTokensPerSecondPerGpu: (capacityRequestsPerSecond * w.inputTokens) / gpus,
    usdPerDay,
    // GPU time splits into prefill (input) and decode (output) by the prefill share of GPU time.
    costPerMillionInputTokensUsd: (usdPerDay * prefillShare * 1e6) / inputPerDay,
    costPerMillionOutputTokensUsd: (usdPerDay * (1 - prefillShare) * 1e6) / outputPerDay,
    costPerMillionBlendedTokensUsd: (usdPerDay * 1e6) / (inputPerDay + outputPerDay),
    energyKWhPerDay,
    co2KgPerDay: operationalCo2Kg(energyKWhPerDay, e),
    energyNote: energyNote(e),
  };
}

/**
 * The steady state of a closed loop of `clients` on a replica: every client runs up to the sequences
 * the replica runs (memory and its engine's step budget); beyond them it runs full and the rest wait for
 * a slot (an engine queues them, it does not refuse them; queueing.ts). Null when the weights and one
 * sequence do not fit.
 */
export function clientsPoint(
  spec: ModelSpec,
  cluster: ClusterSpec,
  r: ServingReplica,
  w: ServingWorkload,
  clients: number,
): ServingPoint | null {
  const most = runnableConcurrency(spec, cluster, r, w);
  if (most < 1) return null;
  return saturatedPoint(servingPoint(spec, cluster, r, w, Math.min(clients, most)), w, clients);
}

function pinnedPoint(
  spec: ModelSpec,
  c: DeploymentCandidate,
  w: ServingWorkload,
  slo: Slo,
  concurrency: number,
): ServingPoint | null {
  const p = clientsPoint(spec, c.cluster, c.replica, w, concurrency);
  return p && meetsSlo(p, slo) ? p : null;
}

/**
 * "h100-sxm TP1·ADP4·EP4 fp4/bf16": a candidate in one line. With EP > 1 attention runs
 * data-parallel over the EP group (ADP, each rank its own sequences and KV cache; TensorRT-LLM calls
 * TP1 with it "DEP4"), experts spread over all TP × EP GPUs; "TP8·EP8" is expert parallelism inside the
 * TP group (attention tensor-parallel, whole experts over the 8 GPUs); a bare "TP8" slices every expert.
 */
export function candidateLabel(c: Pick<DeploymentCandidate, 'gpuId' | 'replica'>): string {
  const r = c.replica;
  const ep = r.expertParallel;
  const copies = r.redundantExperts ? `+${r.redundantExperts} redundant` : '';
  const pp = (r.pipelineParallel ?? 1) > 1 ? `·PP${r.pipelineParallel}` : '';
  const experts =
    ep > 1
      ? `·ADP${ep}·EP${ep * r.tensorParallel}${copies}`
      : r.epInTp
        ? `·EP${r.tensorParallel}${copies}`
        : '';
  return `${c.gpuId} TP${r.tensorParallel}${pp}${experts} ${r.weightFormat}/${r.kvFormat}`;
}

/** What a plan costs as plans are compared: per day for a given traffic; per request when planned for full use. */
export const planCost = (p: DeploymentPlan, requestsPerSecond: number | null): number =>
  requestsPerSecond === null ? p.usdPerDay / p.requestsPerSecond : p.usdPerDay;

/**
 * Cheapest first (a cost that is not a finite number last). Plans that cost exactly the same (the same
 * GPUs for a given traffic, e.g. aggregated and disaggregated pools at equal counts) go fastest first:
 * the lower end-to-end seconds of a request (`requestSeconds`) at the planned traffic (traffic-point.ts;
 * at capacity when planned for full use), in the model's time: a band's speed (api-break-even.ts) only
 * orders plans of equal cost.
 */
export const cheaper = (spec: ModelSpec, w: ServingWorkload, requestsPerSecond: number | null) => {
  const seconds = new Map<DeploymentPlan, number>();
  const latency = (p: DeploymentPlan) => {
    let s = seconds.get(p);
    if (s === undefined) {
      s = requestSeconds(trafficPoint(spec, p, w) ?? p.point, w.outputTokens);
      seconds.set(p, s);
    }
    return s;
  };
  return (a: DeploymentPlan, b: DeploymentPlan): number => {
    const [ca, cb] = [planCost(a, requestsPerSecond), planCost(b, requestsPerSecond)];
    if (Number.isFinite(ca) !== Number.isFinite(cb)) return Number.isFinite(ca) ? -1 : 1;
    if (ca !== cb && Number.isFinite(ca)) return ca - cb;
    return latency(a) - latency(b);
  };
};

/** Every candidate planned, cheapest first. */
export function planDeployments(
  spec: ModelSpec,
  candidates: readonly DeploymentCandidate[],
  w: ServingWorkload,
  requestsPerSecond: number | null,
  slo: Slo,
  concurrency?: number,
): DeploymentPlan[] {
  return candidates
    .map((c) => planCandidate(spec, c, w, requestsPerSecond, slo, concurrency))
    .filter((p): p is DeploymentPlan => p !== null)
    .sort(cheaper(spec, w, requestsPerSecond));
}
