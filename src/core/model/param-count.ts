/**
 * Exact parameter counts from a {@link ModelSpec}, per component.
 *
 * Conventions (docs/concepts.md):
 * - `totalParams` counts every parameter of the main model once (tied embeddings once).
 * - `activeParams` is what one token touches: everything except the routed experts it is not sent
 *   to. It counts both the input embedding and the output head.
 * - MTP modules (DeepSeek-V3) are reported in `mtpParams` and not included in the total, DeepSeek's
 *   convention (671B main model + MTP module). Their embedding and head are shared, so not counted.
 */
import type { AttentionSpec, MlpSpec, ModelSpec, MoeSpec } from './spec.js';

export interface ParamBreakdown {
  readonly embedding: number;
  readonly positionEmbedding: number;
  readonly attention: number;
  readonly denseMlp: number;
  readonly sharedExperts: number;
  readonly routedExperts: number;
  readonly router: number;
  readonly norms: number;
  readonly head: number;
}

export interface ParamCount {
  readonly totalParams: number;
  readonly activeParams: number;
  /** Input embedding + learned positions + output head (the head only when untied). */
  readonly embeddingParams: number;
  readonly mtpParams: number;
  readonly breakdown: ParamBreakdown;
  /** Per decoder layer (main model), total and active. */
  readonly perLayer: readonly { readonly totalParams: number; readonly activeParams: number }[];
}

/** One norm's parameters: RMSNorm has a weight, LayerNorm a weight and a bias. */
export function normParams(spec: ModelSpec, width: number): number {
  return spec.norm.kind === 'layernorm' ? 2 * width : width;
}

/** Attention parameters of one layer, q/k/v/o projections plus their biases, norms and sinks. */
export function attentionParams(spec: ModelSpec, attention: AttentionSpec = spec.attention): number {
  const h = spec.hiddenSize;
  if (attention.kind === 'mla') {
    // DeepSeek-V2 Eq. 9-19: W^DQ, W^UQ (+ W^QR folded in), W^DKV + W^KR, W^UK/W^UV, W^O, and the
    // RMSNorms on the query and KV latents (modeling_deepseek_v3.py).
    const qHead = attention.qkNopeHeadDim + attention.qkRopeHeadDim;
    const q =
      attention.qLoraRank === null
        ? h * attention.numHeads * qHead
        : h * attention.qLoraRank + attention.qLoraRank + attention.qLoraRank * attention.numHeads * qHead;
    const kvDown = h * (attention.kvLoraRank + attention.qkRopeHeadDim) + attention.kvLoraRank;
    const kvUp = attention.kvLoraRank * attention.numHeads * (attention.qkNopeHeadDim + attention.vHeadDim);
    const out = attention.numHeads * attention.vHeadDim * h;
    return q + kvDown + kvUp + out;
  }
  const qWidth = attention.numHeads * attention.headDim;
  const kvWidth = attention.numKvHeads * attention.headDim;
  const projections = h * (qWidth + 2 * kvWidth) + qWidth * h;
  const biases = (attention.qkvBias ? qWidth + 2 * kvWidth : 0) + (attention.outputBias ? h : 0);
  const qkNorm =
    attention.qkNorm === 'per-head'
      ? 2 * normParams(spec, attention.headDim)
      : attention.qkNorm === 'full'
        ? normParams(spec, qWidth) + normParams(spec, kvWidth)
        : 0;
  return projections + biases + qkNorm + (attention.sinks ? attention.numHeads : 0);
}

/** One MLP (or one expert) of intermediate size `intermediate`. */
export function mlpParams(hidden: number, intermediate: number, gated: boolean, bias: boolean): number {
  const matrices = (gated ? 3 : 2) * hidden * intermediate;
  const biases = bias ? (gated ? 2 : 1) * intermediate + hidden : 0;
  return matrices + biases;
}

function denseMlpParams(spec: ModelSpec, mlp: MlpSpec): number {
  return mlpParams(spec.hiddenSize, mlp.intermediateSize, mlp.gated, mlp.bias);
}

interface MoeLayerParams {
  readonly expert: number;
  readonly shared: number;
  readonly router: number;
}

function moeLayerParams(spec: ModelSpec, moe: MoeSpec): MoeLayerParams {
  const h = spec.hiddenSize;
  return {
    expert: mlpParams(h, moe.expertIntermediateSize, moe.gated, moe.expertBias),
    shared:
      moe.numSharedExperts > 0
        ? mlpParams(h, moe.numSharedExperts * moe.sharedIntermediateSize, moe.gated, false) +
          (moe.sharedExpertGate ? h : 0)
        : 0,
    router: h * moe.numExperts + (moe.routerBias ? moe.numExperts : 0),
  };
}

interface LayerParams {
  readonly attention: number;
  readonly denseMlp: number;
  readonly sharedExperts: number;
  readonly routedExperts: number;
  readonly activeRoutedExperts: number;
  readonly router: number;
  readonly norms: number;
}

function layerParams(spec: ModelSpec, mlp: 'dense' | 'moe'): LayerParams {
  const attention = attentionParams(spec);
  const norms = spec.norm.perLayer * normParams(spec, spec.hiddenSize);
  if (mlp === 'dense' || spec.moe === null) {
    return {
      attention,
      denseMlp: denseMlpParams(spec, spec.mlp),
      sharedExperts: 0,
      routedExperts: 0,
      activeRoutedExperts: 0,
      router: 0,
      norms,
    };
  }
  const moe = moeLayerParams(spec, spec.moe);
  return {
    attention,
    denseMlp: 0,
    sharedExperts: moe.shared,
    routedExperts: moe.expert * spec.moe.numExperts,
    activeRoutedExperts: moe.expert * spec.moe.topK,
    router: moe.router,
    norms,
  };
}

function sumLayer(p: LayerParams): number {
  return p.attention + p.denseMlp + p.sharedExperts + p.routedExperts + p.router + p.norms;
}

/**
 * Counts parameters exactly.
 *
 * @example paramCount(specFromHfConfig(gpt2Config, 'gpt2')).totalParams // 124_439_808
 */
export function paramCount(spec: ModelSpec): ParamCount {
  const h = spec.hiddenSize;
  const embedding = spec.vocabSize * h;
  const positionEmbedding = spec.learnedPositionEmbeddings * h;
  const head = spec.tieWordEmbeddings ? 0 : spec.vocabSize * h;
  const finalNorm = normParams(spec, h);

  let attention = 0;
  let denseMlp = 0;
  let sharedExperts = 0;
  let routedExperts = 0;
  let inactiveExperts = 0;
  let router = 0;
  let norms = finalNorm;
  const perLayer = spec.layers.map((layer) => {
    const p = layerParams(spec, layer.mlp);
    attention += p.attention;
    denseMlp += p.denseMlp;
    sharedExperts += p.sharedExperts;
    routedExperts += p.routedExperts;
    inactiveExperts += p.routedExperts - p.activeRoutedExperts;
    router += p.router;
    norms += p.norms;
    const total = sumLayer(p);
    return { totalParams: total, activeParams: total - (p.routedExperts - p.activeRoutedExperts) };
  });

  const breakdown: ParamBreakdown = {
    embedding,
    positionEmbedding,
    attention,
    denseMlp,
    sharedExperts,
    routedExperts,
    router,
    norms,
    head,
  };
  const totalParams = Object.values(breakdown).reduce((a, b) => a + b, 0);
  return {
    totalParams,
    activeParams: totalParams - inactiveExperts,
    embeddingParams: embedding + positionEmbedding + head,
    mtpParams: mtpParams(spec),
    breakdown,
    perLayer,
  };
}

/**
 * Parameters of the MTP modules (DeepSeek-V3 Sec. 2.2, Fig. 3): per module RMSNorms on the hidden
 * state and on the embedding, the projection M_k (2h → h), one decoder layer (MoE when the model
 * has experts), and the shared head's final RMSNorm. Embedding and output head are shared.
 */
export function mtpParams(spec: ModelSpec): number {
  if (spec.numMtpModules === 0) return 0;
  const h = spec.hiddenSize;
  const layer = sumLayer(layerParams(spec, spec.moe ? 'moe' : 'dense'));
  return spec.numMtpModules * (3 * normParams(spec, h) + 2 * h * h + layer);
}
