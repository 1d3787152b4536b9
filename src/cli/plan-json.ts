/**
 * A deployment plan as `serve --json` and `compare-api --json` give it: its figures at capacity, at the
 * planned traffic (traffic-point.ts), their P10–P90 from the serving band, and its layout.
 */
import type { ServingScale } from '../catalog/bands.js';
import { planBand } from '../catalog/serving-band.js';
import { perTokenRange, throughputRange } from '../core/inference/bands.js';
import type { DeploymentPlan } from '../core/inference/deployment.js';
import { eagerDecode } from '../core/inference/eager-decode.js';
import { replicaGpus } from '../core/inference/serving-step.js';
import { trafficPoint } from '../core/inference/traffic-point.js';
import type { ServingSetup } from './serving-flags.js';

export function planJson(
  p: DeploymentPlan,
  basis: string,
  setup: Pick<ServingSetup, 'spec' | 'workload'>,
  scale?: ServingScale,
) {
  const r = p.candidate.replica;
  const pr = p.candidate.prefillReplica ?? r;
  const band = planBand(p, scale);
  const at = trafficPoint(setup.spec, p, setup.workload);
  return {
    outputTokensPerSecondPerGpu: p.outputTokensPerSecondPerGpu,
    inputTokensPerSecondPerGpu: p.inputTokensPerSecondPerGpu,
    ttftSeconds: p.point.ttftSeconds,
    tpotSeconds: p.point.tpotSeconds,
    concurrencyPerReplica: p.point.concurrency,
    /** Clients beyond the sequences a replica holds (a pinned --concurrency above it), waiting for a slot. */
    queuedClientsPerReplica: p.point.queuedClients ?? 0,
    gpusNeeded: p.gpus,
    /** Why more replicas than the capacity point needs at the stated traffic: 'slo' (one fewer misses it), 'backlog' (falls behind); null if none. */
    latencyBound: p.latencyBound,
    /** The replicas the capacity point alone needs for the traffic. */
    capacityReplicas: p.capacityReplicas,
    /** GPUs of a fixed --gpus fleet no whole replica takes (paid for, idle), in gpusNeeded. */
    idleGpus: p.idleGpus,
    requestsPerSecond: p.requestsPerSecond,
    capacityRequestsPerSecond: p.capacityRequestsPerSecond,
    utilization: p.utilization,
    costPerMillionInputTokensUsd: p.costPerMillionInputTokensUsd,
    costPerMillionOutputTokensUsd: p.costPerMillionOutputTokensUsd,
    costPerMillionBlendedTokensUsd: p.costPerMillionBlendedTokensUsd,
    usdPerDay: p.usdPerDay,
    usdPerGpuHour: p.candidate.usdPerGpuHour,
    priceBasis: basis,
    energyKWhPerDay: p.energyKWhPerDay,
    co2KgPerDay: p.co2KgPerDay,
    energyNote: p.energyNote,
    memoryPerGpuBytes: p.point.memoryPerGpuBytes,
    eagerDecode: eagerDecode(r.profile, r, p.point.concurrency),
    /**
     * The latencies at the planned traffic (fewer sequences running than at capacity, Little's law;
     * traffic-point.ts), with their P10–P90; null when planned for full use. The fields above are at capacity.
     */
    atTraffic: at && {
      ...at,
      range: {
        ttftSeconds: perTokenRange(at.ttftSeconds, band),
        tpotSeconds: perTokenRange(at.tpotSeconds, band),
      },
    },
    /** P10–P90 from the calibration's leave-one-out and held-out residuals; the basis says which fit, and when it is borrowed. */
    range: {
      basis: band.basis,
      outputTokensPerSecondPerGpu: throughputRange(p.outputTokensPerSecondPerGpu, band),
      ttftSeconds: perTokenRange(p.point.ttftSeconds, band),
      tpotSeconds: perTokenRange(p.point.tpotSeconds, band),
      costPerMillionInputTokensUsd: perTokenRange(p.costPerMillionInputTokensUsd, band),
      costPerMillionOutputTokensUsd: perTokenRange(p.costPerMillionOutputTokensUsd, band),
      costPerMillionBlendedTokensUsd: perTokenRange(p.costPerMillionBlendedTokensUsd, band),
    },
    layout: {
      gpu: p.candidate.gpuId,
      tensorParallel: r.tensorParallel,
      expertParallel: r.expertParallel,
      epInTp: r.epInTp === true,
      pipelineParallel: r.pipelineParallel ?? 1,
      gpusPerReplica: replicaGpus(r),
      replicas: p.replicas,
      weights: r.weightFormat,
      /** The attention projections' own format where the release keeps them otherwise (gpt-oss: bf16); null: `weights`. */
      attentionWeights: r.attentionWeightFormat ?? null,
      kv: r.kvFormat,
      prefill:
        p.prefillGpus > 0
          ? {
              gpus: p.prefillGpus,
              /** The prefill GPUs whose capacity alone carries the traffic (fewer where the traffic takes more). */
              capacityGpus: p.prefillCapacityGpus,
              /** Why more than capacityGpus at the stated traffic: 'slo' (the prompts' wait would pass the TTFT SLO), 'backlog' (it would never end); null if neither or a fixed fleet. */
              bound: p.prefillBound,
              /** At a stated traffic: a prompt's mean wait for a free prefill replica, in atTraffic.ttftSeconds (0 at full use). */
              queueSeconds: p.prefillQueueSeconds,
              tensorParallel: pr.tensorParallel,
              expertParallel: pr.expertParallel,
            }
          : null,
    },
  };
}
