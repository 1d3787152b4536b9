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
 */
import { paramCount } from './param-count.js';
import { attentionHeadDims, type LayerSpec, type ModelSpec } from './spec.js';

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

function attentionMatmulWeights(spec: ModelSpec): number {
  const a = spec.attention;
  const h = spec.hiddenSize;
  if (a.kind === 'mla') {
    const qHead = a.qkNopeHeadDim + a.qkRopeHeadDim;
    const q =
      a.qLoraRank === null ? h * a.numHeads * qHead : h * a.qLoraRank + a.qLoraRank * a.numHeads * qHead;
    return (
      q +
      h * (a.kvLoraRank + a.qkRopeHeadDim) +
      a.kvLoraRank * a.numHeads * (a.qkNopeHeadDim + a.vHeadDim) +
      a.numHeads * a.vHeadDim * h
    );
  }
  return h * a.headDim * (2 * a.numHeads + 2 * a.numKvHeads);
}

export function layerMatmulWeights(spec: ModelSpec, mlp: 'dense' | 'moe'): LayerMatmulWeights {
  const h = spec.hiddenSize;
  const attention = attentionMatmulWeights(spec);
  const matrices = (gated: boolean) => (gated ? 3 : 2);
  if (mlp === 'dense' || spec.moe === null) {
    return {
      attention,
      denseMlp: matrices(spec.mlp.gated) * h * spec.mlp.intermediateSize,
      sharedExperts: 0,
      routedExperts: 0,
      router: 0,
    };
  }
  const moe = spec.moe;
  return {
    attention,
    denseMlp: 0,
    sharedExperts: matrices(moe.gated) * h * moe.numSharedExperts * moe.sharedIntermediateSize,
    routedExperts: moe.topK * matrices(moe.gated) * h * moe.expertIntermediateSize,
    router: h * moe.numExperts,
  };
}

/** Average keys attended per query for a layer kind. */
function meanContext(
  contextTokens: number,
  mode: 'causal' | 'non-causal' | 'decode',
  window: number | null,
  sliding: boolean,
): number {
  const w = sliding && window !== null ? window : Number.POSITIVE_INFINITY;
  if (mode === 'decode') return Math.min(contextTokens, w);
  if (mode === 'non-causal') return Math.min(contextTokens, w);
  // Causal, ½ convention: s/2 without a window; with a window w < s: (w·s − w²/2)/s.
  if (contextTokens <= w) return contextTokens / 2;
  return w - (w * w) / (2 * contextTokens);
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
}

/**
 * Forward FLOPs for one token.
 *
 * @example forwardFlopsPerToken(spec, { attentionMode: 'causal', contextTokens: 4096 }).flopsPerToken
 */
export function forwardFlopsPerToken(spec: ModelSpec, options: ForwardFlopsOptions): FlopsPerToken {
  const { qkHeadDim, vHeadDim } = attentionHeadDims(spec.attention);
  const scoresPerKey = 2 * spec.attention.numHeads * (qkHeadDim + vHeadDim);
  const dense = layerMatmulWeights(spec, 'dense');
  const moe = layerMatmulWeights(spec, 'moe');

  let attentionProjections = 0;
  let attentionScores = 0;
  let denseMlp = 0;
  let sharedExperts = 0;
  let routedExperts = 0;
  let router = 0;
  const addLayer = (layer: LayerSpec) => {
    const w = layer.mlp === 'moe' ? moe : dense;
    attentionProjections += 2 * w.attention;
    denseMlp += 2 * w.denseMlp;
    sharedExperts += 2 * w.sharedExperts;
    routedExperts += 2 * w.routedExperts;
    router += 2 * w.router;
    attentionScores +=
      scoresPerKey *
      meanContext(
        options.contextTokens,
        options.attentionMode,
        spec.slidingWindow,
        layer.attention === 'sliding',
      );
  };
  for (const layer of spec.layers) addLayer(layer);

  let head = 2 * spec.hiddenSize * spec.vocabSize;
  if (options.includeMtp && spec.numMtpModules > 0) {
    for (let i = 0; i < spec.numMtpModules; i += 1) {
      addLayer({ attention: 'full', mlp: spec.moe ? 'moe' : 'dense' });
      // Projection M_k (2h → h) and the shared output head (DeepSeek-V3 Sec. 2.2).
      attentionProjections += 2 * 2 * spec.hiddenSize * spec.hiddenSize;
      head += 2 * spec.hiddenSize * spec.vocabSize;
    }
  }
  const breakdown: FlopsBreakdown = {
    attentionProjections,
    attentionScores,
    denseMlp,
    sharedExperts,
    routedExperts,
    router,
    head,
  };
  return { flopsPerToken: sumValues(breakdown), breakdown };
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
export function trainingFlopsPerToken(
  spec: ModelSpec,
  seqLen: number,
  options: { readonly includeMtp?: boolean } = {},
): TrainingFlops {
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
        params.breakdown.positionEmbedding +
        (spec.tieWordEmbeddings ? spec.vocabSize * spec.hiddenSize : 0)),
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
