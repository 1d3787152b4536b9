/**
 * Training memory per GPU for a model, a parallel layout and a precision/optimizer recipe.
 *
 * Model states follow ZeRO (Rajbhandari et al. 2020, Sec. 3.1 and 5): mixed-precision AdamW holds
 * 2Ψ (BF16 weights) + 2Ψ (BF16 gradients) + 12Ψ (FP32 master, momentum, variance) = 16Ψ bytes;
 * ZeRO-1 shards the 12Ψ, ZeRO-2 also the gradients, ZeRO-3/FSDP also the weights, over DP × CP.
 * Activations generalise Korthikanti et al. 2022 (Eq. 1-6, Table 2) to GQA/MLA, gated and MoE MLPs.
 * Every pipeline stage is computed with the layers it holds as placed (with interleaving, stage i
 * holds chunks i, i + p, …) and the microbatches it keeps in flight; the most loaded one decides.
 */

import type { AdapterRuntime } from '../model/adapters.js';
import { layerKey, layerKinds } from '../model/flops.js';
import { hasNewLayerKinds } from '../model/layer-mix.js';
import { mixerActivationBytes } from '../model/operations.js';
import { attentionParams, mlpParams, normParams, paramCount } from '../model/param-count.js';
import { isAttentionMixer, type LayerSpec, type ModelSpec } from '../model/spec.js';
import { microbatchCount, type ParallelLayout } from '../parallelism/layout.js';
import { GIB } from '../units.js';

/** How a software stack's memory differs (catalog/stacks/; see training/stack.ts). */
export interface StackMemory {
  /** Bytes per (token × vocabulary entry) live at the loss: 6 for a fused vocab-parallel cross-entropy, ~16 for FP32-upcast logits and their gradient. */
  readonly logitsBytesPerElement: number;
  /** Element-wise ops run as separate eager kernels that each save their input (Hugging Face eager). */
  readonly unfusedElementwise: boolean;
  /** FP8 GEMM inputs are kept in FP8 for the backward pass (Transformer Engine). */
  readonly fp8ActivationCache: boolean;
  /** Caching-allocator reserve and fragmentation, as a fraction of the allocated bytes. */
  readonly allocatorReserveFraction: number;
  /** CUDA context, communicator buffers and workspace per GPU. */
  readonly frameworkOverheadBytes: number;
}

export const TRAINING_PRECISIONS = ['bf16', 'fp8', 'fp32'] as const;
export type TrainingPrecision = (typeof TRAINING_PRECISIONS)[number];
/**
 * Attention kernels: FlashAttention-2/3 (Dao 2023; Shah et al. 2024) and cuDNN's fused attention
 * never store the s × s scores; `unfused` (Megatron before FlashAttention, 2021–22) stores them.
 */
export const ATTENTION_KERNELS = ['flash2', 'flash3', 'cudnn', 'unfused'] as const;
export type AttentionKernel = (typeof ATTENTION_KERNELS)[number];
export const isFusedAttention = (kernel: AttentionKernel): boolean => kernel !== 'unfused';

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
  /**
   * Keep the inputs of FP8 GEMMs in FP8 for the backward pass, as Transformer Engine does
   * (default: on with FP8 precision). Attention's Q, K, V and norm inputs stay BF16.
   */
  readonly fp8ActivationCache?: boolean;
  /** LoRA/QLoRA/DoRA: the base is frozen (no gradients or optimizer states), only adapters train. */
  readonly adapter?: AdapterRuntime;
  /**
   * Only the stages that can be the peak (the first, the last, and the lowest rank of each distinct
   * layer mix: a later rank with the same layers holds fewer microbatches). For the layout search.
   */
  readonly peakOnly?: boolean;
  /** How the software stack allocates (catalog/stacks/); default: Megatron-Core's fused kernels. */
  readonly stack?: { readonly memory: StackMemory };
}

export interface ModelStateBytes {
  readonly weights: number;
  readonly gradients: number;
  readonly optimizerStates: number;
}

export interface StageMemory {
  readonly stage: 'first' | 'middle' | 'last' | 'only';
  /** Pipeline rank, 0-based. */
  readonly index: number;
  readonly layers: number;
  readonly moeLayers: number;
  /** Microbatches of this stage's layers whose activations it holds at its peak (Megatron's warm-up count + 1). */
  readonly microbatchesInFlight: number;
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
  /** Every pipeline stage, by rank. */
  readonly stages: readonly StageMemory[];
  /** Microbatches whose activations the first stage holds at once. */
  readonly microbatchesInFlight: number;
  readonly activationBytesPerLayer: number;
}

export interface ActivationOptions {
  readonly seqLen: number;
  readonly flashAttention: boolean;
  readonly dropout: boolean;
  /** Bytes per element of the GEMM inputs kept for the backward pass (2 BF16; 1 with FP8 caching). */
  readonly gemmInputBytes?: number;
  /** Eager element-wise ops that each save their input (Hugging Face modules without fusion). */
  readonly unfusedElementwise?: boolean;
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
  options: ActivationOptions,
): number {
  const kind: LayerSpec = typeof layer === 'string' ? { attention: 'full', mlp: layer } : layer;
  const t = layout.tensorParallel;
  const s = options.seqLen / layout.contextParallel;
  const b = layout.microBatchSize;
  const h = spec.hiddenSize;
  const sbh = s * b * h;
  // Tensors replicated across TP ranks unless sequence parallelism splits them (Korthikanti Sec. 4.2.2).
  const rep = layout.sequenceParallel ? 1 / t : 1;
  // GEMM inputs saved for the weight gradient: BF16, or FP8 as cast (Transformer Engine's FP8 recipe).
  const g = options.gemmInputBytes ?? 2;
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
    // Attention: input to QKV (2sbh), Q and K (Korthikanti's "QKᵀ: 4sbh" for MHA), V (BF16 for the
    // attention kernel), output-projection input.
    attention =
      g * sbh * rep +
      (2 * s * b * (heads * qkDim + kvHeads * qkDim + kvHeads * vDim) + g * s * b * heads * vDim) / t;
    // DSA: the indexer's projections' inputs and the selected keys (operations.ts).
    if (kind.attention === 'sparse') attention += mixerOpActivations(spec, kind, layout, options.seqLen);
    if (a.kind === 'mla')
      attention += g * s * b * ((a.qLoraRank ?? 0) + a.kvLoraRank + a.qkRopeHeadDim) * rep;
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
  // fc1 input, fc1 output(s) (BF16, the activation's input) and the activation output that feeds fc2:
  // 2+8+8 sbh for GPT's 4h MLP.
  const mlpTensors = (intermediate: number, gated: boolean) =>
    (s * b * intermediate * (2 * (gated ? 2 : 1) + g)) / t;
  let mlp: number;
  if (kind.mlp === 'none') {
    mlp = 0;
  } else if (kind.mlp === 'dense' || !spec.moe) {
    mlp = g * sbh * rep + mlpTensors(spec.mlp.intermediateSize, spec.mlp.gated) + mask * sbh * rep;
  } else {
    const moe = spec.moe;
    // Each token's copy in each of its top-k experts: dispatched input and expert MLP activations
    // (average load; expert tensor parallelism = TP), plus shared experts and FP32 router logits.
    mlp =
      moe.topK * (g * sbh + mlpTensors(moe.expertIntermediateSize, moe.gated)) +
      (moe.numSharedExperts > 0
        ? mlpTensors(moe.numSharedExperts * moe.sharedIntermediateSize, moe.gated)
        : 0) +
      g * sbh * rep +
      4 * s * b * moe.numExperts;
  }
  let eager = 0;
  if (options.unfusedElementwise) {
    // Hugging Face eager modules (transformers modeling_llama.py): RMSNorm saves its FP32 upcast for
    // pow and the multiply (+4sbh each, beyond the BF16 input); RoPE saves q and k and their
    // rotate_half copies (+2 × (q + k)); SwiGLU saves silu(gate) beside gate and up (+2sbI).
    eager =
      spec.norm.perLayer * 4 * sbh * rep +
      (softmax ? (2 * 2 * s * b * (heads + kvHeads) * qkDim) / t : 0) +
      (kind.mlp === 'none'
        ? 0
        : kind.mlp === 'moe' && spec.moe
          ? (spec.moe.topK * 2 * s * b * spec.moe.expertIntermediateSize) / t
          : (2 * s * b * spec.mlp.intermediateSize) / t);
  }
  return attention + norms + mlp + eager;
}

/**
 * Layers of each of the p·v model chunks, in model order: L/(p·v) each, the remainder one apiece to
 * the chunks after the first (the first stage also holds the embedding and the most activations).
 * With interleaving, chunk k runs on pipeline rank k mod p (Narayanan et al. 2021, Sec. 2.2.2).
 */
export function pipelineChunks(
  numLayers: number,
  pipelineParallel: number,
  virtualStages: number,
): { readonly first: number; readonly last: number }[] {
  const n = Math.min(numLayers, pipelineParallel * virtualStages);
  const base = Math.floor(numLayers / n);
  const extra = numLayers - base * n;
  const chunks: { first: number; last: number }[] = [];
  let at = 0;
  for (let k = 0; k < n; k += 1) {
    const size = base + (k >= 1 && k <= extra ? 1 : 0);
    chunks.push({ first: at, last: at + size });
    at += size;
  }
  return chunks;
}

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

/**
 * Microbatches of its own layers whose activations pipeline rank i holds at its peak: 1F1B keeps
 * p − i (Narayanan et al. 2021, Sec. 2.2.1); the interleaved schedule 2(p − i − 1) + (v − 1)p + 1
 * chunk-microbatches (Megatron-LM's warm-up count plus one), i.e. p(1 + (p − 1)/(pv)) on the first
 * stage (Korthikanti Sec. 4.2.3); DualPipe p + 1 on every rank (DeepSeek-V3 Table 2).
 */
export function stageMicrobatchesInFlight(
  layout: ParallelLayout,
  numMicrobatches: number,
  stage: number,
): number {
  const p = layout.pipelineParallel;
  if (p === 1) return 1;
  switch (layout.schedule) {
    case 'interleaved': {
      const v = layout.virtualStages;
      return Math.min(numMicrobatches * v, 2 * (p - stage - 1) + (v - 1) * p + 1) / v;
    }
    case 'dualpipe':
      return Math.min(p + 1, numMicrobatches);
    default:
      return Math.min(p - stage, numMicrobatches);
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
  const s = options.seqLen / layout.contextParallel;
  const b = layout.microBatchSize;
  const denseShards = layout.dataParallel * layout.contextParallel;
  const expertShards = Math.max(1, denseShards / layout.expertParallel);
  const bytes = PRECISION_BYTES[options.precision];
  const optimizerBytes = OPTIMIZER_STATE_BYTES[options.optimizer] + bytes.master;
  const numMicrobatches = microbatchCount(options.globalBatchSize, layout);
  const stack = options.stack?.memory;
  const fp8Cache = options.fp8ActivationCache ?? stack?.fp8ActivationCache ?? options.precision === 'fp8';
  const actOptions: ActivationOptions = {
    seqLen: options.seqLen,
    flashAttention,
    dropout,
    gemmInputBytes: options.precision === 'fp8' && fp8Cache ? 1 : 2,
    unfusedElementwise: stack?.unfusedElementwise ?? false,
  };
  const logitsBytes = stack?.logitsBytesPerElement ?? 6;
  const reserve = stack?.allocatorReserveFraction ?? 0;
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
  const stageActivations = (first: number, last: number): number => {
    if (!byKind) return 0;
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
  // The chunks a pipeline rank holds (chunk k on rank k mod p), for per-layer sums of hybrid models.
  const chunks = byKind ? pipelineChunks(spec.numLayers, p, p > 1 ? layout.virtualStages : 1) : [];
  const rankChunks = (index: number) => chunks.filter((_, k) => k % p === index);
  const largestLayerAct = byKind ? Math.max(...byKind.values()) : perLayerAct[spec.moe ? 'moe' : 'dense'];
  const overhead =
    options.frameworkOverheadBytes ?? stack?.frameworkOverheadBytes ?? DEFAULT_FRAMEWORK_OVERHEAD_BYTES;
  // DualPipe keeps two copies of the parameters (DeepSeek-V3 Table 2: 2× parameters).
  const paramCopies = layout.schedule === 'dualpipe' ? 2 : 1;
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
  const zero = layout.zeroStage;
  const shard = (params: number, shards: number, stageMin: number, perParam: number) =>
    (params * perParam) / (zero >= stageMin ? shards : 1);

  const finishStage = (o: {
    readonly index: number;
    readonly layers: number;
    readonly moeLayers: number;
    readonly inFlight: number;
    readonly paramsPerGpu: number;
    readonly modelStates: ModelStateBytes;
    readonly activations: number;
    /** ZeRO-3 gathered weights or QLoRA dequantisation buffers. */
    readonly extraBuffers: number;
    readonly holdsHead: boolean;
  }): StageMemory => {
    let buffers = o.extraBuffers;
    // Full recomputation rebuilds one layer's activations at a time during the backward pass.
    if (layout.recompute === 'full') {
      const noRecompute = { ...layout, recompute: 'none' as const };
      buffers += byKind
        ? Math.max(
            ...layerKinds(spec).map(({ layer }) =>
              activationBytesPerLayer(spec, layer, noRecompute, actOptions),
            ),
          )
        : activationBytesPerLayer(spec, o.moeLayers > 0 ? 'moe' : 'dense', noRecompute, actOptions);
    }
    // MoE all-to-all send and receive buffers for one layer's dispatched tokens (BF16).
    if (moe && o.moeLayers > 0 && layout.expertParallel > 1) buffers += 2 * 2 * s * b * moe.topK * h;
    // Logits of one microbatch at the loss, vocab split over TP: 6 bytes per element for a fused
    // cross-entropy (BF16 logits + FP32 softmax), more where the stack upcasts them (catalog/stacks/).
    if (o.holdsHead) buffers += (logitsBytes * s * b * spec.vocabSize) / t;
    const { weights, gradients, optimizerStates } = o.modelStates;
    return {
      stage: p === 1 ? 'only' : o.index === 0 ? 'first' : o.index === p - 1 ? 'last' : 'middle',
      index: o.index,
      layers: o.layers,
      moeLayers: o.moeLayers,
      microbatchesInFlight: o.inFlight,
      paramsPerGpu: o.paramsPerGpu,
      modelStates: o.modelStates,
      activations: o.activations,
      buffers,
      frameworkOverhead: overhead,
      // The caching allocator reserves more than it hands out (the stack's reserve fraction).
      totalBytes:
        (weights + gradients + optimizerStates + o.activations + buffers) * (1 + reserve) + overhead,
    };
  };

  const { layersOf, moeLayersOf } = rankLayers(spec, p, p > 1 ? layout.virtualStages : 1);
  const stageMemory = (index: number): StageMemory => {
    const layers = layersOf[index]!;
    const moeLayers = moeLayersOf[index]!;
    const denseLayers = layers - moeLayers;
    let denseParams = denseLayers * denseLayerParams + moeLayers * moeLayerDense;
    let expertParams = moeLayers * moeLayerExperts;
    let maxLayerWeights = Math.max(
      denseLayers > 0 ? denseLayerParams : 0,
      moeLayers > 0 ? moeLayerDense + moeLayerExperts : 0,
    );
    if (byKind) {
      // Hybrid, sparse and MLP-less models: each layer's own parameters (param-count.ts), routed
      // experts over TP × EP, the rest over TP, summed over the chunks this rank holds.
      let dense = 0;
      let experts = 0;
      let largest = 0;
      for (const chunk of rankChunks(index)) {
        const kinds = stageLayerParams(chunk.first, chunk.last);
        dense += kinds.dense;
        experts += kinds.experts;
        largest = Math.max(largest, kinds.largest);
      }
      denseParams = dense;
      expertParams = experts;
      maxLayerWeights = largest;
    }
    const decoderParams = denseParams + expertParams;
    const inFlight = stageMicrobatchesInFlight(layout, numMicrobatches, index);
    let activations = 0;
    if (byKind)
      for (const chunk of rankChunks(index)) activations += stageActivations(chunk.first, chunk.last);
    else activations = denseLayers * perLayerAct.dense + moeLayers * perLayerAct.moe;
    const holdsEmbedding = index === 0;
    const holdsHead = index === p - 1;
    if (holdsEmbedding) {
      denseParams += (spec.vocabSize * h) / t + spec.learnedPositionEmbeddings * h;
      activations += 2 * s * b * h * (layout.sequenceParallel ? 1 / t : 1); // embedding output
    }
    if (holdsHead) {
      denseParams += normParams(spec, h) + (spec.tieWordEmbeddings && p === 1 ? 0 : (spec.vocabSize * h) / t);
    }
    activations *= inFlight;
    const paramsPerGpu = denseParams + expertParams;

    const adapter = options.adapter;
    if (adapter) {
      // Frozen base: decoder matrices at the base format, embeddings/head/norms in BF16; only the
      // adapters (spread over the stage's share of layers) have gradients and optimizer states.
      const adapterParams = (adapter.trainableParams * (layers / spec.numLayers)) / t;
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
      const result = finishStage({
        index,
        layers,
        moeLayers,
        inFlight,
        paramsPerGpu,
        holdsHead,
        modelStates: { weights, gradients, optimizerStates },
        activations,
        extraBuffers: adapter.baseBytesPerParam < 1 ? 2 * largestMatrix : 0,
      });
      if (!adapter.pagedOptimizer) return result;
      // Paged: the peak is the larger of forward/backward (no states) and the update (no activations).
      const train = result.totalBytes - optimizerStates;
      const update = weights + gradients + optimizerStates + overhead;
      return { ...result, totalBytes: Math.max(train, update) };
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
    return finishStage({
      index,
      layers,
      moeLayers,
      inFlight,
      paramsPerGpu,
      holdsHead,
      modelStates: { weights, gradients, optimizerStates },
      activations,
      extraBuffers: zero === 3 ? 2 * maxLayerWeights * bytes.weight : 0,
    });
  };

  let ranks = Array.from({ length: p }, (_, i) => i);
  if (options.peakOnly && p > 2) {
    const seen = new Set<number>();
    ranks = ranks.filter((i) => {
      if (i === 0 || i === p - 1) return true;
      const key = layersOf[i]! * 65536 + moeLayersOf[i]!;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
  const stages = ranks.map((i) => stageMemory(i));
  const peak = stages.reduce((a, c) => (c.totalBytes > a.totalBytes ? c : a));
  return {
    peak,
    stages,
    microbatchesInFlight: stages[0]!.microbatchesInFlight,
    activationBytesPerLayer: largestLayerAct,
  };
}

const rankLayersCache = new WeakMap<
  ModelSpec,
  Map<number, { layersOf: Int32Array; moeLayersOf: Int32Array }>
>();

/** Layers and MoE layers held by each pipeline rank with chunks placed round-robin (cached per spec). */
function rankLayers(
  spec: ModelSpec,
  p: number,
  v: number,
): { readonly layersOf: Int32Array; readonly moeLayersOf: Int32Array } {
  let bySplit = rankLayersCache.get(spec);
  if (!bySplit) {
    bySplit = new Map();
    rankLayersCache.set(spec, bySplit);
  }
  const key = p * 4096 + v;
  let hit = bySplit.get(key);
  if (!hit) {
    const prefix = moeLayerPrefix(spec);
    const chunks = pipelineChunks(spec.numLayers, p, v);
    const layersOf = new Int32Array(p);
    const moeLayersOf = new Int32Array(p);
    chunks.forEach((chunk, k) => {
      layersOf[k % p]! += chunk.last - chunk.first;
      moeLayersOf[k % p]! += prefix[chunk.last]! - prefix[chunk.first]!;
    });
    hit = { layersOf, moeLayersOf };
    bySplit.set(key, hit);
  }
  return hit;
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

export type MemoryTerm = 'weights' | 'gradients' | 'optimizerStates' | 'activations' | 'buffers';

/** How to shrink each term of a stage's memory (what the layout, optimizer or stack can change). */
const CUTS: Readonly<Record<MemoryTerm, string>> = {
  weights: 'more tensor, pipeline or expert parallelism, or ZeRO-3/FSDP',
  gradients: 'ZeRO-2 (gradients sharded over data parallelism), or more tensor/pipeline parallelism',
  optimizerStates:
    'ZeRO-1 (distributed optimizer) over more data-parallel ranks, or smaller optimizer states (adamw-bf16-moments or adam-8bit)',
  activations:
    'recomputation (selective or full), a smaller micro-batch, sequence or context parallelism, or FP8 activation caching',
  buffers: 'more tensor parallelism (logits and gathered weights split over TP) or a smaller micro-batch',
};

/** The largest term of a stage's memory, its bytes, and what cuts it. */
export function largestMemoryTerm(stage: StageMemory): {
  readonly term: MemoryTerm;
  readonly bytes: number;
  readonly cut: string;
} {
  const terms: [MemoryTerm, number][] = [
    ['weights', stage.modelStates.weights],
    ['gradients', stage.modelStates.gradients],
    ['optimizerStates', stage.modelStates.optimizerStates],
    ['activations', stage.activations],
    ['buffers', stage.buffers],
  ];
  const [term, bytes] = terms.reduce((a, c) => (c[1] > a[1] ? c : a));
  return { term, bytes, cut: CUTS[term] };
}
