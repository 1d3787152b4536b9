/**
 * Training step time for one model, cluster and parallel layout, from first principles: each
 * layer's operation list (layer-cost.ts) timed by the kernel models, summed over the slowest
 * pipeline stage; the schedule's bubble (pipeline-schedule.ts); data-parallel synchronisation and
 * the optimizer (data-parallel.ts); MFU/HFU (efficiency-metrics.ts).
 * No per-run factor: everything comes from the model, the layout and the catalog.
 */

import type { ClusterSpec } from '../hardware/cluster-spec.js';
import { collectiveSeconds, placement } from '../hardware/collectives.js';
import type { FusedAttentionKernel } from '../hardware/efficiency.js';
import {
  type ActivationOffloadOptions,
  activationCopy,
  exposedCopySeconds,
} from '../memory/activation-offload.js';
import type { OffloadOptions, Optimizer, TrainingPrecision } from '../memory/training-memory.js';
import { trainingMemory } from '../memory/training-memory.js';
import type { LongestSequence } from '../memory/training-memory-types.js';
import type { AdapterRuntime } from '../model/adapters.js';
import type { LossKernel, TokenDispatcher } from '../model/operation-types.js';
import type { ModelSpec } from '../model/spec.js';
import type { RecomputeModule } from '../parallelism/layout.js';
import {
  microbatchCount,
  type ParallelLayout,
  type PartialRecompute,
  partialRecompute,
  partialRecomputeKey,
  recomputedLayerShare,
  stageRecomputeShare,
  worldSize,
} from '../parallelism/layout.js';
import { exposedTensorParallel, OVERLAPPED_COMM_SM_FRACTION, overlappedChunks } from './comm-overlap.js';
import { accumulationSeconds, dataParallelSeconds } from './data-parallel.js';
import { efficiencyMetrics } from './efficiency-metrics.js';
import { type LayerCost, type LayerCosts, layerCosts, type PhaseSeconds } from './layer-cost.js';
import { pipelineBubbleSeconds } from './pipeline-schedule.js';
import {
  GEMM_SUBSETS,
  recomputedSeconds,
  recomputeShares,
  type SelectivePolicy,
  type StagePart,
} from './recompute.js';
import { stageCompositions } from './stage-composition.js';

export { type LayerCost, type LayerCosts, layerCosts } from './layer-cost.js';

export interface TrainingOptions {
  readonly seqLen: number;
  /**
   * Packed documents masked at their boundaries (TokenShape.documentTokens): attention spans this many
   * tokens, not the sequence. Absent: each sequence is one causal span (cross-document attention).
   */
  readonly documentTokens?: number;
  /** Global batch in sequences. */
  readonly globalBatchSize: number;
  readonly precision: TrainingPrecision;
  readonly optimizer: Optimizer;
  /** FlashAttention (default true): attention is one fused kernel, scores never reach memory. */
  readonly flashAttention?: boolean;
  /** Without FlashAttention: eager PyTorch attention (separate scale, mask, FP32 softmax, cast kernels). */
  readonly eagerAttention?: boolean;
  /**
   * A compiled or fused stack run without its fusion (torchtitan without torch.compile): element-wise
   * ops timed as eager kernels (OperationRequest.eagerElementwise). Eager stacks (hf) keep that time
   * inside their fitted scale: with it explicit their fit was worse (docs/training-engine.md).
   */
  readonly eagerElementwise?: boolean;
  /** The loss kernel (OperationRequest.crossEntropy); `planTraining` sets the stack's. Default fused. */
  readonly lossKernel?: LossKernel;
  /** The run's loss code's logits bytes per element at its peak, where known (TrainingMemoryOptions). */
  readonly logitsBytesPerElement?: number;
  /** False where the run's loss was not compiled though its stack now compiles it (TrainingMemoryOptions). */
  readonly lossCompiled?: boolean;
  /** What `recompute: selective` keeps (recompute.ts); `planTraining` sets the stack's. Default 'attention'. */
  readonly selectiveCheckpoint?: SelectivePolicy;
  /** Megatron-Core's recompute modules under `recompute: selective`: replace the policy (recompute.ts, activations.ts). */
  readonly recomputeModules?: readonly RecomputeModule[];
  /** The fused attention kernel (OperationRequest.flashKernel); `planTraining` sets the stack's. */
  readonly attentionKernel?: FusedAttentionKernel;
  /**
   * Gradient buffers in FP32 (Megatron-Core `grad_reduce_in_fp32`): each micro-batch's weight
   * gradients accumulate into, and data parallelism reduces, 4-byte elements; false keeps them in
   * BF16 (2 bytes; NeMo 25.11's performance recipes). Default: FP32 accumulation with the precision
   * recipe's gradient bytes on the wire.
   */
  readonly gradReduceInFp32?: boolean;
  /** Overlap the DP reduce-scatter with the last backward (default true; false where the pipeline defers it). */
  readonly overlapDataParallel?: boolean;
  /** The stack's pipeline engine reduces gradients after the last micro-batch (StackParallelism). */
  readonly pipelineDefersGradientReduction?: boolean;
  /** The stack's ZeRO-2 runs FSDP's per-layer hooks (StackParallelism.zero2LayerHooks). */
  readonly zero2LayerHooks?: boolean;
  /** Overlap expert all-to-all with compute (default: only with DualPipe, DeepSeek-V3 Sec. 3.2.1). */
  readonly overlapExpertParallel?: boolean;
  /** How tokens reach their experts (OperationLayout.tokenDispatcher; default `all-to-all`). */
  readonly tokenDispatcher?: TokenDispatcher;
  /** TP collectives pipelined with the GEMMs beside them (Megatron `--tp-comm-overlap`; comm-overlap.ts). */
  readonly overlapTensorParallel?: boolean;
  /** The step replayed as one CUDA graph (Megatron-Core `full_iteration`): no per-layer host launches. */
  readonly fullIterationCudaGraphs?: boolean;
  /** Slowest expert rank's load over the mean (default 1: balanced routing). */
  readonly expertImbalance?: number;
  /** Attention and hidden dropout (GPT-3-era training; default false). */
  readonly dropout?: boolean;
  /** LoRA/QLoRA/DoRA: frozen base, adapters train (see adaptation/adapters.ts). */
  readonly adapter?: AdapterRuntime;
  /** Model states in host memory and the host they live on (memory/offload.ts); omit for none. */
  readonly offload?: OffloadOptions;
  /** The first N layers' activations in host memory (memory/activation-offload.ts); omit for none. */
  readonly activationOffload?: ActivationOffloadOptions;
  /**
   * The run's longest sequence where `seqLen` is its mean: memory is sized at it (TrainingMemoryOptions), and so
   * are an activation offload's host copies, which are read from the peak (no caller sets both today).
   */
  readonly longestSequence?: LongestSequence;
}

import type { StepTime } from './step-time-types.js';

export type { CalibrationTerms, StepTime, StepTimeBreakdown } from './step-time-types.js';

/** Routed experts one GPU holds per MoE layer (E/EP; 0 for a dense model). */
export function localExperts(spec: ModelSpec, layout: ParallelLayout): number {
  return spec.moe ? spec.moe.numExperts / layout.expertParallel : 0;
}

/** Step time for a valid layout (`layoutIssues` first); pure and allocation-light: run per candidate. */
export function trainingStepTime(
  spec: ModelSpec,
  cluster: ClusterSpec,
  layout: ParallelLayout,
  options: TrainingOptions,
): StepTime {
  // Offloaded activations of one microbatch (pp 1: one in flight), as the layout search passes them.
  const memory = options.activationOffload ? trainingMemory(spec, layout, options).peak : null;
  const bytes = memory ? memory.hostActivationBytes / memory.microbatchesInFlight : 0;
  return stepTimeFromLayerCosts(
    spec,
    cluster,
    layout,
    options,
    layerCosts(spec, cluster, layout, options),
    bytes,
  );
}

/** One micro-batch on one stage: forward, backward and each kind of work over both. */
interface StageTimes {
  readonly forward: number;
  readonly backward: number;
  readonly weightGradient: number;
  readonly parts: Readonly<Record<StagePart, number>>;
  /**
   * MoE layers (and MTP modules of an MoE model) on the most such stage: each stage's host time per
   * layer pass adds to its own kernels, and the stage with most layers waits on the host longest, not
   * necessarily the one whose kernels are slowest (the last, with the output head).
   */
  readonly moeLayers: number;
  /** Layers of any kind (and MTP modules) on the stage with most of them (as `moeLayers`). */
  readonly layers: number;
}

interface StageContext {
  readonly costs: LayerCosts;
  /** Overlapped expert all-to-all: compute slows by the SMs it holds, only the rest is exposed. */
  readonly overlapEp: boolean;
  /** TP degree when its collectives overlap the layer's GEMMs (comm-overlap.ts; 0: not overlapped). */
  readonly overlapTpChunks: number;
  /** Share of each forward part re-run before the backward (recompute.ts). */
  readonly recompute: Readonly<Record<StagePart, number>>;
  /** The selective policy and recompute modules the shares come from (with the layout's mode, the memo key). */
  readonly recomputeKey: string;
  /** Partial recomputation's rule (layout.ts PartialRecompute); undefined: every layer or none. */
  readonly partial: PartialRecompute | undefined;
}

type StageLayers = readonly { readonly cost: LayerCost; readonly count: number }[];

/** Sums a stage's layer costs (count per kind) into one phase, compute slowed when EP overlaps. */
function stagePhase(layers: StageLayers, phase: 'forward' | 'backward', ctx: StageContext) {
  const sum = (of: (p: PhaseSeconds) => number) =>
    layers.reduce((total, { cost, count }) => total + count * of(cost[phase]), 0);
  const slow = ctx.overlapEp ? 1 / (1 - OVERLAPPED_COMM_SM_FRACTION) : 1;
  const gemm = sum((p) => p.gemm + p.adapter) * slow;
  const attention = sum((p) => p.attention) * slow;
  const elementwise = sum((p) => p.elementwise);
  const epAll = sum((p) => p.expertParallel);
  // Routed experts and the recompute modules' GEMMs are subsets of gemm (not added to the total).
  const parts = {
    gemm,
    attention,
    elementwise,
    dequantize: sum((p) => p.dequantize),
    tp: sum((p) => exposedTensorParallel(p.tensorParallel, p.gemm - p.routedExperts, ctx.overlapTpChunks)),
    cp: sum((p) => p.contextParallel),
    // Overlapped: only what the compute of the same pass cannot hide is exposed.
    ep: ctx.overlapEp ? Math.max(0, epAll - (gemm + attention + elementwise)) : epAll,
    experts: sum((p) => p.routedExperts) * slow,
    mlaUpProjections: sum((p) => p.mlaUpProjections) * slow,
    denseMlp: sum((p) => p.denseMlp) * slow,
    sharedExperts: sum((p) => p.sharedExperts) * slow,
  };
  const total = gemm + attention + elementwise + parts.dequantize + parts.tp + parts.cp + parts.ep;
  return { parts, total, weightGradient: sum((p) => p.weightGradient) * slow };
}

function stageTimes(
  layers: StageLayers,
  ctx: StageContext,
  moeLayers: number,
  layerCount: number,
  /** Share of the stage's layers that recompute (layout.ts stageRecomputeShare; 1 but under partial recomputation). */
  recomputeShare = 1,
): StageTimes {
  const f = stagePhase(layers, 'forward', ctx);
  const b = stagePhase(layers, 'backward', ctx);
  // Recomputation re-runs (a share of) each forward part before the backward (recompute.ts).
  const parts = {} as Record<StagePart, number>;
  let recomputed = 0;
  for (const key of Object.keys(f.parts) as StagePart[]) {
    const again = recomputeShare * recomputedSeconds(ctx.recompute, f.parts, key);
    parts[key] = f.parts[key] + again + b.parts[key];
    // gemm's subsets (routed experts, recompute modules' GEMMs) are in gemm's share, not added again.
    if (!(GEMM_SUBSETS as readonly string[]).includes(key)) recomputed += again;
  }
  return {
    forward: f.total,
    backward: b.total + recomputed,
    weightGradient: b.weightGradient,
    parts,
    moeLayers,
    layers: layerCount,
  };
}

/**
 * Layers per stage: contiguous blocks of ceil(L/p); the slowest stage sets the pace. The first stage
 * also runs the embedding; the last the output head, the loss and, where the model has them, the
 * MTP modules (DeepSeek-V3 Sec. 2.2).
 */
function slowestStage(spec: ModelSpec, layout: ParallelLayout, ctx: StageContext): StageTimes {
  // Same costs, stage count and flags, same stage (the search varies ZeRO, VPP, schedule): memoised.
  const key = `${layout.pipelineParallel}|${ctx.overlapEp}|${ctx.overlapTpChunks}|${layout.recompute}|${ctx.recomputeKey}`;
  let byKey = slowestCache.get(ctx.costs);
  if (!byKey) {
    byKey = new Map();
    slowestCache.set(ctx.costs, byKey);
  }
  const hit = byKey.get(key);
  if (hit) return hit;
  const times = computeSlowestStage(spec, layout, ctx);
  byKey.set(key, times);
  return times;
}

const slowestCache = new WeakMap<LayerCosts, Map<string, StageTimes>>();

function computeSlowestStage(spec: ModelSpec, layout: ParallelLayout, ctx: StageContext): StageTimes {
  const { costs } = ctx;
  let slowest: StageTimes | null = null;
  let mostMoeLayers = 0;
  let mostLayers = 0;
  for (const stage of stageCompositions(spec, layout.pipelineParallel)) {
    const layers = stage.kinds.map(({ key, count }) => ({ cost: costs.byKind.get(key)!, count }));
    if (stage.first) layers.push({ cost: costs.embedding, count: 1 });
    if (stage.last)
      layers.push({ cost: costs.head, count: 1 }, { cost: costs.mtpModule, count: spec.numMtpModules });
    const mtp = stage.last ? spec.numMtpModules : 0;
    const moeLayers =
      stage.kinds.reduce((n, k) => n + (k.key.endsWith('/moe') ? k.count : 0), 0) + (spec.moe ? mtp : 0);
    const layerCount = stage.kinds.reduce((n, k) => n + k.count, 0) + mtp;
    mostMoeLayers = Math.max(mostMoeLayers, moeLayers);
    mostLayers = Math.max(mostLayers, layerCount);
    const share = stageRecomputeShare(layerCount - mtp, ctx.partial);
    const times = stageTimes(layers, ctx, moeLayers, layerCount, share);
    if (!slowest || times.forward + times.backward > slowest.forward + slowest.backward) slowest = times;
  }
  return slowest ? { ...slowest, moeLayers: mostMoeLayers, layers: mostLayers } : stageTimes([], ctx, 0, 0);
}

/** Step time from precomputed layer costs (the layout search memoises them); activations one microbatch offloads. */
export function stepTimeFromLayerCosts(
  spec: ModelSpec,
  cluster: ClusterSpec,
  layout: ParallelLayout,
  options: TrainingOptions,
  costs: LayerCosts,
  hostActivationBytes = 0,
): StepTime {
  const t = layout.tensorParallel;
  const p = layout.pipelineParallel;
  const cp = layout.contextParallel;
  const dp = layout.dataParallel;
  const s = options.seqLen;
  const gpus = worldSize(layout);
  const m = microbatchCount(options.globalBatchSize, layout);
  const overlapEp =
    layout.expertParallel > 1 && (options.overlapExpertParallel ?? layout.schedule === 'dualpipe');
  // Partial recomputation re-runs some layers of each stage (layout.ts PartialRecompute).
  const partial = partialRecompute(layout);
  const slowest = slowestStage(spec, layout, {
    costs,
    overlapEp,
    overlapTpChunks: overlappedChunks(options.overlapTensorParallel, layout),
    recompute: recomputeShares(layout.recompute, options.selectiveCheckpoint, options.recomputeModules),
    recomputeKey: `${options.selectiveCheckpoint ?? 'attention'}|${options.recomputeModules ?? ''}|${partialRecomputeKey(partial)}`,
    partial,
  });

  // Pipeline point-to-point: the boundary activation (1/t of it with Megatron's scatter-gather).
  let ppComm = 0;
  if (p > 1) {
    const group = placement(2, t * cp * dp, cluster.gpusPerNode);
    const bytes = (layout.microBatchSize * s * spec.hiddenSize * 2) / (cp * t);
    ppComm = collectiveSeconds('p2p', bytes, group, cluster.scaleUp, cluster.scaleOut) * layout.virtualStages;
  }
  const accumulation = accumulationSeconds({ spec, cluster, layout, options, microbatches: m });
  const tf = slowest.forward + ppComm;
  const tb = slowest.backward + ppComm + accumulation;
  const bubble = pipelineBubbleSeconds({
    schedule: layout.schedule,
    stages: p,
    virtualStages: layout.virtualStages,
    forwardSeconds: tf,
    backwardSeconds: tb,
    weightGradientSeconds: slowest.weightGradient,
  });
  const pipelineSeconds = m * (tf + tb) + bubble;
  const dpTimes = dataParallelSeconds({
    spec,
    cluster,
    layout,
    options,
    microbatches: m,
    microbatchSeconds: tf + tb,
    lastBackwardSeconds: tb,
  });

  const offloaded = options.activationOffload;
  const copy = offloaded ? activationCopy(hostActivationBytes, offloaded.host, tf, tb) : null;
  const hostTransfer = dpTimes.hostTransferSeconds + (copy ? m * exposedCopySeconds(copy) : 0);
  const stepSeconds = pipelineSeconds + dpTimes.syncSeconds + dpTimes.optimizerSeconds + hostTransfer;
  const tokensPerStep = options.globalBatchSize * s;
  const metrics = efficiencyMetrics({
    spec,
    seqLen: s,
    ...(options.documentTokens !== undefined && { documentTokens: options.documentTokens }),
    tokensPerStep,
    stepSeconds,
    gpus,
    peakFlopsPerSecond: cluster.gpu.peakFlopsPerSecond.bf16!,
    recomputedShare: recomputedLayerShare(spec.numLayers, layout),
    frozenBase: options.adapter !== undefined,
  });
  const parts = slowest.parts;
  // Micro-batch slots on the critical path (m plus the bubble's share): what per-pass terms multiply.
  const criticalSlots = tf + tb > 0 ? pipelineSeconds / (tf + tb) : m;
  const hostPasses = options.fullIterationCudaGraphs ? 0 : criticalSlots;
  return {
    stepSeconds,
    tokensPerStep,
    tokensPerSecond: tokensPerStep / stepSeconds,
    gpus,
    microbatches: m,
    ...metrics,
    breakdown: {
      gemmSeconds: m * parts.gemm,
      attentionSeconds: m * parts.attention,
      elementwiseSeconds: m * parts.elementwise,
      tensorParallelCommSeconds: m * parts.tp,
      contextParallelCommSeconds: m * parts.cp,
      expertParallelCommSeconds: m * parts.ep,
      pipelineCommSeconds: m * 2 * ppComm,
      gradientAccumulationSeconds: m * accumulation,
      dequantizationSeconds: m * parts.dequantize,
      pipelineBubbleSeconds: bubble,
      dataParallelCommSeconds: dpTimes.syncSeconds,
      optimizerSeconds: dpTimes.optimizerSeconds,
      hostTransferSeconds: hostTransfer,
      hostOverheadSeconds: 0,
    },
    microbatchForwardSeconds: tf,
    microbatchBackwardSeconds: tb,
    calibrationTerms: {
      attentionSeconds: criticalSlots * parts.attention,
      expertGemmSeconds: criticalSlots * parts.experts,
      expertCommSeconds: criticalSlots * parts.ep,
      localExpertPasses: hostPasses * slowest.moeLayers * localExperts(spec, layout),
      layerPasses: hostPasses * slowest.layers,
      zero3LayerPasses:
        layout.zeroStage === 3 || (layout.zeroStage === 2 && options.zero2LayerHooks === true)
          ? hostPasses * slowest.layers
          : 0,
      hostOffloadSeconds: (options.offload ? dpTimes.optimizerSeconds : 0) + hostTransfer,
      hostOptimizerSeconds: options.offload ? dpTimes.optimizerSeconds : 0,
      ...(copy && { activationCopy: { ...copy, microbatches: m } }),
    },
  };
}
