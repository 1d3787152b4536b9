/**
 * FLOPs per token, counted per component: every matrix multiply costs 2 FLOPs per multiply-add
 * (Kaplan et al. 2020, Sec. 2.1; Narayanan et al. 2021, Sec. 5.1 / Appendix), attention scores and
 * values cost 2·heads·(d_qk + d_v) FLOPs per (query, key) pair, and the backward pass costs twice
 * the forward (so training = 3× forward, the "6·N·D" rule plus attention).
 *
 * Causal attention: a query at position i attends to i keys, so on average a training sequence of
 * length s costs s/2 pairs per query — the FlashAttention/DeepSeek "causal" convention. Megatron's
 * published MFUs count the full s×s matrix ("non-causal"); both are reported.
 * Sliding-window layers attend to at most `window` keys.
 * Norms, activations, softmax and biases are elementwise and excluded (< 0.5% of the total).
 * Shapes come from the operation list (operations.ts), the one place that derives them.
 */

import { layerKey } from './layer-view.js';
import {
  headOperations,
  layerOperations,
  layerWeights,
  type Operation,
  type OperationRequest,
  operationFlops,
} from './operations.js';
import { mtpModuleOperations } from './operations-mtp.js';
import { paramCount } from './param-count.js';
import { embeddingWidth, type LayerSpec, type ModelSpec } from './spec.js';
import { perSpecMemo } from './spec-memo.js';

export interface FlopsBreakdown {
  /** q/k/v/o projections (or MLA down/up projections). */
  readonly attentionProjections: number;
  /** Q·Kᵀ and softmax·V. */
  readonly attentionScores: number;
  readonly denseMlp: number;
  readonly sharedExperts: number;
  /** The top-k routed experts the token is sent to. */
  readonly routedExperts: number;
  readonly router: number;
  /** Output projection to the vocabulary (the input embedding is a lookup: 0 FLOPs). */
  readonly head: number;
  /** Gemma 4 per-layer inputs (PLE): model projection, gates and projections; absent without PLE. */
  readonly perLayerInput?: number;
  /** Gemma 3n AltUp routers and stream projections, LAuReL pairs, hyper-connections' fn and hc_head; absent without them. */
  readonly residualStreams?: number;
  /** The matmuls of layers' extras (LayerSpec.extras: ZAYA1's CCA convolutions and router MLP); absent without them. */
  readonly layerExtras?: number;
}

export interface FlopsPerToken {
  readonly flopsPerToken: number;
  readonly breakdown: FlopsBreakdown;
}

/** Matmul weights touched by one token in one layer of a kind, split by component (no biases/norms). */
export interface LayerMatmulWeights {
  readonly attention: number;
  readonly denseMlp: number;
  readonly sharedExperts: number;
  readonly routedExperts: number;
  readonly router: number;
}

/** Read off the operation list of a one-token forward (operations.ts). */
export function layerMatmulWeights(spec: ModelSpec, mlp: 'dense' | 'moe'): LayerMatmulWeights {
  const {
    allRoutedExperts: _all,
    perLayerInput: _ple,
    residualStreams: _streams,
    layerExtras: _extras,
    replicated: _replicated,
    ...weights
  } = layerWeights(spec, {
    attention: 'full',
    mlp,
  });
  return weights;
}

export interface ForwardFlopsOptions {
  /**
   * `causal`/`non-causal`: a token inside a training or prefill sequence of `contextTokens`;
   * `decode`: one new token attending to `contextTokens` cached tokens.
   */
  readonly attentionMode: 'causal' | 'non-causal' | 'decode';
  readonly contextTokens: number;
  /** Include DeepSeek-V3's MTP modules (training only). Default false. */
  readonly includeMtp?: boolean;
  /** Packed documents masked at their boundaries: attention spans this many tokens (TokenShape.documentTokens). */
  readonly documentTokens?: number;
}

const COMPONENTS = [
  'attentionProjections',
  'attentionScores',
  'denseMlp',
  'sharedExperts',
  'routedExperts',
  'router',
  'head',
  'perLayerInput',
  'residualStreams',
  'layerExtras',
] as const;

function isFlopsComponent(c: string): c is keyof FlopsBreakdown {
  return (COMPONENTS as readonly string[]).includes(c);
}

const kindsCache = new WeakMap<ModelSpec, readonly { readonly layer: LayerSpec; readonly count: number }[]>();

/** Distinct layer kinds of a model and how many layers have each (the op list is per kind; memoised). */
export function layerKinds(
  spec: ModelSpec,
): readonly { readonly layer: LayerSpec; readonly count: number }[] {
  const cached = kindsCache.get(spec);
  if (cached) return cached;
  const kinds = new Map<string, { layer: LayerSpec; count: number }>();
  for (const layer of spec.layers) {
    const key = layerKey(layer);
    const kind = kinds.get(key);
    if (kind) kind.count += 1;
    else kinds.set(key, { layer, count: 1 });
  }
  const list = [...kinds.values()];
  kindsCache.set(spec, list);
  return list;
}

/**
 * Forward FLOPs for one token: the GEMM and attention FLOPs of every layer's operation list on one
 * GPU (no parallelism), plus the output head, divided by the tokens.
 *
 * @example forwardFlopsPerToken(spec, { attentionMode: 'causal', contextTokens: 4096 }).flopsPerToken
 */
export function forwardFlopsPerToken(spec: ModelSpec, options: ForwardFlopsOptions): FlopsPerToken {
  const decode = options.attentionMode === 'decode';
  const tokens = decode ? 1 : options.contextTokens;
  const request: OperationRequest = {
    phase: decode ? 'decode' : 'forward',
    shape: {
      sequences: 1,
      tokensPerSequence: tokens,
      contextTokens: options.contextTokens,
      ...(options.documentTokens !== undefined && !decode && { documentTokens: options.documentTokens }),
    },
    layout: { tensorParallel: 1, contextParallel: 1, expertParallel: 1, sequenceParallel: false },
    datatype: 'bf16',
    gemmInputBytes: 2,
    attentionMask: options.attentionMode === 'non-causal' ? 'full' : 'causal',
  };
  const breakdown: Record<keyof FlopsBreakdown, number> = {
    attentionProjections: 0,
    attentionScores: 0,
    denseMlp: 0,
    sharedExperts: 0,
    routedExperts: 0,
    router: 0,
    head: 0,
    perLayerInput: 0,
    residualStreams: 0,
    layerExtras: 0,
  };
  const add = (ops: readonly Operation[], times: number) => {
    for (const op of ops) {
      if (isFlopsComponent(op.component)) breakdown[op.component] += (times * operationFlops(op)) / tokens;
    }
  };
  for (const { layer, count } of layerKinds(spec)) add(layerOperations(spec, layer, request), count);
  add(headOperations(spec, request), 1);
  if (options.includeMtp && spec.numMtpModules > 0)
    add(mtpModuleOperations(spec, request), spec.numMtpModules);
  const { perLayerInput, residualStreams, layerExtras, ...rest } = breakdown;
  return {
    flopsPerToken: sumValues(breakdown),
    breakdown: {
      ...rest,
      ...(spec.perLayerInput ? { perLayerInput } : {}),
      ...(spec.altUp || spec.laurel || spec.hyperConnections ? { residualStreams } : {}),
      ...(layerExtras > 0 ? { layerExtras } : {}),
    },
  };
}

function sumValues(record: object): number {
  return Object.values(record).reduce((a: number, b: number) => a + b, 0);
}

function scale(breakdown: FlopsBreakdown, factor: number): FlopsBreakdown {
  return Object.fromEntries(
    Object.entries(breakdown).map(([k, v]) => [k, v * factor]),
  ) as unknown as FlopsBreakdown;
}

export interface TrainingFlops {
  /** Forward + backward FLOPs per token, causal attention (½ convention). */
  readonly causal: FlopsPerToken;
  /** Forward + backward FLOPs per token, full attention matrix (Megatron convention). */
  readonly nonCausal: FlopsPerToken;
  /**
   * 6·N for comparison with the "6ND" rule: N = active parameters that multiply (the input embedding
   * is a lookup; a tied output head still multiplies).
   */
  readonly sixN: number;
}

/**
 * Training FLOPs per token: forward + backward = 3× forward (backward computes gradients with
 * respect to both inputs and weights; Narayanan et al. 2021, Sec. 5.1). Recomputation is a property
 * of the execution, not the model, and is added by the training engine (HFU vs MFU).
 */
const trainingFlopsMemo = perSpecMemo<string, TrainingFlops>();

export function trainingFlopsPerToken(
  spec: ModelSpec,
  seqLen: number,
  options: TrainingFlopsOptions = {},
): TrainingFlops {
  // Memoised per spec: the layout search asks for the same figures once per candidate layout.
  return trainingFlopsMemo(spec, `${seqLen}/${options.includeMtp === true}/${options.documentTokens}`, () =>
    computeTrainingFlops(spec, seqLen, options),
  );
}

type TrainingFlopsOptions = Pick<ForwardFlopsOptions, 'includeMtp' | 'documentTokens'>;

function computeTrainingFlops(spec: ModelSpec, seqLen: number, options: TrainingFlopsOptions): TrainingFlops {
  const causal = forwardFlopsPerToken(spec, { attentionMode: 'causal', contextTokens: seqLen, ...options });
  const nonCausal = forwardFlopsPerToken(spec, {
    attentionMode: 'non-causal',
    contextTokens: seqLen,
    ...options,
  });
  const params = paramCount(spec);
  return {
    causal: { flopsPerToken: 3 * causal.flopsPerToken, breakdown: scale(causal.breakdown, 3) },
    nonCausal: { flopsPerToken: 3 * nonCausal.flopsPerToken, breakdown: scale(nonCausal.breakdown, 3) },
    sixN:
      6 *
      (params.activeParams -
        params.breakdown.embedding -
        params.breakdown.positionEmbedding -
        (params.breakdown.perLayerEmbedding ?? 0) +
        (spec.tieWordEmbeddings ? spec.vocabSize * embeddingWidth(spec) : 0)),
  };
}

export interface InferenceFlops {
  /** Average forward FLOPs per prompt token when prefilling a prompt of `promptTokens` (causal). */
  readonly prefillFlopsPerToken: FlopsPerToken;
  /** Forward FLOPs for one generated token at a context of `contextTokens`. */
  readonly decodeFlopsPerToken: FlopsPerToken;
}

/** Inference FLOPs: prefill of a prompt (causal), and one decode step at a given context. */
export function inferenceFlopsPerToken(
  spec: ModelSpec,
  promptTokens: number,
  contextTokens: number,
): InferenceFlops {
  return {
    prefillFlopsPerToken: forwardFlopsPerToken(spec, {
      attentionMode: 'causal',
      contextTokens: promptTokens,
    }),
    decodeFlopsPerToken: forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens }),
  };
}
