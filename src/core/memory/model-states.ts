/**
 * Model-state bytes of one GPU of a pipeline stage: weights, gradients and optimizer states, sharded
 * as ZeRO does (Rajbhandari et al. 2020, Sec. 5: stage 1 shards the optimizer states, 2 also the
 * gradients, 3 also the weights), for full training and for a frozen base with trainable adapters
 * (LoRA, Hu et al. 2021; QLoRA, Dettmers et al. 2023). Split out of training-memory.ts.
 */
import type { AdapterRuntime } from '../model/adapters.js';
import type { RecomputeMode } from '../parallelism/layout.js';
import { inParamDtype, OPTIMIZER_STATE_BYTES, type OptimizerShard } from './training-recipes.js';

export interface ModelStateBytes {
  readonly weights: number;
  readonly gradients: number;
  readonly optimizerStates: number;
}

/** A stage's model states and what they add beside them. */
export interface StageStates {
  readonly modelStates: ModelStateBytes;
  /** Of `modelStates.weights`: the trainable bytes beside a frozen base (adapters, modules_to_save copies; 0 without an adapter). */
  readonly adapterWeights: number;
  /** ZeRO-3 gathered weights or QLoRA dequantisation buffers. */
  readonly extraBuffers: number;
  /** Optimizer states paged to CPU memory outside the update (QLoRA's paged AdamW). */
  readonly pagedOptimizer: boolean;
  /** What the optimizer steps on this GPU (training-recipes.ts optimizerStepBytes). */
  readonly optimizerShard: OptimizerShard;
}

export interface StageParams {
  /** Decoder parameters of one GPU of the stage, after TP sharding: dense (incl. attention) and routed experts. */
  readonly denseParams: number;
  readonly expertParams: number;
  /** Embedding, head and final norm held by this stage (after TP sharding). */
  readonly embeddingParams: number;
  /** A multimodal model's vision and audio encoders on this stage (after TP sharding); absent = none. */
  readonly encoderParams?: number;
  /** Layers of this stage and of the whole model (the adapters spread evenly over layers). */
  readonly layers: number;
  readonly numLayers: number;
  /** The largest layer's parameters on one GPU (for ZeRO-3's gathered buffers). */
  readonly maxLayerParams: number;
  /** The largest weight matrix on one GPU (QLoRA dequantises one at a time). */
  readonly largestMatrixParams: number;
}

export interface ShardOptions {
  readonly zeroStage: 0 | 1 | 2 | 3;
  readonly tensorParallel: number;
  /** DP × CP: the ranks dense states shard over; experts shard over DP × CP / EP. */
  readonly denseShards: number;
  readonly expertShards: number;
  /** The GPUs a layer's routed experts split over (EP × expert TP); default the TP. */
  readonly expertSlices?: number;
  /** Bytes per parameter of the compute weights, the gradients and (with the master copy) the optimizer. */
  readonly weightBytes: number;
  readonly gradientBytes: number;
  readonly optimizerBytes: number;
  /** Bytes per parameter of the optimizer's second moment (training-recipes.ts SECOND_MOMENT_BYTES). */
  readonly secondMomentBytes: number;
  /** DualPipe keeps two copies of the parameters (DeepSeek-V3 Table 2). */
  readonly paramCopies: number;
  /**
   * Optimizer bytes per parameter of the embedding and head `modules_to_save` copies, without and with
   * ZeRO (training-recipes.ts tableOptimizerBytes); absent: `optimizerBytes`.
   */
  readonly tableOptimizerBytes?: { readonly native: number; readonly sharded: number };
  /** Bytes per parameter of ZeRO-3's all-gathered compute weights (default `weightBytes`). */
  readonly gatheredWeightBytes?: number;
  /**
   * FSDP with pipeline parallelism (StackMemory.fsdp): the stage's weights stay all-gathered through
   * the step and unsharded gradients accumulate at this many bytes per parameter (0: resharded).
   */
  readonly unshardedGradientBytes?: number;
}

/** Bytes of `params` parameters at `perParam` bytes, sharded over `shards` from ZeRO stage `stageMin` on. */
const shard = (o: ShardOptions, params: number, shards: number, stageMin: number, perParam: number) =>
  (params * perParam) / (o.zeroStage >= stageMin ? shards : 1);

/** ZeRO-3/FSDP all-gathers each layer's weights before use, prefetching the next: two layers live. */
const gatheredLayersBytes = (p: StageParams, bytesPerParam: number) => 2 * p.maxLayerParams * bytesPerParam;

/** Every weight trains: weights, gradients and optimizer states of dense and expert parameters. */
export function fullTrainingStates(p: StageParams, o: ShardOptions): StageStates {
  const dense = p.denseParams + p.embeddingParams + (p.encoderParams ?? 0);
  const both = (stageMin: number, perParam: number) =>
    shard(o, dense, o.denseShards, stageMin, perParam) +
    shard(o, p.expertParams, o.expertShards, stageMin, perParam);
  const gathered = o.gatheredWeightBytes ?? o.weightBytes;
  // FSDP2 under pipeline parallelism (torchtitan `apply_fsdp`: reshard_after_forward=False with PP;
  // torch.distributed.pipelining skips the gradient reduce-scatter before the last micro-batch and
  // FSDPParam.to_accumulated_grad_if_needed upcasts the unsharded gradient to the FP32 reduce dtype).
  const unsharded = o.zeroStage === 3 && (o.unshardedGradientBytes ?? 0) > 0;
  const stageParams = dense + p.expertParams;
  return {
    modelStates: {
      weights: o.paramCopies * both(3, o.weightBytes),
      gradients: both(2, o.gradientBytes) + (unsharded ? stageParams * o.unshardedGradientBytes! : 0),
      optimizerStates: both(1, o.optimizerBytes),
    },
    adapterWeights: 0,
    // ZeRO-3/FSDP all-gathers each layer's weights before use, prefetching the next: two layers live
    // (or, kept unsharded, every layer of the stage).
    extraBuffers:
      o.zeroStage !== 3 ? 0 : unsharded ? stageParams * gathered : gatheredLayersBytes(p, gathered),
    pagedOptimizer: false,
    optimizerShard: { elements: both(1, 1), secondMomentBytes: both(1, o.secondMomentBytes) },
  };
}

/** How a stack's adapter library lays out a LoRA run (StackMemory.peft). */
export interface PeftMemory {
  /** Adapter weights and their gradients in FP32 (PEFT's `autocast_adapter_dtype`, default on). */
  readonly fp32Adapters?: boolean;
  /**
   * A quantised (k-bit) base keeps its unquantised parameters — embeddings, head, norms — in FP32
   * (PEFT's `prepare_model_for_kbit_training`, which TRL's SFTTrainer calls for 4-bit models); not a
   * GPTQ base, which that function leaves as loaded (peft v0.5.0 utils/other.py: `if not is_gptq_quantized`).
   */
  readonly kbitUpcastsToFp32?: boolean;
}

/**
 * Frozen base: decoder matrices at the base format, embeddings/head/norms in BF16 (FP32 for an NF4
 * base under `kbitUpcastsToFp32`); only the adapters (spread over the stage's share of layers) have
 * gradients and optimizer states.
 */
export function adapterTrainingStates(
  p: StageParams,
  o: ShardOptions,
  adapter: AdapterRuntime,
  peft: PeftMemory = {},
  recompute: RecomputeMode = 'full',
): StageStates {
  // Adapters live beside the matrices they adapt: the experts' over EP × ETP with them, the rest over TP;
  // ZeRO shards each as the base's (dense over DP·CP, experts over the expert DP ranks).
  const layerShare = p.layers / p.numLayers;
  const denseAdapter =
    ((adapter.trainableParams - adapter.trainableExpertParams) * layerShare) / o.tensorParallel;
  const expertAdapter = (adapter.trainableExpertParams * layerShare) / (o.expertSlices ?? o.tensorParallel);
  const adapterShard = (stageMin: number, perParam: number) =>
    shard(o, denseAdapter, o.denseShards, stageMin, perParam) +
    shard(o, expertAdapter, o.expertShards, stageMin, perParam);
  const embeddingBytes = adapter.quantizedBase === 'nf4' && peft.kbitUpcastsToFp32 ? 4 : 2;
  // Frozen experts shard as trained ones do, over the expert data-parallel ranks (DP × CP / EP).
  const frozen =
    shard(o, p.denseParams, o.denseShards, 3, adapter.baseBytesPerParam) +
    shard(o, p.expertParams, o.expertShards, 3, adapter.baseBytesPerParam) +
    shard(o, p.embeddingParams + (p.encoderParams ?? 0), o.denseShards, 3, embeddingBytes);
  const adapterBytes = peft.fp32Adapters ? 4 : o.weightBytes;
  const adapterWeights = adapterShard(3, adapterBytes);
  // modules_to_save (AdapterSpec.trainEmbeddings): a trainable copy of the stage's embedding and head
  // beside the frozen originals (PEFT ModulesToSaveWrapper deep-copies the module), in the compute
  // dtype; torch's AdamW keeps moments in that dtype, a ZeRO engine an FP32 master and moments.
  const tables = adapter.trainableEmbeddingParams > 0 ? p.embeddingParams : 0;
  const tableOptimizer = o.tableOptimizerBytes?.[o.zeroStage >= 1 ? 'sharded' : 'native'] ?? o.optimizerBytes;
  const trainableWeights = adapterWeights + shard(o, tables, o.denseShards, 3, o.weightBytes);
  return {
    modelStates: {
      weights: frozen + trainableWeights,
      gradients:
        adapterShard(2, peft.fp32Adapters ? 4 : o.gradientBytes) +
        shard(o, tables, o.denseShards, 2, o.gradientBytes),
      // QLoRA trains BF16 adapters with paged 32-bit AdamW: 2 + 2 + 8 bytes, the 8 paged out.
      optimizerStates:
        (adapter.pagedOptimizer
          ? adapterShard(1, OPTIMIZER_STATE_BYTES.adamw)
          : adapterShard(1, o.optimizerBytes)) + shard(o, tables, o.denseShards, 1, tableOptimizer),
    },
    adapterWeights: trainableWeights,
    // ZeRO-3/FSDP all-gathers the frozen layers as it does trained ones: two layers live at the base format.
    extraBuffers:
      dequantizationBuffers(p, adapter, recompute) +
      (o.zeroStage === 3 ? gatheredLayersBytes(p, adapter.baseBytesPerParam) : 0),
    pagedOptimizer: adapter.pagedOptimizer,
    // A paged optimizer (bitsandbytes) updates in place; torch's moments of the BF16 table copies are BF16.
    optimizerShard: {
      elements: adapterShard(1, 1) + shard(o, tables, o.denseShards, 1, 1),
      secondMomentBytes: adapter.pagedOptimizer
        ? 0
        : adapterShard(1, o.secondMomentBytes) +
          shard(
            o,
            tables,
            o.denseShards,
            1,
            o.zeroStage >= 1 ? o.secondMomentBytes : inParamDtype(o.secondMomentBytes, o.weightBytes),
          ),
    },
  };
}

/**
 * Bytes a 4-bit base's dequantisation holds beside the weights. NF4: one BF16 matrix at a time for its
 * GEMM (Dettmers et al. 2023, Sec. 3). GPTQ under AutoGPTQ's PyTorch fallback (adapters.ts
 * QuantizedBase): the largest matrix's INT32 shift output and its INT8 cast at once (4 + 1 B per
 * weight), and the FP16 weights autograd saves for the backward GEMMs: of the layer being recomputed
 * under full recomputation, of every layer of the stage otherwise.
 */
function dequantizationBuffers(p: StageParams, adapter: AdapterRuntime, recompute: RecomputeMode): number {
  if (adapter.quantizedBase === 'nf4') return 2 * p.largestMatrixParams;
  if (adapter.quantizedBase !== 'gptq') return 0;
  const saved = recompute === 'full' ? p.maxLayerParams : p.denseParams + p.expertParams;
  return 5 * p.largestMatrixParams + 2 * saved;
}
