/**
 * Batched generation on a set of GPUs (the rollout phase of RL post-training): replicas of the
 * smallest TP that leaves room for a batch, each running static batches of prompts through the
 * serving model (serving-step.ts) — prefill, then one decode step per output token.
 */
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import { tensorParallelSplits } from '../model/kv-cache.js';
import type { ModelSpec } from '../model/spec.js';
import type { KvFormat, WeightFormat } from '../precision.js';
import { maxConcurrency } from './serving.js';
import { staticBatchSeconds } from './static-batch.js';

export interface GenerationTime {
  readonly seconds: number;
  readonly prefillSeconds: number;
  readonly decodeSeconds: number;
  readonly tensorParallel: number;
  readonly replicas: number;
  readonly batchPerReplica: number;
  readonly waves: number;
}

/** Generating `sequences` responses of `outputTokens` after `promptTokens` on `gpus` GPUs; null if it cannot fit. */
export function generationTime(
  spec: ModelSpec,
  cluster: ClusterSpec,
  o: {
    gpus: number;
    sequences: number;
    promptTokens: number;
    outputTokens: number;
    weightFormat: WeightFormat;
    kvFormat: KvFormat;
  },
): GenerationTime | null {
  const workload = { inputTokens: o.promptTokens, outputTokens: o.outputTokens };
  for (let tp = 1; tp <= Math.min(o.gpus, cluster.gpusPerNode); tp *= 2) {
    if (o.gpus % tp !== 0 || !tensorParallelSplits(spec, tp)) continue;
    const replica = {
      tensorParallel: tp,
      expertParallel: 1,
      weightFormat: o.weightFormat,
      kvFormat: o.kvFormat,
    };
    // A static batch: every sequence grows together to its final length.
    const concurrency = maxConcurrency(spec, cluster, replica, workload, 'reserved');
    if (concurrency < 1) continue;
    const replicas = o.gpus / tp;
    const batch = Math.max(1, Math.min(concurrency, Math.ceil(o.sequences / replicas)));
    const waves = Math.ceil(o.sequences / (replicas * batch));
    const { prefillSeconds: prefill, decodeStepSeconds: step } = staticBatchSeconds(
      spec,
      cluster,
      replica,
      o.promptTokens,
      o.outputTokens,
      batch,
    );
    const decode = o.outputTokens * step;
    return {
      seconds: waves * (prefill + decode),
      prefillSeconds: waves * prefill,
      decodeSeconds: waves * decode,
      tensorParallel: tp,
      replicas,
      batchPerReplica: batch,
      waves,
    };
  }
  return null;
}
