/**
 * Batched generation time on one model replica (TP ranks): prefill is compute-bound, each decode
 * step is the larger of its FLOPs at the GEMM efficiency and the bytes it must read (the weights it
 * touches plus every sequence's KV cache) at the memory efficiency, plus two TP all-reduces per
 * layer (Megatron TP, Shoeybi et al. 2019). MoE decode reads only the experts its batch reaches:
 * E·(1 − (1 − k/E)^B) per layer under uniform routing.
 */
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import { collectiveSeconds, placement } from '../hardware/collectives.js';
import { curveEfficiency, gemmCurve } from '../hardware/efficiency.js';
import type { Datatype } from '../hardware/hardware-spec.js';
import { memorySeconds } from '../hardware/roofline.js';
import { inferenceMemory } from '../memory/inference-memory.js';
import { forwardFlopsPerToken, layerMatmulWeights } from '../model/flops.js';
import { kvCacheBytes } from '../model/kv-cache.js';
import { paramCount } from '../model/param-count.js';
import type { ModelSpec } from '../model/spec.js';
import { bytesPerElement, type KvFormat, type WeightFormat } from '../precision.js';

export interface ReplicaOptions {
  readonly tensorParallel: number;
  readonly weightFormat: WeightFormat;
  readonly kvFormat: KvFormat;
}

const computeType = (format: WeightFormat): Datatype => (format === 'fp8' ? 'fp8' : 'bf16');

/** Expected distinct experts reached by `tokens` tokens routed top-k of E (uniform routing). */
export function expectedExpertsTouched(numExperts: number, topK: number, tokens: number): number {
  return numExperts * (1 - (1 - topK / numExperts) ** tokens);
}

/** Seconds for one decode step of `batch` sequences at `context` tokens each. */
export function decodeStepSeconds(
  spec: ModelSpec,
  cluster: ClusterSpec,
  o: ReplicaOptions & { batch: number; context: number },
): number {
  const hw = cluster.gpu;
  const t = o.tensorParallel;
  const p = paramCount(spec);
  const b = p.breakdown;
  const wBytes = bytesPerElement(o.weightFormat);
  // Weights read once per step: everything but the unreached experts, on this TP shard.
  let routed = 0;
  if (spec.moe) {
    const perExpert = layerMatmulWeights(spec, 'moe').routedExperts / spec.moe.topK;
    const moeLayers = spec.layers.filter((l) => l.mlp === 'moe').length;
    routed = moeLayers * perExpert * expectedExpertsTouched(spec.moe.numExperts, spec.moe.topK, o.batch);
  }
  const dense = p.totalParams - b.routedExperts - b.embedding - b.positionEmbedding;
  const weightBytes = ((dense + routed) * wBytes) / t;
  const kv = kvCacheBytes(spec, o.context, o.kvFormat).bytesPerSequence;
  const kvShare =
    spec.attention.kind === 'mla'
      ? 1
      : Math.max(1, spec.attention.numKvHeads / t) / spec.attention.numKvHeads;
  const bytes = weightBytes + o.batch * kv * kvShare;
  const flops =
    (o.batch *
      forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: o.context }).flopsPerToken) /
    t;
  const peak = hw.peakFlopsPerSecond[computeType(o.weightFormat)] ?? hw.peakFlopsPerSecond.bf16!;
  const perLayerGemm = flops / spec.numLayers / 4;
  const compute =
    flops /
    (peak *
      curveEfficiency(gemmCurve(hw.efficiency, computeType(o.weightFormat)), perLayerGemm) *
      hw.efficiency.sustainedComputeFraction);
  const comm =
    t > 1
      ? 2 *
        spec.numLayers *
        collectiveSeconds(
          'all-reduce',
          o.batch * spec.hiddenSize * 2,
          placement(t, 1, cluster.gpusPerNode),
          cluster.scaleUp,
          cluster.scaleOut,
        )
      : 0;
  return Math.max(compute, memorySeconds(hw, bytes)) + comm;
}

/** Seconds to prefill `tokens` prompt tokens (sequences of `promptTokens`) on one replica. */
export function prefillSeconds(
  spec: ModelSpec,
  cluster: ClusterSpec,
  o: ReplicaOptions & { tokens: number; promptTokens: number },
): number {
  const hw = cluster.gpu;
  const flops =
    (o.tokens *
      forwardFlopsPerToken(spec, { attentionMode: 'causal', contextTokens: o.promptTokens }).flopsPerToken) /
    o.tensorParallel;
  const peak = hw.peakFlopsPerSecond[computeType(o.weightFormat)] ?? hw.peakFlopsPerSecond.bf16!;
  const perGemm = flops / spec.numLayers / 4;
  return (
    flops /
    (peak *
      curveEfficiency(gemmCurve(hw.efficiency, computeType(o.weightFormat)), perGemm) *
      hw.efficiency.sustainedComputeFraction)
  );
}

/** Sequences of `contextTokens` that fit beside the weights on each GPU of a replica. */
export function maxConcurrency(
  spec: ModelSpec,
  cluster: ClusterSpec,
  o: ReplicaOptions & { contextTokens: number },
): number {
  const one = inferenceMemory(spec, { ...o, batchSize: 1 });
  const perSequence = inferenceMemory(spec, { ...o, batchSize: 2 }).totalBytes - one.totalBytes;
  const free = cluster.gpu.memoryBytes - one.totalBytes;
  return free < 0 ? 0 : 1 + Math.floor(free / perSequence);
}

export interface GenerationTime {
  readonly seconds: number;
  readonly prefillSeconds: number;
  readonly decodeSeconds: number;
  readonly tensorParallel: number;
  readonly replicas: number;
  readonly batchPerReplica: number;
  readonly waves: number;
}

/**
 * Generating `sequences` responses of `outputTokens` after `promptTokens` on `gpus` GPUs: replicas
 * of the smallest TP that leaves room for a batch, each decoding up to its memory-bound batch.
 */
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
  const context = o.promptTokens + o.outputTokens;
  for (let tp = 1; tp <= Math.min(o.gpus, cluster.gpusPerNode); tp *= 2) {
    if (o.gpus % tp !== 0) continue;
    const a = spec.attention;
    if (a.numHeads % tp !== 0) continue;
    const replica = { tensorParallel: tp, weightFormat: o.weightFormat, kvFormat: o.kvFormat };
    const concurrency = maxConcurrency(spec, cluster, { ...replica, contextTokens: context });
    if (concurrency < 1) continue;
    const replicas = o.gpus / tp;
    const batch = Math.max(1, Math.min(concurrency, Math.ceil(o.sequences / replicas)));
    const waves = Math.ceil(o.sequences / (replicas * batch));
    const prefill = prefillSeconds(spec, cluster, {
      ...replica,
      tokens: batch * o.promptTokens,
      promptTokens: o.promptTokens,
    });
    // Mean context over the response: the KV grows from the prompt to prompt + output.
    const decode =
      o.outputTokens *
      decodeStepSeconds(spec, cluster, { ...replica, batch, context: o.promptTokens + o.outputTokens / 2 });
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
