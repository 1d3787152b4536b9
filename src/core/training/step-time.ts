/**
 * Training step time for one model, cluster and parallel layout, from first principles:
 * per-operation work (GEMM FLOPs and shapes, attention FLOPs, bytes of element-wise kernels) turned
 * into seconds by the roofline with the accelerator's efficiency curves; communication by the α-β
 * model on the cluster's two network tiers; pipeline schedules by their bubble formulas.
 * No per-run factor: everything comes from the model, the layout and the catalog.
 *
 * Per GPU and microbatch (b sequences of s tokens, split over CP): T = b·s/cp tokens.
 */

import type { ClusterSpec } from '../hardware/cluster-spec.js';
import { collectiveSeconds, placement } from '../hardware/collectives.js';
import type { Datatype } from '../hardware/hardware-spec.js';
import { attentionSeconds, gemmSeconds, memorySeconds } from '../hardware/roofline.js';
import {
  moeLayerPrefix,
  OPTIMIZER_STATE_BYTES,
  type Optimizer,
  PRECISION_BYTES,
  type TrainingPrecision,
} from '../memory/training-memory.js';
import type { AdapterRuntime } from '../model/adapters.js';
import { layerMatmulWeights, trainingFlopsPerToken } from '../model/flops.js';
import { attentionHeadDims, type ModelSpec } from '../model/spec.js';
import { microbatchCount, type ParallelLayout, worldSize } from '../parallelism/layout.js';

export interface TrainingOptions {
  readonly seqLen: number;
  /** Global batch in sequences. */
  readonly globalBatchSize: number;
  readonly precision: TrainingPrecision;
  readonly optimizer: Optimizer;
  /** FlashAttention (default true): attention is one fused kernel, scores never reach memory. */
  readonly flashAttention?: boolean;
  /** Overlap the data-parallel gradient reduce-scatter with the last microbatch's backward (default true). */
  readonly overlapDataParallel?: boolean;
  /** Overlap expert all-to-all with compute (default: only with DualPipe, DeepSeek-V3 Sec. 3.2.1). */
  readonly overlapExpertParallel?: boolean;
  /** Slowest expert rank's load over the mean (default 1: balanced routing). */
  readonly expertImbalance?: number;
  /** Attention and hidden dropout (GPT-3-era training; default false). */
  readonly dropout?: boolean;
  /** LoRA/QLoRA/DoRA: frozen base, adapters train (see adaptation/adapters.ts). */
  readonly adapter?: AdapterRuntime;
}

export interface StepTimeBreakdown {
  /** GEMMs (incl. recomputation), all microbatches, on the slowest stage. */
  readonly gemmSeconds: number;
  readonly attentionSeconds: number;
  readonly elementwiseSeconds: number;
  readonly tensorParallelCommSeconds: number;
  readonly contextParallelCommSeconds: number;
  readonly expertParallelCommSeconds: number;
  readonly pipelineCommSeconds: number;
  /** FP32 main-grad accumulation after each microbatch's backward. */
  readonly gradientAccumulationSeconds: number;
  readonly pipelineBubbleSeconds: number;
  readonly dataParallelCommSeconds: number;
  readonly optimizerSeconds: number;
}

export interface StepTime {
  readonly stepSeconds: number;
  readonly tokensPerStep: number;
  readonly tokensPerSecond: number;
  readonly gpus: number;
  readonly microbatches: number;
  /** Model FLOPs per step (causal attention, no recomputation) and per GPU per second. */
  readonly modelFlopsPerStep: number;
  /** Model FLOPs/s per GPU / dense BF16 peak (the convention of DeepSeek, Meta and Megatron). */
  readonly mfu: number;
  /** MFU with the full attention matrix counted (Megatron's convention). */
  readonly mfuNonCausal: number;
  /** Hardware FLOPs (incl. recomputation) per GPU per second / dense BF16 peak. */
  readonly hfu: number;
  /** Hardware FLOPs per GPU per second with the full attention matrix (Megatron's "achieved TFLOP/s"). */
  readonly hardwareFlopsPerSecondPerGpuNonCausal: number;
  readonly breakdown: StepTimeBreakdown;
  /** Forward and backward time of one microbatch on the slowest stage. */
  readonly microbatchForwardSeconds: number;
  readonly microbatchBackwardSeconds: number;
}

export interface LayerCost {
  /** Forward GEMM seconds (the weight-gradient GEMMs cost the same again, input gradients too). */
  readonly gemmForward: number;
  readonly attentionForward: number;
  readonly attentionBackward: number;
  readonly elementwiseForward: number;
  readonly tpCommForward: number;
  readonly cpCommForward: number;
  readonly epCommForward: number;
  /** Adapter GEMMs (x·A, then ·B) of the layer, forward. */
  readonly adapterForward: number;
  /** QLoRA: dequantising the layer's NF4 weights to BF16, once per pass. */
  readonly dequantPerPass: number;
}

const ACT_BYTES = 2; // BF16 activations

/** SMs held by overlapped all-to-all kernels: DeepSeek-V3 Sec. 3.2.2, 20 of the H800's 132. */
export const OVERLAPPED_COMM_SM_FRACTION = 20 / 132;

/** Costs of one decoder layer of a kind, for one microbatch on one GPU. */
function layerCost(
  spec: ModelSpec,
  kind: 'dense' | 'moe',
  cluster: ClusterSpec,
  layout: ParallelLayout,
  options: TrainingOptions,
  datatype: Datatype,
  gemmInputBytes: number,
): LayerCost {
  const hw = cluster.gpu;
  const t = layout.tensorParallel;
  const cp = layout.contextParallel;
  const s = options.seqLen;
  const T = (layout.microBatchSize * s) / cp;
  const h = spec.hiddenSize;
  const a = spec.attention;
  const heads = a.numHeads;
  const { qkHeadDim, vHeadDim } = attentionHeadDims(a);
  const gemm = (m: number, n: number, k: number, count = 1) =>
    gemmSeconds(hw, datatype, m, n, k, gemmInputBytes, count);

  // Attention projections.
  let gemmForward = 0;
  let gemmInputElements = 0; // activations entering GEMMs (FP8 quantizes each)
  if (a.kind === 'mla') {
    const qHead = a.qkNopeHeadDim + a.qkRopeHeadDim;
    if (a.qLoraRank === null) gemmForward += gemm(T, (heads * qHead) / t, h);
    else gemmForward += gemm(T, a.qLoraRank, h) + gemm(T, (heads * qHead) / t, a.qLoraRank);
    gemmForward += gemm(T, a.kvLoraRank + a.qkRopeHeadDim, h);
    gemmForward += gemm(T, (heads * (a.qkNopeHeadDim + a.vHeadDim)) / t, a.kvLoraRank);
    gemmForward += gemm(T, h, (heads * a.vHeadDim) / t);
    gemmInputElements += T * (2 * h + (a.qLoraRank ?? 0) + a.kvLoraRank + (heads * a.vHeadDim) / t);
  } else {
    const q = heads * a.headDim;
    const kv = a.numKvHeads * a.headDim;
    gemmForward += gemm(T, (q + 2 * kv) / t, h) + gemm(T, h, q / t);
    gemmInputElements += T * (h + q / t);
  }

  // MLP or experts.
  let epCommForward = 0;
  let activationElements: number; // elements read by the activation function and its product
  if (kind === 'dense' || !spec.moe) {
    const I = spec.mlp.intermediateSize;
    gemmForward += gemm(T, ((spec.mlp.gated ? 2 : 1) * I) / t, h) + gemm(T, h, I / t);
    gemmInputElements += T * (h + I / t);
    activationElements = (T * I * (spec.mlp.gated ? 3 : 2)) / t;
  } else {
    const moe = spec.moe;
    const ep = layout.expertParallel;
    const localExperts = moe.numExperts / ep;
    const tokensPerExpert = ((ep * T * moe.topK) / moe.numExperts) * (options.expertImbalance ?? 1);
    const Ie = moe.expertIntermediateSize;
    const matrices = moe.gated ? 2 : 1;
    gemmForward +=
      gemm(tokensPerExpert, (matrices * Ie) / t, h, localExperts) +
      gemm(tokensPerExpert, h, Ie / t, localExperts);
    if (moe.numSharedExperts > 0) {
      const Is = moe.numSharedExperts * moe.sharedIntermediateSize;
      gemmForward += gemm(T, (matrices * Is) / t, h) + gemm(T, h, Is / t);
      gemmInputElements += T * (h + Is / t);
    }
    gemmForward += gemmSeconds(hw, 'bf16', T, moe.numExperts, h, 2); // router
    gemmInputElements += tokensPerExpert * localExperts * (h + Ie / t);
    activationElements = (T * moe.topK * Ie * (moe.gated ? 3 : 2)) / t;
    // Dispatch and combine: each token's hidden state to its experts and back (Megatron/DeepEP
    // all-to-all inside the EP group, whose ranks are tp·cp apart). DeepSeek dispatches in FP8.
    if (ep > 1) {
      const group = placement(ep, t * cp, cluster.gpusPerNode);
      const nodes = Math.max(1, ep / group.perNode);
      // Group-limited routing sends a token to at most `groupsPerToken` nodes (then NVLink fans out).
      const copies =
        moe.routingGroups && moe.routingGroups.groups >= nodes
          ? Math.min(
              moe.topK,
              moe.routingGroups.groupsPerToken * Math.max(1, moe.routingGroups.groups / nodes),
            )
          : moe.topK;
      const dispatchBytes = T * copies * h * (datatype === 'fp8' ? 1 : ACT_BYTES);
      const combineBytes = T * copies * h * ACT_BYTES;
      epCommForward =
        collectiveSeconds('all-to-all', dispatchBytes, group, cluster.scaleUp, cluster.scaleOut) +
        collectiveSeconds('all-to-all', combineBytes, group, cluster.scaleUp, cluster.scaleOut);
    }
  }

  // Attention core: 2·heads·(d_qk + d_v) FLOPs per (query, key) pair, causal ½, on heads/t.
  const window = spec.slidingWindow;
  const meanContext = window !== null && window < s ? window - (window * window) / (2 * s) : s / 2;
  const attentionFlops = (2 * heads * (qkHeadDim + vHeadDim) * meanContext * T) / t;
  let attentionForward: number;
  let attentionBackward: number;
  if (options.flashAttention ?? true) {
    attentionForward = attentionSeconds(hw, attentionFlops, 'forward');
    // The backward pass recomputes QKᵀ: 2.5× the forward FLOPs (FlashAttention-2 Sec. 3.2).
    attentionBackward = attentionSeconds(hw, 2.5 * attentionFlops, 'backward');
  } else {
    // Unfused (Megatron-LM 2021): batched GEMMs for QKᵀ and softmax·V, and the a·s² score matrix
    // through memory: QKᵀ written (2 B), fused scale-mask-softmax read and written (4 B), read by
    // softmax·V (2 B); with dropout also read, written and masked (5 B). Backward: twice that.
    const scoreElements = (heads * s * (layout.microBatchSize * s)) / (cp * t);
    attentionForward =
      gemmSeconds(hw, 'bf16', s, s, qkHeadDim, 2, (layout.microBatchSize * heads) / (cp * t)) +
      gemmSeconds(hw, 'bf16', s, vHeadDim, s, 2, (layout.microBatchSize * heads) / (cp * t)) +
      memorySeconds(hw, scoreElements * (options.dropout ? 13 : 8));
    attentionBackward = 2 * attentionForward;
  }

  // Element-wise kernels (memory-bound): norms, residual adds, activation, RoPE, FP8 casts.
  const rep = layout.sequenceParallel ? 1 / t : 1;
  const normAndResidualBytes = ACT_BYTES * T * h * rep * (spec.norm.perLayer * 2 + 2 * 3);
  const activationBytes = ACT_BYTES * activationElements;
  const ropeBytes =
    a.kind === 'mla'
      ? (ACT_BYTES * T * 2 * heads * a.qkRopeHeadDim) / t
      : (ACT_BYTES * T * 2 * (heads + (a.kind === 'gqa' ? a.numKvHeads : heads)) * qkHeadDim) / t;
  // FP8 (DeepSeek-V3 Sec. 3.3): each GEMM input is read in BF16 and written in FP8 twice (row- and
  // column-wise tiles for the backward), 4 bytes per element.
  const castBytes = datatype === 'fp8' ? 4 * gemmInputElements : 0;
  const kernelBytes = ACT_BYTES * T * h;
  const elementwiseForward =
    memorySeconds(hw, kernelBytes) *
    ((normAndResidualBytes + activationBytes + ropeBytes + castBytes) / kernelBytes);

  // Tensor parallelism: with sequence parallelism two all-gathers and two reduce-scatters per layer
  // forward, otherwise two all-reduces (Korthikanti et al. Sec. 4.2.2), on the full T×h activation.
  let tpCommForward = 0;
  if (t > 1) {
    const group = placement(t, 1, cluster.gpusPerNode);
    const bytes = T * h * ACT_BYTES;
    tpCommForward = layout.sequenceParallel
      ? 2 *
        (collectiveSeconds('all-gather', bytes, group, cluster.scaleUp, cluster.scaleOut) +
          collectiveSeconds('reduce-scatter', bytes, group, cluster.scaleUp, cluster.scaleOut))
      : 2 * collectiveSeconds('all-reduce', bytes, group, cluster.scaleUp, cluster.scaleOut);
  }
  // Context parallelism: all-gather of K and V over the CP group (overlapped with attention below).
  let cpCommForward = 0;
  if (cp > 1) {
    const kvWidth =
      a.kind === 'mla'
        ? heads * (a.qkNopeHeadDim + a.vHeadDim + a.qkRopeHeadDim)
        : 2 * a.numKvHeads * a.headDim;
    const group = placement(cp, t, cluster.gpusPerNode);
    const gathered = cp * T * (kvWidth / t) * ACT_BYTES;
    cpCommForward = Math.max(
      0,
      collectiveSeconds('all-gather', gathered, group, cluster.scaleUp, cluster.scaleOut) - attentionForward,
    );
  }
  // Adapters: two thin GEMMs per adapted matrix (T×in·in×r, then T×r·r×out), on the TP shard.
  let adapterForward = 0;
  let dequantPerPass = 0;
  const adapter = options.adapter;
  if (adapter) {
    const r = adapter.rank;
    const list = kind === 'moe' && spec.moe ? adapter.perLayer.moe : adapter.perLayer.dense;
    for (const m of list) {
      const routed = 'routed' in m && m.routed && spec.moe !== null;
      const tokens = routed ? (layout.expertParallel * T * spec.moe!.topK) / spec.moe!.numExperts : T;
      const count = routed ? spec.moe!.numExperts / layout.expertParallel : 1;
      adapterForward +=
        gemmSeconds(hw, 'bf16', tokens, r, m.inFeatures / t, 2, count) +
        gemmSeconds(hw, 'bf16', tokens, m.outFeatures / t, r, 2, count);
    }
    if (adapter.baseBytesPerParam < 1) {
      // NF4 → BF16: read the 4-bit weights and constants, write BF16 (Dettmers et al. 2023, Sec. 3).
      const layer = layerMatmulWeights(spec, kind);
      const routed =
        spec.moe && kind === 'moe' ? (layer.routedExperts * spec.moe.numExperts) / spec.moe.topK : 0;
      const localWeights =
        (layer.attention + layer.denseMlp + layer.sharedExperts + layer.router) / t +
        routed / (t * layout.expertParallel);
      dequantPerPass = memorySeconds(hw, localWeights * (adapter.baseBytesPerParam + 2));
    }
  }
  return {
    gemmForward,
    attentionForward,
    attentionBackward,
    elementwiseForward,
    tpCommForward,
    cpCommForward,
    epCommForward,
    adapterForward,
    dequantPerPass,
  };
}

/** Datatype and bytes per GEMM input for a precision recipe. */
function gemmDatatype(precision: TrainingPrecision): { datatype: Datatype; bytes: number } {
  if (precision === 'fp8') return { datatype: 'fp8', bytes: 1 };
  if (precision === 'fp32') return { datatype: 'tf32', bytes: 4 };
  return { datatype: 'bf16', bytes: 2 };
}

/**
 * Step time for a valid layout (check it with `layoutIssues` first). Pure and allocation-light: the
 * layout search calls it once per candidate.
 */
export function trainingStepTime(
  spec: ModelSpec,
  cluster: ClusterSpec,
  layout: ParallelLayout,
  options: TrainingOptions,
): StepTime {
  return stepTimeFromLayerCosts(spec, cluster, layout, options, layerCosts(spec, cluster, layout, options));
}

/** Per-layer costs; they depend only on TP, CP, EP, micro-batch and sequence parallelism. */
export interface LayerCosts {
  readonly dense: LayerCost;
  readonly moe: LayerCost;
}

export function layerCosts(
  spec: ModelSpec,
  cluster: ClusterSpec,
  layout: ParallelLayout,
  options: TrainingOptions,
): LayerCosts {
  const { datatype, bytes } = gemmDatatype(options.precision);
  const dense = layerCost(spec, 'dense', cluster, layout, options, datatype, bytes);
  return { dense, moe: spec.moe ? layerCost(spec, 'moe', cluster, layout, options, datatype, bytes) : dense };
}

/** Step time from precomputed layer costs (the layout search memoises them). */
export function stepTimeFromLayerCosts(
  spec: ModelSpec,
  cluster: ClusterSpec,
  layout: ParallelLayout,
  options: TrainingOptions,
  costs: LayerCosts,
): StepTime {
  const hw = cluster.gpu;
  const { datatype, bytes: gemmInputBytes } = gemmDatatype(options.precision);
  const t = layout.tensorParallel;
  const p = layout.pipelineParallel;
  const cp = layout.contextParallel;
  const dp = layout.dataParallel;
  const s = options.seqLen;
  const T = (layout.microBatchSize * s) / cp;
  const h = spec.hiddenSize;
  const gpus = worldSize(layout);
  const m = microbatchCount(options.globalBatchSize, layout);

  const { dense, moe } = costs;
  const overlapEp =
    layout.expertParallel > 1 && (options.overlapExpertParallel ?? layout.schedule === 'dualpipe');
  // Overlapped all-to-all is not free: its kernels hold SMs the GEMMs then lack (DeepSeek-V3
  // Sec. 3.2.2: 20 of the H800's 132 SMs).
  const computeSlowdown = overlapEp ? 1 / (1 - OVERLAPPED_COMM_SM_FRACTION) : 1;

  // Per-microbatch forward/backward seconds of a stage holding `denseLayers` + `moeLayers`.
  const recomputeFull = layout.recompute === 'full';
  const stageTimes = (denseLayers: number, moeLayers: number, extraGemmForward: number) => {
    const sum = (f: (c: LayerCost) => number) => denseLayers * f(dense) + moeLayers * f(moe);
    const gemmF = (sum((c) => c.gemmForward) + extraGemmForward) * computeSlowdown;
    const attnF = sum((c) => c.attentionForward) * computeSlowdown;
    const attnB = sum((c) => c.attentionBackward) * computeSlowdown;
    const eltF = sum((c) => c.elementwiseForward);
    const tpF = sum((c) => c.tpCommForward);
    const cpF = sum((c) => c.cpCommForward);
    const epAll = sum((c) => c.epCommForward);
    // Overlapped: only what the forward compute cannot hide is exposed.
    const epF = overlapEp ? Math.max(0, epAll - (gemmF + attnF + eltF)) : epAll;
    const adapterF = sum((c) => c.adapterForward) * computeSlowdown;
    const dequant = sum((c) => c.dequantPerPass);
    const forward = gemmF + attnF + eltF + tpF + cpF + epF + adapterF + dequant;
    // Backward: input- and weight-gradient GEMMs (2× forward), attention backward, element-wise
    // backward (2× forward bytes), the same communication again; full recomputation re-runs the forward.
    // A frozen base needs only input gradients (1× forward); its adapters need both (Hu et al. 2021).
    const frozen = options.adapter !== undefined;
    const weightGrad = frozen ? adapterF : gemmF;
    const backward =
      (frozen ? gemmF + 2 * adapterF + dequant : 2 * gemmF) +
      attnB +
      2 * eltF +
      tpF +
      cpF +
      epF +
      (recomputeFull ? forward : 0);
    return {
      forward,
      backward,
      weightGrad,
      gemm: (frozen ? 2 * gemmF + 3 * adapterF : 3 * gemmF) + (recomputeFull ? gemmF + adapterF : 0),
      attention: attnF + attnB + (recomputeFull ? attnF : 0),
      elementwise: 3 * eltF + (recomputeFull ? eltF : 0),
      tp: 2 * tpF + (recomputeFull ? tpF : 0),
      cp: 2 * cpF,
      ep: 2 * epF,
    };
  };

  // Layers per stage: contiguous blocks of ceil(L/p); the slowest stage sets the pace. The last
  // stage also runs the output head and, where the model has them, the MTP modules (DeepSeek-V3
  // Sec. 2.2: one more MoE layer, a 2h→h projection and the shared head per module).
  const perStage = Math.ceil(spec.numLayers / p);
  const headGemm = gemmSeconds(hw, datatype, T, spec.vocabSize / t, h, gemmInputBytes);
  const mtpLayer = spec.moe ? moe : dense;
  const lastStageExtra =
    headGemm +
    spec.numMtpModules *
      (mtpLayer.gemmForward +
        mtpLayer.attentionForward +
        mtpLayer.elementwiseForward +
        headGemm +
        gemmSeconds(hw, datatype, T, h / t, 2 * h, gemmInputBytes));
  const moePrefix = moeLayerPrefix(spec);
  let slowest = stageTimes(0, 0, 0);
  for (let stage = 0; stage < p; stage += 1) {
    const first = stage * perStage;
    const last = Math.min(spec.numLayers, first + perStage);
    if (first >= last) break;
    const moeLayers = moePrefix[last]! - moePrefix[first]!;
    const times = stageTimes(
      last - first - moeLayers,
      moeLayers,
      last === spec.numLayers ? lastStageExtra : 0,
    );
    if (times.forward + times.backward > slowest.forward + slowest.backward) slowest = times;
  }

  // Pipeline point-to-point: the boundary activation (1/t of it with Megatron's scatter-gather).
  let ppComm = 0;
  if (p > 1) {
    const group = placement(2, t * cp * dp, cluster.gpusPerNode);
    const bytes = (T * h * ACT_BYTES) / t;
    ppComm = collectiveSeconds('p2p', bytes, group, cluster.scaleUp, cluster.scaleOut) * layout.virtualStages;
  }
  // Gradient accumulation: each microbatch's weight gradients are added into FP32 main-grad
  // buffers (Megatron-LM `main_grad`; DeepSeek-V3 keeps FP32 gradients too), 4 B read + 4 B written
  // per local parameter, when more than one microbatch contributes to a step.
  const base = paramsPerGpu(spec, layout);
  const adapter = options.adapter;
  // With a frozen base only the adapters have gradients to accumulate, reduce and step.
  const adapterLocal = adapter ? adapter.trainableParams / (t * p) : 0;
  const denseParams = adapter ? adapterLocal : base.dense;
  const expertParams = adapter ? 0 : base.expert;
  const accumulation = m > 1 ? memorySeconds(hw, (denseParams + expertParams) * 8) : 0;
  const tf = slowest.forward + ppComm;
  const tb = slowest.backward + ppComm + accumulation;
  const tw = slowest.weightGrad;
  let bubble = 0;
  if (p > 1) {
    switch (layout.schedule) {
      case 'interleaved':
        bubble = ((p - 1) * (tf + tb)) / layout.virtualStages; // Narayanan et al. 2021, Sec. 2.2.2
        break;
      case 'zero-bubble':
        bubble = (p - 1) * Math.max(0, tf + (tb - tw) - tw); // ZB-H1, Qi et al. 2024, Table 1
        break;
      case 'dualpipe':
        bubble = (p / 2 - 1) * Math.max(0, tf + tb + (tb - tw) - 3 * tw); // DeepSeek-V3 Table 2
        break;
      default:
        bubble = (p - 1) * (tf + tb); // 1F1B, Narayanan et al. 2021, Sec. 2.2.1
    }
  }
  const pipelineSeconds = m * (tf + tb) + bubble;

  // Data parallelism: reduce-scatter the gradients and all-gather the updated weights (distributed
  // optimizer / ZeRO ≥ 1), or all-reduce (ZeRO-0), over DP×CP for dense and DP×CP/EP for experts.
  const bytes = PRECISION_BYTES[options.precision];
  const dpGroup = placement(dp * cp, t, cluster.gpusPerNode);
  const edp = Math.max(1, (dp * cp) / layout.expertParallel);
  const edpGroup = placement(edp, t * layout.expertParallel, cluster.gpusPerNode);
  const sync = (params: number, group: ReturnType<typeof placement>) =>
    layout.zeroStage === 0
      ? collectiveSeconds('all-reduce', params * bytes.gradient, group, cluster.scaleUp, cluster.scaleOut)
      : collectiveSeconds(
          'reduce-scatter',
          params * bytes.gradient,
          group,
          cluster.scaleUp,
          cluster.scaleOut,
        ) + collectiveSeconds('all-gather', params * bytes.weight, group, cluster.scaleUp, cluster.scaleOut);
  let dpComm = sync(denseParams, dpGroup) + sync(expertParams, edpGroup);
  if (layout.zeroStage === 3) {
    // FSDP gathers the weights for every microbatch's forward and backward (a frozen base too).
    const weightBytes = adapter ? adapter.baseBytesPerParam : bytes.weight;
    const gather = (params: number, group: ReturnType<typeof placement>) =>
      collectiveSeconds('all-gather', params * weightBytes, group, cluster.scaleUp, cluster.scaleOut);
    const perMicrobatch = 2 * (gather(base.dense, dpGroup) + gather(base.expert, edpGroup));
    dpComm += m * Math.max(0, perMicrobatch - (tf + tb));
  }
  // Gradients are complete only after the last microbatch: the overlap window is its backward.
  const dpExposed = (options.overlapDataParallel ?? true) ? Math.max(0, dpComm - tb) : dpComm;

  // Optimizer: read and write master weights and states, read gradients, write weights (memory-bound).
  const shards = layout.zeroStage >= 1 ? dp * cp : 1;
  const stateBytes =
    2 * (bytes.master + OPTIMIZER_STATE_BYTES[options.optimizer]) + bytes.gradient + bytes.weight;
  const optimizer = memorySeconds(hw, ((denseParams + expertParams) / shards) * stateBytes);

  const stepSeconds = pipelineSeconds + dpExposed + optimizer;
  const tokensPerStep = options.globalBatchSize * s;
  const flops = trainingFlopsPerToken(spec, s);
  // Frozen base: no weight gradients for its matrices, so 3× forward minus one forward's matmuls
  // (the "≈ 2/3 of full fine-tuning" rule; attention backward still costs 2× its forward).
  const forwardMatmul = (flops.causal.flopsPerToken - flops.causal.breakdown.attentionScores) / 3;
  const modelFlopsPerToken = adapter
    ? flops.causal.flopsPerToken - forwardMatmul
    : flops.causal.flopsPerToken;
  const modelFlopsPerStep = modelFlopsPerToken * tokensPerStep;
  const recomputeFlopsPerStep = recomputeFull ? (modelFlopsPerStep - flops.causal.breakdown.head) / 3 : 0;
  const peak = hw.peakFlopsPerSecond.bf16!;
  const perGpuSecond = stepSeconds * gpus;
  const nonCausalHardware =
    flops.nonCausal.flopsPerToken * tokensPerStep +
    (recomputeFull
      ? ((flops.nonCausal.flopsPerToken - flops.nonCausal.breakdown.head) * tokensPerStep) / 3
      : 0);
  return {
    stepSeconds,
    tokensPerStep,
    tokensPerSecond: tokensPerStep / stepSeconds,
    gpus,
    microbatches: m,
    modelFlopsPerStep,
    mfu: modelFlopsPerStep / (perGpuSecond * peak),
    mfuNonCausal:
      ((flops.nonCausal.flopsPerToken - (adapter ? forwardMatmul : 0)) * tokensPerStep) /
      (perGpuSecond * peak),
    hfu: (modelFlopsPerStep + recomputeFlopsPerStep) / (perGpuSecond * peak),
    hardwareFlopsPerSecondPerGpuNonCausal: nonCausalHardware / perGpuSecond,
    breakdown: {
      gemmSeconds: m * slowest.gemm,
      attentionSeconds: m * slowest.attention,
      elementwiseSeconds: m * slowest.elementwise,
      tensorParallelCommSeconds: m * slowest.tp,
      contextParallelCommSeconds: m * slowest.cp,
      expertParallelCommSeconds: m * slowest.ep,
      pipelineCommSeconds: m * 2 * ppComm,
      gradientAccumulationSeconds: m * accumulation,
      pipelineBubbleSeconds: bubble,
      dataParallelCommSeconds: dpExposed,
      optimizerSeconds: optimizer,
    },
    microbatchForwardSeconds: tf,
    microbatchBackwardSeconds: tb,
  };
}

/** Parameters one GPU of the first stage holds, split into dense (DP-replicated) and expert parts. */
function paramsPerGpu(spec: ModelSpec, layout: ParallelLayout): { dense: number; expert: number } {
  const t = layout.tensorParallel;
  const perStage = Math.min(spec.numLayers, Math.ceil(spec.numLayers / layout.pipelineParallel));
  const denseLayer = layerMatmulWeights(spec, 'dense');
  const moeLayer = spec.moe ? layerMatmulWeights(spec, 'moe') : denseLayer;
  // All routed experts of a layer (layerMatmulWeights counts only the top-k a token touches).
  const allExperts = spec.moe ? (moeLayer.routedExperts * spec.moe.numExperts) / spec.moe.topK : 0;
  let dense = (spec.vocabSize * spec.hiddenSize) / t;
  let expert = 0;
  for (let i = 0; i < perStage; i += 1) {
    if (spec.layers[i]!.mlp === 'moe' && spec.moe) {
      dense += (moeLayer.attention + moeLayer.sharedExperts + moeLayer.router) / t;
      expert += allExperts / (layout.expertParallel * t);
    } else {
      dense += (denseLayer.attention + denseLayer.denseMlp) / t;
    }
  }
  return { dense, expert };
}
