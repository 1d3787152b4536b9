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

import { layerKinds } from '../model/flops.js';
import { hasNewLayerKinds } from '../model/layer-mix.js';
import { normParams } from '../model/mixer-params.js';
import { embeddingProjectionParams, encoderParamCount, mtpLayer } from '../model/param-count.js';
import { embeddingWidth, type LayerSpec, type ModelSpec } from '../model/spec.js';
import { trainedSpec } from '../model/trained-spec.js';
import {
  expertDataParallelOf,
  expertTensorParallelOf,
  microbatchCount,
  overlapsTensorParallel,
  type ParallelLayout,
  partialRecompute,
  stageRecomputeShare,
} from '../parallelism/layout.js';
import { firstLayersActivationBytes, hostActivationBytes } from './activation-offload.js';
import {
  type ActivationOptions,
  activationBytesPerLayer,
  layerActivations,
  recomputeWorkspaceBytes,
  stageActivations,
} from './activations.js';
import { layerParamsPerGpu } from './layer-params-per-gpu.js';
import { memorySequenceTokens } from './memory-sequence.js';
import {
  adapterTrainingStates,
  fullTrainingStates,
  type ShardOptions,
  type StageParams,
  type StageStates,
} from './model-states.js';
import { offloadStates } from './offload.js';
import { peakPhase } from './peak-phase.js';
import { rankLayers, stageMicrobatchesInFlight } from './pipeline-placement.js';
import type { StageMemory, TrainingMemory, TrainingMemoryOptions } from './training-memory-types.js';
import {
  compiledLossBytes,
  DEFAULT_FRAMEWORK_OVERHEAD_BYTES,
  gradientBytes,
  keepsEagerCopies,
  optimizerStateBytes,
  optimizerStepBytes,
  PRECISION_BYTES,
  secondMomentBytes,
  stackMemoryFor,
  tableOptimizerBytes,
} from './training-recipes.js';

// The split modules' entry points, re-exported so importers keep one path.
export { type ActivationOptions, activationBytesPerLayer } from './activations.js';
export { largestMemoryTerm, type MemoryTerm, memoryCutContext } from './memory-terms.js';
export type { ModelStateBytes } from './model-states.js';
export {
  type HostMemory,
  type HostSpec,
  hostBytesPerHost,
  hostMemory,
  OFFLOAD_MIN_ZERO_STAGE,
  OFFLOAD_MODES,
  type OffloadMode,
  type OffloadOptions,
  offloadStates,
} from './offload.js';
export { moeLayerPrefix, pipelineChunks, stageMicrobatchesInFlight } from './pipeline-placement.js';
export type {
  MemoryBreakdown,
  StageMemory,
  TrainingMemory,
  TrainingMemoryOptions,
} from './training-memory-types.js';
export {
  ATTENTION_KERNELS,
  type AttentionKernel,
  compiledLossBytes,
  DEFAULT_FRAMEWORK_OVERHEAD_BYTES,
  foreignModules,
  isFusedAttention,
  keepsEagerCopies,
  OPTIMIZER_STATE_BYTES,
  OPTIMIZERS,
  type Optimizer,
  type OwnModules,
  optimizerStateBytes,
  PRECISION_BYTES,
  type StackMemory,
  stackLossKernelFor,
  stackMemoryFor,
  TRAINING_PRECISIONS,
  type TrainingPrecision,
  trainingPrecisionError,
} from './training-recipes.js';

/**
 * Training memory per GPU. Throws nothing: an infeasible layout is checked separately
 * (`layoutIssues`) and "does not fit" is a comparison with the GPU's capacity.
 */
export function trainingMemory(
  model: ModelSpec,
  layout: ParallelLayout,
  options: TrainingMemoryOptions,
): TrainingMemory {
  // The modules the stack trains: no MTP modules where it does not build them.
  const spec = trainedSpec(model, options.stack);
  const t = layout.tensorParallel;
  const p = layout.pipelineParallel;
  const h = spec.hiddenSize;
  const seqLen = memorySequenceTokens(options, layout.microBatchSize);
  const s = seqLen / layout.contextParallel;
  const b = layout.microBatchSize;
  const denseShards = layout.dataParallel * layout.contextParallel;
  // Expert weights split over EP × ETP ranks; their optimizer shards over expert DP = TP·DP·CP/(EP·ETP).
  const etp = expertTensorParallelOf(layout);
  const expertShards = expertDataParallelOf(layout);
  const bytes = PRECISION_BYTES[options.precision];
  const states = optimizerStateBytes(options.optimizer, options.precision);
  const optimizerBytes = states + bytes.master;
  const gradBytes = gradientBytes(options.precision, options.mainGradsInFp32).held;
  const numMicrobatches = microbatchCount(options.globalBatchSize, layout);
  const stack = stackMemoryFor(options.stack?.memory, spec);
  const fp8Cache = options.fp8ActivationCache ?? stack?.fp8ActivationCache ?? options.precision === 'fp8';
  const actOptions: ActivationOptions = {
    seqLen,
    flashAttention: options.flashAttention ?? true,
    dropout: options.dropout ?? false,
    gemmInputBytes: options.precision === 'fp8' && fp8Cache ? 1 : 2,
    elementBytes: options.precision === 'fp32' ? 4 : 2,
    unfusedElementwise: stack ? keepsEagerCopies(stack) : false,
    selectiveCheckpoint: stack?.selectiveCheckpoint ?? 'attention',
    ...(options.recomputeModules !== undefined && { recomputeModules: options.recomputeModules }),
  };
  const actBytes = actOptions.elementBytes!; // of the activations outside the layers (embedding output, head input)
  const compiledLoss = compiledLossBytes(stack, options.lossCompiled);
  const vocabParallel = t > 1 ? stack?.vocabParallelLogitsBytesPerElement : undefined;
  const logitsBytes =
    options.logitsBytesPerElement ?? compiledLoss ?? vocabParallel ?? stack?.logitsBytesPerElement ?? 6;
  // A compiled loss allocates no FP32 blocks, so none is left reserved beside the next.
  const logitsCachedBytes = compiledLoss === undefined ? (stack?.logitsCachedBytesPerElement ?? 0) : 0;
  // torch.distributed.pipelining keeps each microbatch's output (BF16 logits) for the step's result.
  const keptLogitsPerElement = p > 1 && stack?.pipelineKeepsOutputs ? 2 * numMicrobatches : 0;
  const reserve = stack?.allocatorReserveFraction ?? 0;
  const offloadMode = options.offload?.mode ?? 'none';
  const optimizerStep = offloadMode === 'none' ? stack?.optimizerStep : undefined; // offloaded: a CPU step
  // One layer's activations: per kind (layerKinds' order; summed by the counts of pipeline-placement.ts
  // rankLayers) for hybrid, sparse and MLP-less models; otherwise of a dense and a MoE layer.
  const perLayerAct = layerActivations(spec, layout, actOptions, hasNewLayerKinds(spec));
  const byKind = perLayerAct.byKind;
  // Partial recomputation: a stage's recomputed layers keep their checkpoint, the rest everything (layout.ts).
  const partial = partialRecompute(layout);
  const noRecompute = { ...layout, recompute: 'none' as const };
  const kept = partial === undefined ? null : layerActivations(spec, noRecompute, actOptions, !!byKind);
  const stageActs = { recomputed: perLayerAct, kept, partial };
  // An MTP module's decoder layer (param-count.ts mtpLayer), on the last stage; Megatron-Core's block method
  // skips recomputation on it (multi_token_prediction.py at d98e8a6), torchtitan's checkpoints only layers.
  const mtpDecoderLayer = spec.numMtpModules > 0 ? mtpLayer(spec) : null;
  const mtpLayout = partial === undefined ? layout : noRecompute;
  const mtpLayerActivations = mtpDecoderLayer
    ? activationBytesPerLayer(spec, mtpDecoderLayer, mtpLayout, actOptions)
    : 0;
  const largestLayerAct = byKind ? Math.max(...byKind) : perLayerAct[spec.moe ? 'moe' : 'dense'];
  const overhead =
    options.frameworkOverheadBytes ?? stack?.frameworkOverheadBytes ?? DEFAULT_FRAMEWORK_OVERHEAD_BYTES;
  // DualPipe keeps two copies of the parameters (DeepSeek-V3 Table 2: 2× parameters).
  const paramCopies = layout.schedule === 'dualpipe' ? 2 : 1;
  // Parameters of one layer of each kind on one GPU (TP- and EP-sharded), norms replicated.
  const perGpu = layerParamsPerGpu(spec, layout, byKind !== null);
  // FSDP mixed precision (StackMemory.fsdp): the sharded FP32 parameter is weights and master at once, gradients
  // FP32, compute weights all-gathered; full training only, not pure BF16 (its shard is the BF16 one).
  const fsdp =
    layout.zeroStage === 3 && !options.adapter && options.precision !== 'bf16-pure' ? stack?.fsdp : undefined;
  const shards: ShardOptions = {
    zeroStage: layout.zeroStage,
    tensorParallel: t,
    denseShards,
    expertShards,
    expertSlices: layout.expertParallel * etp,
    weightBytes: fsdp ? 4 : bytes.weight,
    gradientBytes: fsdp ? 4 : gradBytes,
    // FP32 adapters (StackMemory.peft) are their own master copy, as FSDP's FP32 shards are.
    optimizerBytes: fsdp || (options.adapter && stack?.peft?.fp32Adapters) ? states : optimizerBytes,
    secondMomentBytes: secondMomentBytes(options.optimizer, options.precision),
    paramCopies,
    tableOptimizerBytes: tableOptimizerBytes(options.optimizer, bytes),
    gatheredWeightBytes: fsdp?.float8AllGather && options.precision === 'fp8' ? 1 : bytes.weight,
    unshardedGradientBytes: fsdp?.keepsUnshardedWithPipeline && p > 1 ? 4 : 0,
  };
  const recomputeWorkspace = (layer: 'dense' | 'moe' | LayerSpec) =>
    recomputeWorkspaceBytes(spec, layer, layout, actOptions);
  // QLoRA dequantises one weight matrix at a time (model-states.ts): the largest on one GPU.
  const largestMatrixParams =
    Math.max(
      spec.hiddenSize * spec.mlp.intermediateSize,
      spec.moe ? spec.hiddenSize * spec.moe.expertIntermediateSize : 0,
    ) / t;

  const workspaces: (number | undefined)[] = [undefined, undefined]; // per call: the search asks thousands
  const stageWorkspace = (holdsMoe: boolean): number => {
    const k = byKind ? 0 : holdsMoe ? 1 : 0;
    workspaces[k] ??= byKind
      ? Math.max(...layerKinds(spec).map(({ layer }) => recomputeWorkspace(layer)))
      : recomputeWorkspace(holdsMoe ? 'moe' : 'dense');
    return workspaces[k]!;
  };

  // TE userbuffers under TP comm overlap (base.py initialize_ub): ten [s·b, h] buffers, six in FP8 under FP8.
  const userbuffers = overlapsTensorParallel(options.overlapTensorParallel, layout)
    ? s * b * h * (options.precision === 'fp8' ? 6 + 4 * 2 : 10 * 2)
    : 0;

  const finishStage = (o: {
    readonly index: number;
    readonly layers: number;
    readonly moeLayers: number;
    readonly inFlight: number;
    readonly paramsPerGpu: number;
    readonly states: StageStates;
    readonly activations: number;
    readonly hostActivations: number;
    readonly holdsHead: boolean;
    /** MTP modules on the stage (the last holds them all). */
    readonly mtpModules: number;
  }): StageMemory => {
    let buffers = o.states.extraBuffers + userbuffers;
    const holdsMoe = o.moeLayers > 0 || (o.mtpModules > 0 && mtpDecoderLayer?.mlp === 'moe');
    // A stage whose partial recomputation re-runs none of its layers rebuilds nothing.
    const workspace = stageRecomputeShare(o.layers, partial) > 0 ? stageWorkspace(holdsMoe) : 0;
    // MoE all-to-all send and receive buffers for one layer's dispatched tokens (BF16): the TP group's
    // tokens split over its ranks when ETP < TP (each rank dispatches its sequence-parallel share).
    if (spec.moe && holdsMoe && layout.expertParallel > 1)
      buffers += (2 * 2 * s * b * spec.moe.topK * h * etp) / t;
    // Logits of one microbatch at the loss, vocab split over TP: 6 bytes per element for a fused
    // cross-entropy (BF16 logits + FP32 softmax), more where the stack upcasts them (catalog/stacks/).
    const logitElements = o.holdsHead ? (s * b * spec.vocabSize) / t : 0;
    // Each MTP depth computes its own loss in the forward pass (Megatron-Core gpt_model.py _postprocess),
    // so the main loss and every depth's are saved for the backward pass together.
    const lossBytes = logitsBytes * logitElements * (1 + o.mtpModules);
    // Without a pipeline or under 1F1B the head stage runs each microbatch's backward right after its loss,
    // which ends before the last layer's recomputation starts: the two never coexist. Interleaved and
    // DualPipe schedules hold a loss while other microbatches recompute.
    const lossThenBackward = p === 1 || layout.schedule === '1f1b';
    buffers += lossThenBackward ? Math.max(lossBytes, workspace) : lossBytes + workspace;
    // A pipeline that returns the step's outputs keeps every microbatch's BF16 logits on the last
    // stage until the step ends (StackMemory.pipelineKeepsOutputs); none of them is freed to the cache.
    const keptOutputs = keptLogitsPerElement * logitElements;
    buffers += keptOutputs;
    const logits = lossBytes + keptOutputs;
    // Offloaded states live in host memory (offload.ts): the GPU holds the rest.
    const { gpu: modelStates, hostBytes: offloadedBytes } = offloadStates(o.states.modelStates, offloadMode);
    const adapterWeights = offloadMode === 'optimizer+params' ? 0 : o.states.adapterWeights;
    // Blocks the loss freed that the next allocations could not reuse (logitsCachedBytesPerElement).
    const cachedBytes = keptOutputs > 0 ? 0 : logitsCachedBytes * logitElements;
    const peak = peakPhase({
      modelStates,
      adapterWeights,
      activations: o.activations,
      buffers,
      logits,
      cachedBytes,
      reserveFraction: reserve,
      overhead,
      pagedOptimizer: o.states.pagedOptimizer,
      stepBytes: optimizerStepBytes(optimizerStep, o.states.optimizerShard, gradBytes, layout.zeroStage),
    });
    // One object per stage, no spreads: the layout search builds thousands.
    return {
      stage: p === 1 ? 'only' : o.index === 0 ? 'first' : o.index === p - 1 ? 'last' : 'middle',
      index: o.index,
      layers: o.layers,
      moeLayers: o.moeLayers,
      microbatchesInFlight: o.inFlight,
      paramsPerGpu: o.paramsPerGpu,
      modelStates,
      activations: o.activations,
      buffers,
      frameworkOverhead: overhead,
      totalBytes: peak.totalBytes,
      peakPhase: peak.phase,
      breakdown: peak.breakdown,
      pagedOutBytes: peak.pagedOutBytes,
      offloadedBytes: offloadedBytes + o.hostActivations,
      hostActivationBytes: o.hostActivations,
    };
  };

  const { layersOf, moeLayersOf, kindCountsOf, weightLayersOf } = rankLayers(
    spec,
    p,
    p > 1 ? layout.virtualStages : 1,
  );
  const stageMemory = (index: number): StageMemory => {
    const layers = layersOf[index]!;
    const moeLayers = moeLayersOf[index]!;
    const denseLayers = layers - moeLayers;
    let denseParams = denseLayers * perGpu.dense + moeLayers * perGpu.moeDense;
    let expertParams = moeLayers * perGpu.moeExperts;
    let maxLayerWeights = Math.max(
      denseLayers > 0 ? perGpu.dense : 0,
      moeLayers > 0 ? perGpu.moeDense + perGpu.moeExperts : 0,
    );
    if (byKind) {
      // Hybrid, sparse and MLP-less models: each layer's own parameters (param-count.ts), routed
      // experts over TP × EP, the rest over TP, summed over the layers whose weights this rank holds.
      const kinds = perGpu.stage(weightLayersOf[index]!);
      denseParams = kinds.dense;
      expertParams = kinds.experts;
      maxLayerWeights = kinds.largest;
    }
    const inFlight = stageMicrobatchesInFlight(layout, numMicrobatches, index);
    let activations = stageActivations(stageActs, layers, kindCountsOf[index]!, denseLayers, moeLayers);
    // Activations in host memory (activation-offload.ts): offloaded layers', or an offloading stack's checkpoints.
    const ckpt = layout.recompute === 'full' && stack?.offloadsCheckpoints === true;
    const first = firstLayersActivationBytes(spec, options.activationOffload, byKind, perLayerAct);
    const atHost = hostActivationBytes(activations, layers, inFlight, ckpt, first);
    activations -= atHost / inFlight;
    const holdsEmbedding = index === 0;
    const holdsHead = index === p - 1;
    const mtp = holdsHead ? spec.numMtpModules : 0;
    let embeddingParams = 0;
    // A multimodal model's vision and audio encoders load with the input embedding (TP-split).
    const encoderParams = holdsEmbedding ? encoderParamCount(spec) / t : 0;
    if (holdsEmbedding) {
      const ple =
        (spec.perLayerInput
          ? spec.perLayerInput.vocabSize * spec.numLayers * spec.perLayerInput.hiddenSize
          : 0) + (spec.lookupTableParams ?? 0);
      // The input embedding (vocabulary-parallel), Gemma 4's per-layer embedding table and other lookup tables;
      // OPT-350M: a narrower table, then project_in (w → h).
      embeddingParams +=
        (spec.vocabSize * embeddingWidth(spec) + ple) / t +
        spec.learnedPositionEmbeddings * h +
        embeddingProjectionParams(spec);
      activations += actBytes * s * b * h * (layout.sequenceParallel ? 1 / t : 1); // embedding output
    }
    if (holdsHead) {
      embeddingParams +=
        (spec.norm.final === false ? 0 : normParams(spec, h)) +
        embeddingProjectionParams(spec) +
        (spec.tieWordEmbeddings && p === 1 ? 0 : (spec.vocabSize * embeddingWidth(spec)) / t) +
        // lm_head's bias (ModelSpec.headBias), vocabulary-parallel with its weight.
        (spec.headBias ? spec.vocabSize / t : 0);
      // MTP modules sit on the last stage (Megatron-Core's default placement), which builds its own copy of
      // the input embedding for them under a pipeline (gpt_model.py `if self.pre_process or self.mtp_process`;
      // a tied head already is that copy).
      if (mtp > 0) {
        denseParams += mtp * perGpu.mtpModule.dense;
        expertParams += mtp * perGpu.mtpModule.experts;
        maxLayerWeights = Math.max(maxLayerWeights, perGpu.mtpModule.dense + perGpu.mtpModule.experts);
        if (p > 1 && !spec.tieWordEmbeddings) embeddingParams += (spec.vocabSize * embeddingWidth(spec)) / t;
      }
    }
    activations *= inFlight;
    if (holdsHead) {
      // The final norm's input and the head GEMM's input, kept for the backward pass (outside every
      // checkpointed layer) of one microbatch: the head's backward follows its loss at once under
      // every schedule. Sequence-sharded under SP, all-gathered where the stack's head saves the
      // gathered input (StackMemory.headSavesGatheredInput).
      const rep = layout.sequenceParallel ? 1 / t : 1;
      const headInput = actBytes * s * b * h * (rep + (stack?.headSavesGatheredInput ? 1 : rep));
      // Each MTP module runs between the last layer and the loss, so it too is held for one microbatch: its
      // layer, and outside it the shifted tokens' embedding, eh_proj's 2h-wide input and its head's inputs.
      activations += headInput + mtp * (mtpLayerActivations + actBytes * s * b * h * 3 * rep + headInput);
    }
    const params: StageParams = {
      denseParams,
      expertParams,
      embeddingParams,
      encoderParams,
      layers,
      numLayers: spec.numLayers,
      maxLayerParams: maxLayerWeights,
      largestMatrixParams,
    };
    return finishStage({
      index,
      layers,
      moeLayers,
      inFlight,
      paramsPerGpu: denseParams + expertParams + embeddingParams + encoderParams,
      holdsHead,
      mtpModules: mtp,
      states: options.adapter
        ? adapterTrainingStates(params, shards, options.adapter, stack?.peft, layout.recompute)
        : fullTrainingStates(params, shards),
      activations,
      hostActivations: atHost,
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
