/**
 * Training memory per GPU for a model, a parallel layout and a precision/optimizer recipe.
 *
 * Model states follow ZeRO (Rajbhandari et al. 2020, Sec. 3.1 and 5): mixed-precision AdamW holds
 * 2Ψ (BF16 weights) + 2Ψ (BF16 gradients) + 12Ψ (FP32 master, momentum, variance) = 16Ψ bytes;
 * ZeRO-1 shards the 12Ψ, ZeRO-2 also the gradients, ZeRO-3/FSDP also the weights, over DP × CP.
 * Activations generalise Korthikanti et al. 2022 (Eq. 1-6, Table 2) to GQA/MLA, gated and MoE MLPs.
 * The first pipeline stage holds the most activations; the last holds the logits: both are computed
 * and the larger is reported.
 */

import type { AdapterRuntime } from '../model/adapters.js';
import { layerKey, layerKinds } from '../model/flops.js';
import { hasNewLayerKinds } from '../model/layer-mix.js';
import { mixerActivationBytes } from '../model/operations.js';
import { attentionParams, mlpParams, normParams, paramCount } from '../model/param-count.js';
import { isAttentionMixer, type LayerSpec, type ModelSpec } from '../model/spec.js';
import type { ParallelLayout } from '../parallelism/layout.js';
import { GIB } from '../units.js';

export const TRAINING_PRECISIONS = ['bf16', 'fp8', 'fp32'] as const;
export type TrainingPrecision = (typeof TRAINING_PRECISIONS)[number];
export const OPTIMIZERS = [
  'adamw',
  'adamw-bf16-moments',
  'adam-8bit',
  'adafactor',
  'sgd-momentum',
  'muon',
] as const;
export type Optimizer = (typeof OPTIMIZERS)[number];

/**
 * Bytes per parameter of the weight copy used in compute, its gradient, and the FP32 master copy.
 * - bf16: ZeRO Sec. 3.1 (2 + 2 + 4).
 * - fp8: DeepSeek-V3 Sec. 3.3 — BF16 weights (FP8 casts are transient), FP32 gradients and master.
 * - fp32: no separate master copy.
 */
export const PRECISION_BYTES: Readonly<
  Record<TrainingPrecision, { weight: number; gradient: number; master: number }>
> = {
  bf16: { weight: 2, gradient: 2, master: 4 },
  fp8: { weight: 2, gradient: 4, master: 4 },
  fp32: { weight: 4, gradient: 4, master: 0 },
};

/**
 * Optimizer-state bytes per parameter beyond the master weights.
 * - adamw: FP32 momentum + variance (ZeRO's K = 12 with the master copy).
 * - adamw-bf16-moments: BF16 moments (DeepSeek-V3 Sec. 3.3.3).
 * - adam-8bit: blockwise 8-bit moments (Dettmers et al. 2022, "8-bit Optimizers", Sec. 2), block stats < 0.1%.
 * - adafactor: factored second moments, O(rows + cols) per matrix (Shazeer & Stern 2018, Sec. 3), no momentum.
 * - sgd-momentum, muon: one FP32 momentum buffer (Muon: Jordan et al. 2024; Liu et al. 2025 "Muon is Scalable").
 */
export const OPTIMIZER_STATE_BYTES: Readonly<Record<Optimizer, number>> = {
  adamw: 8,
  'adamw-bf16-moments': 4,
  'adam-8bit': 2,
  adafactor: 0,
  'sgd-momentum': 4,
  muon: 4,
};

/**
 * CUDA context, NCCL communicator buffers and allocator fragmentation, per GPU. An estimate: the CUDA
 * context alone takes ~0.5 GiB on Hopper and NCCL reserves buffers per communicator; PyTorch's
 * caching allocator typically leaves 5–10% fragmented. Override with `frameworkOverheadBytes`.
 */
export const DEFAULT_FRAMEWORK_OVERHEAD_BYTES = 2 * GIB;

export interface TrainingMemoryOptions {
  readonly seqLen: number;
  /** Global batch in sequences; sets the number of microbatches in flight. */
  readonly globalBatchSize: number;
  readonly precision: TrainingPrecision;
  readonly optimizer: Optimizer;
  /** FlashAttention: the s×s score matrix is never stored (default true). */
  readonly flashAttention?: boolean;
  /** Attention/hidden dropout (GPT-3-era models); modern LLMs train without (default false). */
  readonly dropout?: boolean;
  readonly frameworkOverheadBytes?: number;
  /** LoRA/QLoRA/DoRA: the base is frozen (no gradients or optimizer states), only adapters train. */
  readonly adapter?: AdapterRuntime;
}

export interface ModelStateBytes {
  readonly weights: number;
  readonly gradients: number;
  readonly optimizerStates: number;
}

export interface StageMemory {
  readonly stage: 'first' | 'last' | 'only';
  readonly layers: number;
  /** Parameters held by one GPU of this stage (after TP/EP sharding, before ZeRO). */
  readonly paramsPerGpu: number;
  readonly modelStates: ModelStateBytes;
  readonly activations: number;
  /** Transient buffers: ZeRO-3 gathered weights, full-recompute workspace, MoE all-to-all buffers, logits. */
  readonly buffers: number;
  readonly frameworkOverhead: number;
  readonly totalBytes: number;
}

export interface TrainingMemory {
  /** The stage that needs the most memory. */
  readonly peak: StageMemory;
  readonly stages: readonly StageMemory[];
  /** Microbatches whose activations the first stage holds at once. */
  readonly microbatchesInFlight: number;
  readonly activationBytesPerLayer: number;
}

/**
 * Activation bytes of one decoder layer for one microbatch (Korthikanti et al. 2022, generalised).
 * `layer` is a layer kind, or 'dense'/'moe' for a full-attention layer. Softmax attention and MLPs
 * in closed form; the DSA indexer, Gated DeltaNet and Mamba-2 mixers from their operation list
 * (operations.ts `mixerActivationBytes`); a layer without a mixer or an MLP keeps nothing for it.
 */
export function activationBytesPerLayer(
  spec: ModelSpec,
  layer: 'dense' | 'moe' | LayerSpec,
  layout: ParallelLayout,
  options: { seqLen: number; flashAttention: boolean; dropout: boolean },
): number {
  const kind: LayerSpec = typeof layer === 'string' ? { attention: 'full', mlp: layer } : layer;
  const t = layout.tensorParallel;
  const s = options.seqLen / layout.contextParallel;
  const b = layout.microBatchSize;
  const h = spec.hiddenSize;
  const sbh = s * b * h;
  // Tensors replicated across TP ranks unless sequence parallelism splits them (Korthikanti Sec. 4.2.2).
  const rep = layout.sequenceParallel ? 1 / t : 1;
  if (layout.recompute === 'full') return 2 * sbh * rep; // only the layer input is kept (Table 2)

  const a = spec.attention;
  const heads = a.numHeads;
  const qkDim = a.kind === 'mla' ? a.qkNopeHeadDim + a.qkRopeHeadDim : a.headDim;
  const vDim = a.kind === 'mla' ? a.vHeadDim : a.headDim;
  const kvHeads = a.kind === 'mla' ? heads : a.numKvHeads;
  const mask = options.dropout ? 1 : 0;
  const softmax = isAttentionMixer(kind.attention);
  let attention: number;
  if (!softmax) {
    // Linear, Mamba and mixer-less layers: the tensors their operation list keeps (operations.ts).
    attention = mixerOpActivations(spec, kind, layout, options.seqLen);
  } else {
    // Attention: input to QKV (2sbh), Q and K (Korthikanti's "QKᵀ: 4sbh" for MHA), V, output-projection input.
    attention =
      2 * sbh * rep + (2 * s * b * (heads * qkDim + kvHeads * qkDim + kvHeads * vDim + heads * vDim)) / t;
    // DSA: the indexer's projections' inputs and the selected keys (operations.ts).
    if (kind.attention === 'sparse') attention += mixerOpActivations(spec, kind, layout, options.seqLen);
    if (a.kind === 'mla')
      attention += 2 * s * b * ((a.qLoraRank ?? 0) + a.kvLoraRank + a.qkRopeHeadDim) * rep;
    // Gated attention (Qwen3-Next/Qwen3.5): the sigmoid gate, a query-width tensor, for its backward.
    if (a.kind === 'gqa' && a.outputGate) attention += (2 * s * b * heads * qkDim) / t;
    attention += mask * sbh * rep;
    if (options.flashAttention) {
      attention += (4 * s * b * heads) / t; // FP32 log-sum-exp per query and head
    } else if (layout.recompute !== 'selective') {
      // Softmax output 2as²b, its dropout mask as²b and dropout output 2as²b (5as²b with dropout, Eq. 1).
      attention += ((options.dropout ? 5 : 2) * heads * s * s * b) / t;
    }
  }
  const norms = spec.norm.perLayer * 2 * sbh * rep;
  const mlpBlock = (intermediate: number, gated: boolean, tokensFactor: number) =>
    // fc1 input, fc1 output(s) and the activation output that feeds fc2: 2+8+8 sbh for GPT's 4h MLP.
    tokensFactor * (2 * sbh * rep + (2 * s * b * intermediate * (gated ? 3 : 2)) / t);
  let mlp: number;
  if (kind.mlp === 'none') {
    mlp = 0;
  } else if (kind.mlp === 'dense' || !spec.moe) {
    mlp = mlpBlock(spec.mlp.intermediateSize, spec.mlp.gated, 1) + mask * sbh * rep;
  } else {
    const moe = spec.moe;
    // Each token's copy in each of its top-k experts: dispatched input and expert MLP activations
    // (average load; expert tensor parallelism = TP), plus shared experts and FP32 router logits.
    mlp =
      moe.topK * (2 * sbh + (2 * s * b * moe.expertIntermediateSize * (moe.gated ? 3 : 2)) / t) +
      (moe.numSharedExperts > 0
        ? (2 * s * b * moe.numSharedExperts * moe.sharedIntermediateSize * (moe.gated ? 3 : 2)) / t
        : 0) +
      2 * sbh * rep +
      4 * s * b * moe.numExperts;
  }
  return attention + norms + mlp;
}

/** Activation bytes a layer kind's mixer keeps, read off its forward operation list (one micro-batch). */
const perLayerParamsCache = new WeakMap<ModelSpec, ReturnType<typeof paramCount>['perLayer']>();

/** Parameters of each decoder layer (memoised per spec: the layout search asks once per candidate). */
function layerParamsOf(spec: ModelSpec): ReturnType<typeof paramCount>['perLayer'] {
  let perLayer = perLayerParamsCache.get(spec);
  if (!perLayer) {
    perLayer = paramCount(spec).perLayer;
    perLayerParamsCache.set(spec, perLayer);
  }
  return perLayer;
}

const mixerActivationCache = new WeakMap<ModelSpec, Map<string, number>>();

/** Memoised per spec and shape: the layout search asks once per candidate layout. */
function mixerOpActivations(
  spec: ModelSpec,
  kind: LayerSpec,
  layout: ParallelLayout,
  seqLen: number,
): number {
  let bySpec = mixerActivationCache.get(spec);
  if (!bySpec) {
    bySpec = new Map();
    mixerActivationCache.set(spec, bySpec);
  }
  const key = [
    layerKey(kind),
    layout.tensorParallel,
    layout.contextParallel,
    layout.sequenceParallel,
    layout.microBatchSize,
    seqLen,
  ].join('/');
  let bytes = bySpec.get(key);
  if (bytes === undefined) {
    bytes = computeMixerOpActivations(spec, kind, layout, seqLen);
    bySpec.set(key, bytes);
  }
  return bytes;
}

function computeMixerOpActivations(
  spec: ModelSpec,
  kind: LayerSpec,
  layout: ParallelLayout,
  seqLen: number,
): number {
  return mixerActivationBytes(spec, kind, {
    phase: 'forward',
    shape: { sequences: layout.microBatchSize, tokensPerSequence: seqLen, contextTokens: seqLen },
    layout: {
      tensorParallel: layout.tensorParallel,
      contextParallel: layout.contextParallel,
      expertParallel: 1,
      sequenceParallel: layout.sequenceParallel,
    },
    datatype: 'bf16',
    gemmInputBytes: 2,
  });
}

function microbatchesInFlight(layout: ParallelLayout, numMicrobatches: number): number {
  const p = layout.pipelineParallel;
  if (p === 1) return 1;
  const base = Math.min(p, numMicrobatches);
  switch (layout.schedule) {
    case 'interleaved':
      // Korthikanti Sec. 4.2.3: × (1 + (p − 1)/(p·v)) for v virtual stages.
      return base * (1 + (p - 1) / (p * layout.virtualStages));
    case 'dualpipe':
      // DeepSeek-V3 Sec. 3.2.1, Table 2: DualPipe holds PP + 1 microbatches of activations.
      return Math.min(p + 1, numMicrobatches);
    default:
      return base;
  }
}

/**
 * Training memory per GPU. Throws nothing: an infeasible layout is checked separately
 * (`layoutIssues`) and "does not fit" is a comparison with the GPU's capacity.
 */
export function trainingMemory(
  spec: ModelSpec,
  layout: ParallelLayout,
  options: TrainingMemoryOptions,
): TrainingMemory {
  const flashAttention = options.flashAttention ?? true;
  const dropout = options.dropout ?? false;
  const t = layout.tensorParallel;
  const p = layout.pipelineParallel;
  const h = spec.hiddenSize;
  const denseShards = layout.dataParallel * layout.contextParallel;
  const expertShards = Math.max(1, denseShards / layout.expertParallel);
  const bytes = PRECISION_BYTES[options.precision];
  const optimizerBytes = OPTIMIZER_STATE_BYTES[options.optimizer] + bytes.master;
  const numMicrobatches = Math.max(
    1,
    Math.floor(options.globalBatchSize / (layout.dataParallel * layout.microBatchSize)),
  );
  const inFlight = microbatchesInFlight(layout, numMicrobatches);
  const actOptions = { seqLen: options.seqLen, flashAttention, dropout };
  const perLayerAct = {
    dense: activationBytesPerLayer(spec, 'dense', layout, actOptions),
    moe: activationBytesPerLayer(spec, 'moe', layout, actOptions),
  };
  // Hybrid, sparse and MLP-less models: activations per layer kind, summed over a stage's layers.
  const byKind = hasNewLayerKinds(spec)
    ? new Map(
        layerKinds(spec).map(({ layer }) => [
          layerKey(layer),
          activationBytesPerLayer(spec, layer, layout, actOptions),
        ]),
      )
    : null;
  const stageActivations = (first: number, last: number, dense: number, moe: number): number => {
    if (!byKind) return dense * perLayerAct.dense + moe * perLayerAct.moe;
    let sum = 0;
    for (let i = first; i < last; i += 1) sum += byKind.get(layerKey(spec.layers[i]!))!;
    return sum;
  };
  const perLayerParams = byKind ? layerParamsOf(spec) : [];
  const expertMatrix = spec.moe
    ? mlpParams(h, spec.moe.expertIntermediateSize, spec.moe.gated, spec.moe.expertBias)
    : 0;
  const stageLayerParams = (first: number, last: number) => {
    let dense = 0;
    let experts = 0;
    let largest = 0;
    for (let i = first; i < last; i += 1) {
      const routed = spec.layers[i]!.mlp === 'moe' && spec.moe ? spec.moe.numExperts * expertMatrix : 0;
      const layerDense = (perLayerParams[i]!.totalParams - routed) / t;
      const layerExperts = routed / (t * layout.expertParallel);
      dense += layerDense;
      experts += layerExperts;
      largest = Math.max(largest, layerDense + layerExperts);
    }
    return { dense, experts, largest };
  };
  const largestLayerAct = byKind ? Math.max(...byKind.values()) : perLayerAct[spec.moe ? 'moe' : 'dense'];
  const overhead = options.frameworkOverheadBytes ?? DEFAULT_FRAMEWORK_OVERHEAD_BYTES;
  // DualPipe keeps two copies of the parameters (DeepSeek-V3 Table 2: 2× parameters).
  const paramCopies = layout.schedule === 'dualpipe' ? 2 : 1;

  const layersPerStage = Math.ceil(spec.numLayers / p);
  const moePrefix = moeLayerPrefix(spec);
  // Parameters of one layer of each kind on one GPU (TP- and EP-sharded), norms replicated.
  const norms = spec.norm.perLayer * normParams(spec, h);
  const attentionPerGpu = attentionParams(spec) / t + norms;
  const denseLayerParams =
    attentionPerGpu + mlpParams(h, spec.mlp.intermediateSize, spec.mlp.gated, spec.mlp.bias) / t;
  const moe = spec.moe;
  const moeLayerDense = moe
    ? attentionPerGpu +
      h * moe.numExperts +
      (moe.routerBias ? moe.numExperts : 0) +
      (moe.numSharedExperts > 0
        ? mlpParams(h, moe.numSharedExperts * moe.sharedIntermediateSize, moe.gated, false) / t
        : 0)
    : 0;
  const moeLayerExperts = moe
    ? (moe.numExperts / layout.expertParallel) *
      (mlpParams(h, moe.expertIntermediateSize, moe.gated, moe.expertBias) / t)
    : 0;

  const stageMemory = (which: 'first' | 'last' | 'only', stageIndex: number): StageMemory => {
    const first = stageIndex * layersPerStage;
    const last = Math.min(spec.numLayers, first + layersPerStage);
    const moeLayers = moePrefix[last]! - moePrefix[first]!;
    const denseLayers = last - first - moeLayers;
    let denseParams = denseLayers * denseLayerParams + moeLayers * moeLayerDense;
    let expertParams = moeLayers * moeLayerExperts;
    let maxLayerWeights = Math.max(
      denseLayers > 0 ? denseLayerParams : 0,
      moeLayers > 0 ? moeLayerDense + moeLayerExperts : 0,
    );
    if (byKind) {
      // Hybrid, sparse and MLP-less models: each layer's own parameters (param-count.ts), routed
      // experts over TP × EP, the rest over TP.
      const kinds = stageLayerParams(first, last);
      denseParams = kinds.dense;
      expertParams = kinds.experts;
      maxLayerWeights = kinds.largest;
    }
    const decoderParams = denseParams + expertParams;
    let activations = stageActivations(first, last, denseLayers, moeLayers);
    const s = options.seqLen / layout.contextParallel;
    const b = layout.microBatchSize;
    const holdsEmbedding = which !== 'last';
    const holdsHead = which !== 'first';
    if (holdsEmbedding) {
      denseParams += (spec.vocabSize * h) / t + spec.learnedPositionEmbeddings * h;
      activations += 2 * s * b * h * (layout.sequenceParallel ? 1 / t : 1); // embedding output
    }
    if (holdsHead) {
      denseParams +=
        normParams(spec, h) + (spec.tieWordEmbeddings && which === 'only' ? 0 : (spec.vocabSize * h) / t);
    }
    activations *= inFlight;

    const zero = layout.zeroStage;
    const shard = (params: number, shards: number, stageMin: number, perParam: number) =>
      (params * perParam) / (zero >= stageMin ? shards : 1);
    const adapter = options.adapter;
    if (adapter) {
      // Frozen base: decoder matrices at the base format, embeddings/head/norms in BF16; only the
      // adapters (spread over the stage's share of layers) have gradients and optimizer states.
      const adapterParams = (adapter.trainableParams * ((last - first) / spec.numLayers)) / t;
      const embeddingParams = denseParams + expertParams - decoderParams;
      const frozen =
        shard(decoderParams, denseShards, 3, adapter.baseBytesPerParam) +
        shard(embeddingParams, denseShards, 3, 2);
      const weights = frozen + adapterParams * bytes.weight;
      const gradients = shard(adapterParams, denseShards, 2, bytes.gradient);
      // QLoRA trains BF16 adapters with paged 32-bit AdamW: 2 + 2 + 8 bytes, the 8 paged out.
      const optimizerStates = adapter.pagedOptimizer
        ? shard(adapterParams, denseShards, 1, OPTIMIZER_STATE_BYTES.adamw)
        : shard(adapterParams, denseShards, 1, optimizerBytes);
      // QLoRA dequantises one weight matrix at a time to BF16 for its GEMM (Dettmers et al. Sec. 3).
      const largestMatrix =
        Math.max(
          spec.hiddenSize * spec.mlp.intermediateSize,
          spec.moe ? spec.hiddenSize * spec.moe.expertIntermediateSize : 0,
        ) / t;
      const dequant = adapter.baseBytesPerParam < 1 ? 2 * largestMatrix : 0;
      const stage = finishStage(
        which,
        last - first,
        denseParams + expertParams,
        { weights, gradients, optimizerStates },
        activations,
        dequant,
        holdsHead,
        b,
        s,
      );
      if (!adapter.pagedOptimizer) return stage;
      // Paged: the peak is the larger of forward/backward (no states) and the update (no activations).
      const train = stage.totalBytes - optimizerStates;
      const update = weights + gradients + optimizerStates + overhead;
      return { ...stage, totalBytes: Math.max(train, update) };
    }
    const weights =
      paramCopies *
      (shard(denseParams, denseShards, 3, bytes.weight) + shard(expertParams, expertShards, 3, bytes.weight));
    const gradients =
      shard(denseParams, denseShards, 2, bytes.gradient) +
      shard(expertParams, expertShards, 2, bytes.gradient);
    const optimizerStates =
      shard(denseParams, denseShards, 1, optimizerBytes) +
      shard(expertParams, expertShards, 1, optimizerBytes);

    // ZeRO-3/FSDP all-gathers each layer's weights before use, prefetching the next: two layers live.
    const gathered = zero === 3 ? 2 * maxLayerWeights * bytes.weight : 0;
    return finishStage(
      which,
      last - first,
      denseParams + expertParams,
      { weights, gradients, optimizerStates },
      activations,
      gathered,
      holdsHead,
      b,
      s,
    );
  };

  const finishStage = (
    which: 'first' | 'last' | 'only',
    layers: number,
    paramsPerGpu: number,
    modelStates: ModelStateBytes,
    activations: number,
    extraBuffers: number,
    holdsHead: boolean,
    b: number,
    s: number,
  ): StageMemory => {
    let buffers = extraBuffers;
    // Full recomputation rebuilds one layer's activations at a time during the backward pass.
    if (layout.recompute === 'full') {
      const noRecompute = { ...layout, recompute: 'none' as const };
      buffers += byKind
        ? Math.max(
            ...layerKinds(spec).map(({ layer }) =>
              activationBytesPerLayer(spec, layer, noRecompute, actOptions),
            ),
          )
        : activationBytesPerLayer(spec, spec.moe ? 'moe' : 'dense', noRecompute, actOptions);
    }
    // MoE all-to-all send and receive buffers for one layer's dispatched tokens (BF16).
    if (spec.moe && layout.expertParallel > 1) buffers += 2 * 2 * s * b * spec.moe.topK * h;
    // Logits of one microbatch: BF16 logits plus FP32 for the softmax cross-entropy, vocab split over TP.
    if (holdsHead) buffers += (6 * s * b * spec.vocabSize) / t;

    const totalBytes =
      modelStates.weights +
      modelStates.gradients +
      modelStates.optimizerStates +
      activations +
      buffers +
      overhead;
    return {
      stage: which,
      layers,
      paramsPerGpu,
      modelStates,
      activations,
      buffers,
      frameworkOverhead: overhead,
      totalBytes,
    };
  };

  const stages =
    p === 1
      ? [stageMemory('only', 0)]
      : [stageMemory('first', 0), stageMemory('last', Math.ceil(spec.numLayers / layersPerStage) - 1)];
  const peak = stages.reduce((a, b) => (b.totalBytes > a.totalBytes ? b : a));
  return {
    peak,
    stages,
    microbatchesInFlight: inFlight,
    activationBytesPerLayer: largestLayerAct,
  };
}

const moePrefixCache = new WeakMap<ModelSpec, Int32Array>();

/** prefix[i] = number of MoE layers among the first i layers (cached per spec). */
export function moeLayerPrefix(spec: ModelSpec): Int32Array {
  let prefix = moePrefixCache.get(spec);
  if (!prefix) {
    prefix = new Int32Array(spec.numLayers + 1);
    for (let i = 0; i < spec.numLayers; i += 1)
      prefix[i + 1] = prefix[i]! + (spec.layers[i]!.mlp === 'moe' && spec.moe ? 1 : 0);
    moePrefixCache.set(spec, prefix);
  }
  return prefix;
}
