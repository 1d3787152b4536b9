/**
 * Seconds per decoder layer (and for the embedding, head and MTP modules) of one training
 * micro-batch on one GPU, read from the operation list (model/operations.ts) and timed by
 * model/operation-seconds.ts. Per GPU and micro-batch: b sequences of s tokens split over CP.
 */
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import type { Datatype } from '../hardware/hardware-spec.js';
import { objectMemo } from '../memo.js';
import type { TrainingPrecision } from '../memory/training-memory.js';
import { layerKinds } from '../model/flops.js';
import { layerKey } from '../model/layer-view.js';
import { operationSeconds } from '../model/operation-seconds.js';
import {
  embeddingOperations,
  headOperations,
  layerOperations,
  type Operation,
  type OperationRequest,
  type Phase,
} from '../model/operations.js';
import { mtpModuleOperations } from '../model/operations-mtp.js';
import type { ModelSpec } from '../model/spec.js';
import type { ParallelLayout } from '../parallelism/layout.js';
import type { TrainingOptions } from './step-time.js';

/** Seconds of one phase of one layer, by kind of work. */
export interface PhaseSeconds {
  /** Base-model GEMMs (input and weight gradients in the backward). */
  readonly gemm: number;
  /** Adapter GEMMs (LoRA x·A, ·B). */
  readonly adapter: number;
  readonly attention: number;
  /** Memory-bound kernels: norms, residuals, activation, rotary, casts, loss, embedding, softmax. */
  readonly elementwise: number;
  /** QLoRA: NF4 → BF16 dequantisation of the layer's frozen weights. */
  readonly dequantize: number;
  readonly tensorParallel: number;
  /** Context-parallel K/V exchange left exposed after overlapping with attention. */
  readonly contextParallel: number;
  readonly expertParallel: number;
  /** Weight-gradient GEMMs (a subset of gemm + adapter; the W of zero-bubble schedules). */
  readonly weightGradient: number;
  /** Routed-expert and router GEMMs (a subset of gemm): the grouped-GEMM part a stack's MoE calibration scales. */
  readonly routedExperts: number;
  /** MLA's q and kv up-projection GEMMs (a subset of gemm): what the `mla_up_proj` recompute module re-runs. */
  readonly mlaUpProjections: number;
  /** Dense-MLP GEMMs (a subset of gemm): what the `mlp` recompute module re-runs. */
  readonly denseMlp: number;
  /** Shared-expert GEMMs (a subset of gemm): what the `shared_experts` recompute module re-runs. */
  readonly sharedExperts: number;
}

export const ZERO_PHASE: PhaseSeconds = {
  gemm: 0,
  adapter: 0,
  attention: 0,
  elementwise: 0,
  dequantize: 0,
  tensorParallel: 0,
  contextParallel: 0,
  expertParallel: 0,
  weightGradient: 0,
  routedExperts: 0,
  mlaUpProjections: 0,
  denseMlp: 0,
  sharedExperts: 0,
};

/** Forward and backward seconds of one layer (recomputation re-runs the forward). */
export interface LayerCost {
  readonly forward: PhaseSeconds;
  readonly backward: PhaseSeconds;
}

/** Costs per layer kind (key `attention/mlp`), plus what only the first or last stage runs. */
export interface LayerCosts {
  readonly byKind: ReadonlyMap<string, LayerCost>;
  /** Input embedding (first stage). */
  readonly embedding: LayerCost;
  /** Output head and loss (last stage). */
  readonly head: LayerCost;
  /** One multi-token-prediction module (last stage; zero when the model has none). */
  readonly mtpModule: LayerCost;
}

/** Datatype and bytes per GEMM input for a precision recipe. */
export function gemmDatatype(precision: TrainingPrecision): { datatype: Datatype; bytes: number } {
  if (precision === 'fp8') return { datatype: 'fp8', bytes: 1 };
  if (precision === 'fp32') return { datatype: 'tf32', bytes: 4 };
  return { datatype: 'bf16', bytes: 2 };
}

/** Sums one phase's operations into seconds by kind of work. */
export function phaseSeconds(ops: readonly Operation[], cluster: ClusterSpec): PhaseSeconds {
  let gemm = 0;
  let adapter = 0;
  let attention = 0;
  let elementwise = 0;
  let dequantize = 0;
  let tensorParallel = 0;
  let contextParallel = 0;
  let expertParallel = 0;
  let weightGradient = 0;
  let routedExperts = 0;
  let mlaUpProjections = 0;
  let denseMlp = 0;
  let sharedExperts = 0;
  for (const op of ops) {
    const seconds = operationSeconds(op, cluster);
    switch (op.type) {
      case 'gemm':
        if (op.pass === 'weight-gradient') weightGradient += seconds;
        if (op.component === 'routedExperts' || op.component === 'router') routedExperts += seconds;
        // Recompute modules' GEMMs (operations-attention.ts names MLA's up-projections q_b and kv_b, and its
        // direct q projection, inside the same checkpoint, where there is no q latent: DeepSeek-V2-Lite).
        if (op.component === 'denseMlp') denseMlp += seconds;
        if (op.component === 'sharedExperts') sharedExperts += seconds;
        if (op.component === 'attentionProjections' && /^(q_b|kv_b|q)(\.|$)/.test(op.name))
          mlaUpProjections += seconds;
        if (op.component === 'adapter') adapter += seconds;
        else if (op.component === 'attentionScores') attention += seconds;
        else gemm += seconds;
        break;
      case 'attention':
      case 'mixer':
        attention += seconds;
        break;
      case 'memory':
        if (op.component === 'dequantize') dequantize += seconds;
        else if (op.component === 'softmax') attention += seconds;
        else elementwise += seconds;
        break;
      case 'collective':
        if (op.component === 'tensorParallel') tensorParallel += seconds;
        else if (op.component === 'contextParallel') contextParallel += seconds;
        else expertParallel += seconds;
        break;
    }
  }
  // Context parallelism overlaps its K/V exchange with the attention it feeds.
  contextParallel = Math.max(0, contextParallel - attention);
  return {
    gemm,
    adapter,
    attention,
    elementwise,
    dequantize,
    tensorParallel,
    contextParallel,
    expertParallel,
    weightGradient,
    routedExperts,
    mlaUpProjections,
    denseMlp,
    sharedExperts,
  };
}

/** The operation request of one training phase for a layout (one micro-batch on one GPU). */
export function trainingRequest(
  cluster: ClusterSpec,
  layout: ParallelLayout,
  options: TrainingOptions,
  phase: Phase,
): OperationRequest {
  const { datatype, bytes } = gemmDatatype(options.precision);
  return {
    phase,
    shape: {
      sequences: layout.microBatchSize,
      tokensPerSequence: options.seqLen,
      contextTokens: options.seqLen,
      ...(options.documentTokens !== undefined && { documentTokens: options.documentTokens }),
    },
    layout: {
      tensorParallel: layout.tensorParallel,
      contextParallel: layout.contextParallel,
      expertParallel: layout.expertParallel,
      ...(layout.expertTensorParallel !== undefined && {
        expertTensorParallel: layout.expertTensorParallel,
      }),
      sequenceParallel: layout.sequenceParallel,
      gpusPerNode: cluster.gpusPerNode,
      ...(options.tokenDispatcher !== undefined && { tokenDispatcher: options.tokenDispatcher }),
    },
    datatype,
    gemmInputBytes: bytes,
    attentionImplementation:
      (options.flashAttention ?? true) ? 'flash' : options.eagerAttention ? 'eager' : 'unfused',
    ...(options.attentionKernel ? { flashKernel: options.attentionKernel } : {}),
    ...(options.eagerElementwise ? { eagerElementwise: true } : {}),
    ...(options.dropout ? { dropout: true } : {}),
    ...(options.lossKernel && options.lossKernel !== 'fused' ? { crossEntropy: options.lossKernel } : {}),
    ...(options.expertImbalance !== undefined ? { expertImbalance: options.expertImbalance } : {}),
    ...(options.adapter ? { adapter: options.adapter } : {}),
  };
}

/** Memo of `compute` per (spec, cluster, options) object and key. */
const memo = objectMemo<ModelSpec, ClusterSpec, TrainingOptions, LayerCosts>();

/**
 * Per-layer costs; they depend only on TP, CP, EP, ETP, micro-batch and sequence parallelism, and are
 * memoised on those for the same spec, cluster and options objects (the layout search's inner loop).
 */
export function layerCosts(
  spec: ModelSpec,
  cluster: ClusterSpec,
  layout: ParallelLayout,
  options: TrainingOptions,
): LayerCosts {
  const key = `${layout.tensorParallel}/${layout.contextParallel}/${layout.expertParallel}/${layout.expertTensorParallel}/${layout.microBatchSize}/${layout.sequenceParallel}`;
  return memo(spec, cluster, options, key, () => computeLayerCosts(spec, cluster, layout, options));
}

function computeLayerCosts(
  spec: ModelSpec,
  cluster: ClusterSpec,
  layout: ParallelLayout,
  options: TrainingOptions,
): LayerCosts {
  const forward = trainingRequest(cluster, layout, options, 'forward');
  const backward = trainingRequest(cluster, layout, options, 'backward');
  const cost = (ops: (r: OperationRequest) => Operation[]): LayerCost => ({
    forward: phaseSeconds(ops(forward), cluster),
    backward: phaseSeconds(ops(backward), cluster),
  });
  const byKind = new Map<string, LayerCost>();
  for (const { layer } of layerKinds(spec)) {
    byKind.set(
      layerKey(layer),
      cost((r) => layerOperations(spec, layer, r)),
    );
  }
  return {
    byKind,
    embedding: cost((r) => embeddingOperations(spec, r)),
    head: cost((r) => headOperations(spec, r)),
    mtpModule:
      spec.numMtpModules > 0
        ? cost((r) => mtpModuleOperations(spec, r))
        : { forward: ZERO_PHASE, backward: ZERO_PHASE },
  };
}
