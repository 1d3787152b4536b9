/**
 * One serving step on one replica, per operation: every weight matrix a GEMM with its real shape
 * (roofline: FLOPs at the GEMM efficiency vs bytes at the memory efficiency for that size), the KV
 * cache read per layer, element-wise work, TP all-reduces, and for MoE the experts the batch reaches
 * and the EP all-to-all (DeepSeek-style: attention data-parallel over the EP group, experts spread
 * over every GPU of the replica; DeepSeek-V3 Sec. 3.4).
 */
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import { collectiveSeconds, placement } from '../hardware/collectives.js';
import type { Datatype } from '../hardware/hardware-spec.js';
import { attentionSeconds, gemmSeconds, memorySeconds } from '../hardware/roofline.js';
import { kvElementsPerTokenPerLayer } from '../model/kv-cache.js';
import { attentionHeadDims, type ModelSpec } from '../model/spec.js';
import { bytesPerElement, type KvFormat, type WeightFormat, type WeightSparsity } from '../precision.js';

/** Expected distinct experts reached by `tokens` tokens routed top-k of E (uniform routing). */
export function expectedExpertsTouched(numExperts: number, topK: number, tokens: number): number {
  return numExperts * (1 - (1 - topK / numExperts) ** tokens);
}

export interface Replica {
  readonly tensorParallel: number;
  /** Expert parallelism: the replica spans tp × ep GPUs; attention runs data-parallel over ep. */
  readonly expertParallel: number;
  readonly weightFormat: WeightFormat;
  /** Sparsity of the decoder's weight matrices (default none); 2:4 needs sparse tensor cores. */
  readonly weightSparsity?: WeightSparsity;
  readonly kvFormat: KvFormat;
  /** Traits of the serving engine; absent: a current engine (see {@link EngineTraits}). */
  readonly engine?: EngineTraits;
}

/**
 * What an inference engine adds to the hardware model. The defaults describe current engines
 * (vLLM, SGLang, TensorRT-LLM ≥ 0.8): GQA-aware decode kernels and CUDA-graph decode steps.
 */
export interface EngineTraits {
  /**
   * Decode attention loads each KV head once per query head rather than once per group
   * (TensorRT-LLM's masked MHA before the XQA kernel of v0.8, whose blog reports 2.4× Llama-70B
   * throughput from it). Default false.
   */
  readonly kvReadPerQueryHead?: boolean;
  /** Fixed host/launch time per transformer layer per step (kernels launched one by one). Default 0. */
  readonly layerOverheadSeconds?: number;
}

export const replicaGpus = (r: Replica): number => r.tensorParallel * r.expertParallel;

export const computeType = (format: WeightFormat): Datatype =>
  format === 'fp8' || format === 'fp4' ? 'fp8' : 'bf16';

export interface StepWork {
  /** Sequences decoding this step, each adding `tokensPerSequence` tokens (1, or 1 + drafts to verify). */
  readonly decodeSequences: number;
  readonly tokensPerSequence: number;
  /** Mean context of the decoding sequences. */
  readonly context: number;
  /** Prompt tokens prefilled in this step (chunked prefill) and their mean context. */
  readonly prefillTokens: number;
  readonly prefillContext: number;
}

/** Seconds for one step of a replica. */
export function servingStepSeconds(spec: ModelSpec, cluster: ClusterSpec, r: Replica, w: StepWork): number {
  const hw = cluster.gpu;
  const t = r.tensorParallel;
  const ep = r.expertParallel;
  const h = spec.hiddenSize;
  const wBytes = bytesPerElement(r.weightFormat);
  const dtype = computeType(r.weightFormat);
  // Tokens through the dense parts on one GPU: its share of the batch (attention is DP over ep).
  const decodeTokens = (w.decodeSequences * w.tokensPerSequence) / ep;
  const prefillTokens = w.prefillTokens / ep;
  const tokens = decodeTokens + prefillTokens;
  if (tokens <= 0) return 0;
  // 2:4 sparse weights on sparse tensor cores: half the multiply-adds and half the values plus
  // their 2-bit indices read (SparseGPT, Frantar & Alistarh 2023, Sec. 5: 1.54-1.79x per layer on A100).
  const sparse = r.weightSparsity === '2:4' && (hw.structuredSparsitySpeedup ?? 1) > 1;
  const denseGemm = (m: number, n: number, k: number, count = 1) =>
    gemmSeconds(hw, dtype, m, n, k, wBytes, count);
  const gemm = sparse
    ? (m: number, n: number, k: number, count = 1) =>
        gemmSeconds(hw, dtype, m, n / (hw.structuredSparsitySpeedup ?? 1), k, wBytes + 2 / 8, count)
    : denseGemm;

  const a = spec.attention;
  let projections: number;
  if (a.kind === 'mla') {
    const qHead = a.qkNopeHeadDim + a.qkRopeHeadDim;
    projections =
      (a.qLoraRank === null
        ? gemm(tokens, (a.numHeads * qHead) / t, h)
        : gemm(tokens, a.qLoraRank, h) + gemm(tokens, (a.numHeads * qHead) / t, a.qLoraRank)) +
      gemm(tokens, a.kvLoraRank + a.qkRopeHeadDim, h) +
      gemm(tokens, (a.numHeads * (a.qkNopeHeadDim + a.vHeadDim)) / t, a.kvLoraRank) +
      gemm(tokens, h, (a.numHeads * a.vHeadDim) / t);
  } else {
    const q = a.numHeads * a.headDim;
    const kv = a.numKvHeads * a.headDim;
    projections = gemm(tokens, (q + 2 * kv) / t, h) + gemm(tokens, h, q / t);
  }
  // Attention core: decode reads every cached token's K/V once per sequence (memory-bound);
  // prefill is FLOP-bound (FlashAttention).
  const { qkHeadDim, vHeadDim } = attentionHeadDims(a);
  const kvShare = a.kind === 'mla' ? 1 : Math.max(1, a.numKvHeads / t) / a.numKvHeads;
  const groupReads = r.engine?.kvReadPerQueryHead && a.kind !== 'mla' ? a.numHeads / a.numKvHeads : 1;
  const kvBytesPerToken =
    kvElementsPerTokenPerLayer(spec) * bytesPerElement(r.kvFormat) * kvShare * groupReads;
  const perKey = (2 * a.numHeads * (qkHeadDim + vHeadDim)) / t;
  const attention = (sliding: boolean) => {
    const cap = (c: number) => (sliding && spec.slidingWindow !== null ? Math.min(c, spec.slidingWindow) : c);
    const read = memorySeconds(hw, (w.decodeSequences / ep) * cap(w.context) * kvBytesPerToken);
    const decode = attentionSeconds(hw, perKey * cap(w.context) * decodeTokens, 'forward');
    return (
      Math.max(read, decode) + attentionSeconds(hw, perKey * cap(w.prefillContext) * prefillTokens, 'forward')
    );
  };

  const moe = spec.moe;
  let denseMlp = 0;
  if (spec.layers.some((l) => l.mlp === 'dense')) {
    const I = spec.mlp.intermediateSize;
    denseMlp = gemm(tokens, ((spec.mlp.gated ? 2 : 1) * I) / t, h) + gemm(tokens, h, I / t);
  }
  let moeMlp = 0;
  if (moe) {
    const n = t * ep;
    const allTokens = tokens * ep;
    const touched = Math.min(moe.numExperts, expectedExpertsTouched(moe.numExperts, moe.topK, allTokens)) / n;
    const perExpert = (allTokens * moe.topK) / moe.numExperts;
    const matrices = moe.gated ? 2 : 1;
    const Ie = moe.expertIntermediateSize;
    moeMlp =
      gemm(perExpert, matrices * Ie, h, touched) +
      gemm(perExpert, h, Ie, touched) +
      gemmSeconds(hw, 'bf16', tokens, moe.numExperts, h, 2);
    if (moe.numSharedExperts > 0) {
      const Is = moe.numSharedExperts * moe.sharedIntermediateSize;
      moeMlp += gemm(tokens, (matrices * Is) / t, h) + gemm(tokens, h, Is / t);
    }
    if (n > 1) {
      const group = placement(n, 1, cluster.gpusPerNode);
      const bytes = tokens * moe.topK * h;
      moeMlp +=
        collectiveSeconds(
          'all-to-all',
          bytes * (dtype === 'fp8' ? 1 : 2),
          group,
          cluster.scaleUp,
          cluster.scaleOut,
        ) + collectiveSeconds('all-to-all', bytes * 2, group, cluster.scaleUp, cluster.scaleOut);
    }
  }
  // Element-wise per layer: norms, residual adds, activation, RoPE — a few passes over the hidden state.
  const elementwise = memorySeconds(hw, 2 * tokens * h * (2 * spec.norm.perLayer + 6));
  const tpComm =
    t > 1
      ? 2 *
        collectiveSeconds(
          'all-reduce',
          tokens * h * 2,
          placement(t, 1, cluster.gpusPerNode),
          cluster.scaleUp,
          cluster.scaleOut,
        )
      : 0;

  const fullCore = attention(false);
  const slidingCore = attention(true);
  let seconds = 0;
  for (const layer of spec.layers) {
    seconds +=
      projections +
      (layer.attention === 'sliding' ? slidingCore : fullCore) +
      elementwise +
      tpComm +
      (layer.mlp === 'moe' && moe ? moeMlp : denseMlp) +
      (r.engine?.layerOverheadSeconds ?? 0);
  }
  // Output head for the tokens that produce logits: every decode token and each prompt chunk's last.
  // The output head stays dense (as sparse checkpoints ship it).
  return seconds + denseGemm(decodeTokens + (prefillTokens > 0 ? 1 : 0), spec.vocabSize / t, h);
}
