/**
 * Inference memory per GPU: weights at a serving precision, the KV cache of the attention layers
 * and the constant recurrent state of linear-attention/Mamba layers for a batch of sequences, an
 * activation workspace for a prefill chunk, and the framework overhead; `memoryFit` says whether it fits.
 */
import type { HardwareSpec } from '../hardware/hardware-spec.js';
import type { Drafter } from '../model/drafter.js';
import { eagleHeadParams } from '../model/eagle-head.js';
import { layerKinds } from '../model/flops.js';
import { headShareOnGpu, kvCacheBytes, recurrentStateBytes } from '../model/kv-cache.js';
import {
  type ExpertAlignment,
  expertPaddingRatio,
  servingExpertTensorParallel,
} from '../model/operation-types.js';
import { replicatedByLayer } from '../model/operations.js';
import {
  encoderParamCount,
  mtpLayer,
  mtpParams,
  mtpRoutedExpertParams,
  paramCount,
} from '../model/param-count.js';
import type { LayerSpec, ModelSpec } from '../model/spec.js';
import {
  bytesPerElement,
  type KvFormat,
  sparseWeightBytes,
  type WeightFormat,
  type WeightSparsity,
} from '../precision.js';
import { rankLayers } from './pipeline-placement.js';
import { DEFAULT_FRAMEWORK_OVERHEAD_BYTES } from './training-memory.js';

/** Tokens of one chunked-prefill step sized for the workspace (vLLM's default max_num_batched_tokens). */
export const DEFAULT_PREFILL_CHUNK_TOKENS = 8192;

export interface InferenceMemoryOptions {
  readonly weightFormat: WeightFormat;
  /** The attention projections' format where the checkpoint ships them otherwise (serving-step.ts Replica); default `weightFormat`. */
  readonly attentionWeightFormat?: WeightFormat;
  /** Routed experts padded as the engine's weight-only MoE kernel lays them out (serving-step.ts Replica); absent: unpadded. */
  readonly expertAlignment?: ExpertAlignment;
  /** Sparsity of the decoder's matrices (default none). */
  readonly weightSparsity?: WeightSparsity;
  readonly kvFormat: KvFormat;
  /** Concurrent sequences. */
  readonly batchSize: number;
  /** Tokens per sequence held in the KV cache (prompt + generated). */
  readonly contextTokens: number;
  readonly tensorParallel: number;
  readonly expertParallel?: number;
  /** Experts whole on each of the TP GPUs (serving-step.ts Replica.epInTp), not sliced over them. */
  readonly epInTp?: boolean;
  /** Pipeline stages the layers split into (default 1): the most loaded stage's GPU is reported. */
  readonly pipelineParallel?: number;
  /** With `pipelineParallel`: report this stage (0-based) instead of the most loaded one. */
  readonly pipelineStage?: number;
  /** Redundant expert slots over the TP × EP GPUs (EPLB copies): each GPU holds its share of them too. Only of whole experts. */
  readonly redundantExperts?: number;
  readonly prefillChunkTokens?: number;
  /**
   * The sampler's FP32 logits of the batch: copies held (default 1) and whether every TP rank holds the
   * whole vocabulary (default false: its 1/TP slice).
   */
  readonly logits?: {
    readonly copies: number;
    readonly onEveryRank: boolean;
    /** The sampler runs after the forward has freed its activations: the workspace is the larger of the two, not their sum. */
    readonly afterForward: boolean;
  };
  readonly frameworkOverheadBytes?: number;
  /**
   * The drafter of speculative decoding loaded beside the model: its weights and KV cache (the model's MTP
   * modules, `--mtp`, or a draft model, `--draft-model`).
   */
  readonly drafter?: Drafter;
}

export interface InferenceMemory {
  /** The decoder's weights (what a decode step streams). */
  readonly weightsBytes: number;
  /** A multimodal model's vision and audio encoders (0 for a text-only model). */
  readonly encoderWeightsBytes: number;
  /** KV of the softmax-attention layers (sliding/chunked layers capped at their window/chunk). */
  readonly kvCacheBytes: number;
  /** Constant conv + SSM/delta-rule state of linear-attention and Mamba layers, for the batch. */
  readonly recurrentStateBytes: number;
  readonly workspaceBytes: number;
  readonly frameworkOverheadBytes: number;
  readonly totalBytes: number;
}

/** Headroom of a per-GPU total on a GPU; negative when it does not fit. */
export function memoryFit(
  totalBytes: number,
  gpu: Pick<HardwareSpec, 'memoryBytes'>,
): { fits: boolean; headroomBytes: number } {
  const headroomBytes = gpu.memoryBytes - totalBytes;
  return { fits: headroomBytes >= 0, headroomBytes };
}

/**
 * What a drafter adds per GPU: weights and the KV cache and recurrent state of its layers. MTP modules
 * (param-count.ts mtpParams): routed experts over TP × EP, the rest over TP, at the model's weight format,
 * their decoder layers caching keys and values like the model's. A draft model: its own weights, KV and
 * state as this function counts a model (without encoders), on the same TP and EP, at its own weight format.
 * An EAGLE head: its parameters (eagle-head.ts eagleHeadParams) at its weight format, its layers' KV cache.
 */
function drafterBytes(
  spec: ModelSpec,
  drafter: Drafter,
  options: InferenceMemoryOptions,
  matrixBytes: number,
  cached: (s: ModelSpec) => number,
): { weights: number; kv: number; state: number } {
  const tp = options.tensorParallel;
  if (drafter.kind === 'model') {
    const m = inferenceMemory(drafter.spec, {
      ...options,
      weightFormat: drafter.weightFormat,
      weightSparsity: undefined,
      drafter: undefined,
    });
    return { weights: m.weightsBytes, kv: m.kvCacheBytes, state: m.recurrentStateBytes };
  }
  if (drafter.kind === 'eagle') {
    // Its layers, embedding-half q/k/v and own head over TP; fc whole on every rank; its layers' KV cache.
    const { sharded, replicated } = eagleHeadParams(drafter.head);
    const bytes = bytesPerElement(drafter.weightFormat);
    return {
      weights: (sharded * bytes) / tp + replicated * bytes,
      kv: options.batchSize * cached(drafter.head.spec),
      state: 0,
    };
  }
  const n = spec.numMtpModules;
  const routed = mtpRoutedExpertParams(spec);
  const weights =
    ((mtpParams(spec) - routed) * matrixBytes) / tp +
    (routed * matrixBytes) / (tp * (options.expertParallel ?? 1));
  const layers: ModelSpec = { ...spec, numLayers: n, layers: Array<LayerSpec>(n).fill(mtpLayer(spec)) };
  return { weights, kv: options.batchSize * cached(layers), state: 0 };
}

/**
 * Per-GPU inference memory. Quantized formats apply to the decoder's matrices; the embedding, the
 * output head, norms and a multimodal model's encoders stay in BF16, as AWQ/GPTQ/FP8 checkpoints ship
 * them. MLA's latent cache and the matrices every rank runs whole (MLA down-projections, the router)
 * are replicated on every TP rank; GQA KV heads are split over TP (replicated when TP exceeds them).
 */
export function inferenceMemory(spec: ModelSpec, options: InferenceMemoryOptions): InferenceMemory {
  const pp = options.pipelineParallel ?? 1;
  if (pp > 1 && options.pipelineStage === undefined) {
    // Every stage is checked; the most loaded one decides the fit.
    let worst: InferenceMemory | null = null;
    for (let stage = 0; stage < pp; stage += 1) {
      const m = inferenceMemory(spec, { ...options, pipelineStage: stage });
      if (worst === null || m.totalBytes > worst.totalBytes) worst = m;
    }
    return worst!;
  }
  const tp = options.tensorParallel;
  const ep = options.expertParallel ?? 1;
  // EPLB's redundant copies: (experts + copies) / experts of the routed weights spread over the GPUs
  // (whole experts over EP ranks or the TP group; expert-placement.ts refuses copies of sliced experts).
  const slotsPerExpert = spec.moe ? 1 + (options.redundantExperts ?? 0) / spec.moe.numExperts : 1;
  const params = paramCount(spec);
  const b = params.breakdown;
  const keptBf16 =
    b.embedding + b.positionEmbedding + b.head + b.norms + (b.perLayerEmbedding ?? 0) + (b.lookupTables ?? 0);
  const matrices = params.totalParams - keptBf16 - b.routedExperts;
  const matrixBytes = sparseWeightBytes(bytesPerElement(options.weightFormat), options.weightSparsity);
  const bf16 = options.weightFormat === 'fp32' ? 4 : 2;
  // A multimodal model's vision and audio encoders load beside the decoder, in BF16 (quantized
  // checkpoints keep them so) and split over TP as vLLM's towers shard their linear layers.
  const encoderWeightsBytes = (encoderParamCount(spec) * bf16) / tp;
  // Matrices every TP rank runs whole (vLLM's ReplicatedLinear: MLA's q_a/kv_a, the router) load whole.
  const replicated = replicatedByLayer(spec).reduce((sum, params) => sum + params, 0);
  // Each layer's share on one TP rank (kv-cache.ts kvShareOnGpu; per layer: Nemotron-NAS KV heads,
  // Gemma 4 global layers; KV-shared layers hold none); sparse layers' indexer keys whole on every rank.
  const cached = (s: ModelSpec) =>
    kvCacheBytes(s, options.contextTokens, options.kvFormat, tp).bytesPerSequence;
  const drafter = options.drafter
    ? drafterBytes(spec, options.drafter, options, matrixBytes, cached)
    : { weights: 0, kv: 0, state: 0 };
  // Attention projections the checkpoint left at another format (gpt-oss: BF16 beside MXFP4 experts),
  // and with them the matrices every rank holds whole (MLA's down-projections, the router).
  const attentionBytes =
    options.attentionWeightFormat === undefined
      ? matrixBytes
      : sparseWeightBytes(bytesPerElement(options.attentionWeightFormat), options.weightSparsity);
  // Experts whole on a GPU (EP, or EP inside TP) or sliced over TP: each one's intermediate width per partition.
  const expertPadding =
    spec.moe && options.expertAlignment
      ? expertPaddingRatio(
          spec.moe.expertIntermediateSize / servingExpertTensorParallel(tp, ep, options.epInTp),
          spec.hiddenSize,
          options.expertAlignment,
        )
      : 1;
  const weightsBytes =
    (keptBf16 * bf16 + matrices * matrixBytes + b.attention * (attentionBytes - matrixBytes)) / tp +
    replicated * attentionBytes * (1 - 1 / tp) +
    (b.routedExperts * expertPadding * slotsPerExpert * matrixBytes) / (tp * ep) +
    drafter.weights;
  const kvBytes = options.batchSize * cached(spec) + drafter.kv;
  // Linear-attention and Mamba states are split over TP by head, like GQA KV heads (vLLM shards
  // the gated-delta-net and mamba2 state by head); they do not grow with the context.
  const stateHeads = spec.linearAttention?.numValueHeads ?? spec.stateSpace?.numHeads ?? 1;
  const stateShare = headShareOnGpu(stateHeads, tp);
  const stateBytes =
    options.batchSize * recurrentStateBytes(spec).bytesPerSequence * stateShare + drafter.state;

  // Workspace: hidden states, QKV and MLP intermediates of one prefill chunk (BF16), plus FP32 logits
  // for the last token of each sequence in the batch (as many copies as the engine's sampler holds, on
  // every rank where it gathers the vocabulary; the larger of the two where the sampler runs after the
  // forward has freed its activations).
  const chunk = Math.min(
    options.prefillChunkTokens ?? DEFAULT_PREFILL_CHUNK_TOKENS,
    options.batchSize * options.contextTokens,
  );
  const intermediate = spec.moe ? spec.moe.expertIntermediateSize * spec.moe.topK : spec.mlp.intermediateSize;
  const forwardBytes = 2 * chunk * (4 * spec.hiddenSize + (3 * intermediate) / tp);
  const logitsBytes =
    (4 * (options.logits?.copies ?? 1) * options.batchSize * spec.vocabSize) /
    (options.logits?.onEveryRank ? 1 : tp);
  const workspaceBytes = options.logits?.afterForward
    ? Math.max(forwardBytes, logitsBytes)
    : forwardBytes + logitsBytes;

  const frameworkOverheadBytes = options.frameworkOverheadBytes ?? DEFAULT_FRAMEWORK_OVERHEAD_BYTES;
  const whole = {
    weightsBytes,
    encoderWeightsBytes,
    kvCacheBytes: kvBytes,
    recurrentStateBytes: stateBytes,
    workspaceBytes,
    frameworkOverheadBytes,
  };
  const held = pp > 1 ? onStage(spec, options, whole, drafter, bf16) : whole;
  return { ...held, totalBytes: Object.values(held).reduce((sum, bytes) => sum + bytes, 0) };
}

/**
 * One pipeline stage's share of a replica's memory (vLLM's get_pp_indices: contiguous layers, the remainder
 * spread; pipeline-placement.ts): the weights, KV cache and recurrent state of its own layers; the input
 * embedding and the encoders on the first stage; the output head (the embedding's copy when tied), the
 * drafter and its cache on the last. The workspace is counted whole on every stage.
 */
function onStage(
  spec: ModelSpec,
  options: InferenceMemoryOptions,
  whole: Omit<InferenceMemory, 'totalBytes'>,
  drafter: { weights: number; kv: number; state: number },
  bf16: number,
): Omit<InferenceMemory, 'totalBytes'> {
  const pp = options.pipelineParallel ?? 1;
  const stage = options.pipelineStage ?? 0;
  const first = stage === 0;
  const last = stage === pp - 1;
  const params = paramCount(spec);
  const b = params.breakdown;
  const tp = options.tensorParallel;
  const input =
    (b.embedding + b.positionEmbedding + (b.perLayerEmbedding ?? 0) + (b.lookupTables ?? 0)) * bf16;
  const head = (spec.tieWordEmbeddings ? b.embedding : b.head) * bf16;
  const layerWeights = whole.weightsBytes - drafter.weights - (input + b.head * bf16) / tp;
  const placed = rankLayers(spec, pp, 1);
  const total = params.perLayer.reduce((sum, l) => sum + l.totalParams, 0);
  const own = placed.weightLayersOf[stage]!.reduce((sum, i) => sum + params.perLayer[i]!.totalParams, 0);
  // KV and state by the kinds of layer the stage runs, each kind's bytes from a one-layer model.
  const counts = placed.kindCountsOf[stage]!;
  let kv = 0;
  let state = 0;
  layerKinds(spec).forEach(({ layer }, k) => {
    if (counts[k] === 0) return;
    const one: ModelSpec = { ...spec, numLayers: 1, layers: [layer] };
    kv += counts[k]! * kvCacheBytes(one, options.contextTokens, options.kvFormat, tp).bytesPerSequence;
    state += counts[k]! * recurrentStateBytes(one).bytesPerSequence;
  });
  const stateHeads = spec.linearAttention?.numValueHeads ?? spec.stateSpace?.numHeads ?? 1;
  return {
    weightsBytes:
      (total > 0 ? (layerWeights * own) / total : 0) +
      ((first ? input : 0) + (last ? head : 0)) / tp +
      (last ? drafter.weights : 0),
    encoderWeightsBytes: first ? whole.encoderWeightsBytes : 0,
    kvCacheBytes: options.batchSize * kv + (last ? drafter.kv : 0),
    recurrentStateBytes:
      options.batchSize * state * headShareOnGpu(stateHeads, tp) + (last ? drafter.state : 0),
    workspaceBytes: whole.workspaceBytes,
    frameworkOverheadBytes: whole.frameworkOverheadBytes,
  };
}
