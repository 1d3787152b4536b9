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
import { InternalError } from '../errors.js';
import { attentionParams, keyValueParams, sparseIndexerParams } from './attention-params.js';
import { compressorParams } from './compressed-attention.js';
import { layerKey, layerView } from './layer-view.js';
import {
  denseMlpParams,
  gatedDeltaNetParams,
  moeLayerParams,
  normParams,
  routedExpertParams,
  shortConvParams,
  stateSpaceParams,
} from './mixer-params.js';
import { residualHeadParams, residualStreamParams } from './residual-stream-params.js';
import {
  embeddingTableParams,
  embeddingWidth,
  gqaKeyValueWidth,
  isAttentionMixer,
  type LayerMixer,
  type LayerSpec,
  type ModelSpec,
} from './spec.js';

// The attention's parameters have their own module; importers keep importing them from here.
export { attentionParams, keyValueParams, sparseIndexerParams } from './attention-params.js';

export interface ParamBreakdown {
  readonly embedding: number;
  readonly positionEmbedding: number;
  /** Softmax attention (GQA or MLA) projections, biases, q/k norms and sinks. */
  readonly attention: number;
  /** DSA lightning indexers of `sparse` layers (none on shared-indexer layers). */
  readonly sparseIndexer: number;
  /** Gated DeltaNet mixers of `linear` layers. */
  readonly linearAttention: number;
  /** Mamba-2 or Mamba-1 mixers of `mamba` layers. */
  readonly stateSpace: number;
  /** Gated short convolutions of `conv` layers (LFM2). */
  readonly shortConv: number;
  readonly denseMlp: number;
  /** Shared experts, and LatentMoE's fc1/fc2_latent_proj (always active). */
  readonly sharedExperts: number;
  readonly routedExperts: number;
  readonly router: number;
  readonly norms: number;
  /** The output head when untied, and OPT-350M's project_in and project_out. */
  readonly head: number;
  /** Per-layer input embedding table (Gemma 4 PLE, a lookup); absent without PLE. */
  readonly perLayerEmbedding?: number;
  /** Hashed lookup tables beside the vocabulary (ModelSpec.lookupTableParams); absent without them. */
  readonly lookupTables?: number;
  /** PLE's per_layer_model_projection and each layer's gate and projection; absent without PLE. */
  readonly perLayerInput?: number;
  /**
   * AltUp's per-layer router, coefficients, norm and output scale and the model's 2·(n − 1) h × h
   * stream projections, and LAuReL's per-layer low-rank pair and norm (Gemma 3n); absent without them.
   */
  readonly residualStreams?: number;
  /** Layers' small modules ModelSpec has no kind for (LayerSpec.extras); absent without them. */
  readonly layerExtras?: number;
}

export interface ParamCount {
  readonly totalParams: number;
  readonly activeParams: number;
  /** Input embedding + learned positions + output head (the head only when untied) + the PLE table. */
  readonly embeddingParams: number;
  readonly mtpParams: number;
  /** The vision encoder of a multimodal wrapper, not in the total (0 for a text-only model). */
  readonly visionParams: number;
  /** The audio encoder (Gemma 3n/4 E-models, Qwen3-Omni), not in the total; absent without one. */
  readonly audioParams?: number;
  readonly breakdown: ParamBreakdown;
  /** Per decoder layer (main model), total and active. */
  readonly perLayer: readonly { readonly totalParams: number; readonly activeParams: number }[];
}

/** A multimodal model's vision and audio encoders, counted apart from the total (paramCount's visionParams + audioParams). */
export const encoderParamCount = (spec: ModelSpec): number =>
  (spec.vision?.params ?? 0) + (spec.audio?.params ?? 0);

/** One of OPT-350M's bias-free project_in (w → h) and project_out (h → w); 0 when the embedding is h wide. */
export function embeddingProjectionParams(spec: ModelSpec): number {
  const w = embeddingWidth(spec);
  return w === spec.hiddenSize ? 0 : w * spec.hiddenSize;
}

/** The parts of {@link ParamBreakdown} that sit inside decoder layers. */
type LayerPart = Exclude<
  keyof ParamBreakdown,
  | 'embedding'
  | 'positionEmbedding'
  | 'head'
  | 'perLayerEmbedding'
  | 'perLayerInput'
  | 'residualStreams'
  | 'layerExtras'
  | 'lookupTables'
>;

const LAYER_PARTS: readonly LayerPart[] = [
  'attention',
  'sparseIndexer',
  'linearAttention',
  'stateSpace',
  'shortConv',
  'denseMlp',
  'sharedExperts',
  'routedExperts',
  'router',
  'norms',
];

type LayerParams = Readonly<Record<LayerPart, number>> & {
  readonly activeRoutedExperts: number;
  /** Weights the layer holds but no token runs (Gemma 3n KV-shared layers' k/v projections and k norm). */
  readonly unused: number;
  /** PLE: this layer's slice of per_layer_model_projection, its gate and its projection (3·h·p). */
  readonly perLayerInput: number;
  /** AltUp and LAuReL of this layer ({@link residualStreamParams}). */
  readonly residualStreams: number;
  readonly layerExtras: number;
};

/** A spec field a layer kind needs; its absence is a malformed spec. */
function required<T>(value: T | null, mixer: LayerMixer, field: string): T {
  if (value === null) throw new InternalError(`a '${mixer}' layer needs spec.${field}`);
  return value;
}

/**
 * A cross-attention layer's attention (MllamaCrossAttentionDecoderLayer, IdeficsGatedCrossAttentionLayer):
 * the model's q/k/v/o with k_proj and v_proj reading `contextWidth`, per-head q and k RMSNorms unless
 * `qkNorm` is 'none', and the layer's two tanh gates of `gateWidth` each.
 */
function crossAttentionParams(spec: ModelSpec): number {
  const a = spec.attention;
  if (a.kind !== 'gqa') throw new InternalError("a 'cross' layer needs GQA attention");
  const c = spec.crossAttention;
  const kvWidth = gqaKeyValueWidth(a);
  const keyValues = ((c?.contextWidth ?? spec.hiddenSize) - spec.hiddenSize) * kvWidth;
  const gates = 2 * (c?.gateWidth ?? 1);
  return attentionParams(spec, { ...a, qkNorm: c?.qkNorm ?? 'per-head' }) + keyValues + gates;
}

/** The token mixer of one layer, by component. */
function mixerParams(
  spec: ModelSpec,
  layer: LayerSpec,
): Pick<LayerParams, 'attention' | 'sparseIndexer' | 'linearAttention' | 'stateSpace' | 'shortConv'> {
  const mixer = layer.attention;
  const softmax = isAttentionMixer(mixer);
  // DeciLMLinearAttention (Nemotron-NAS replace_with_linear): one bias-free h × h Linear.
  const projection = mixer === 'projection' ? spec.hiddenSize * spec.hiddenSize : 0;
  return {
    // A KV-shared layer (Gemma 4) has no k/v projections or k norm of its own; Gemma 3n's keep theirs.
    attention: softmax
      ? attentionParams(spec) +
        compressorParams(spec, layer) -
        (layer.kvShared && !spec.kvSharedWeightsKept ? keyValueParams(spec, spec.attention) : 0)
      : mixer === 'cross'
        ? crossAttentionParams(spec)
        : projection,
    // A shared-indexer layer (GLM-5.2, Hy4 `indexer_types` 'shared') builds no indexer: `self.indexer = None`.
    sparseIndexer:
      mixer === 'sparse' && !layer.indexerShared
        ? sparseIndexerParams(spec, required(spec.sparseAttention, mixer, 'sparseAttention'), layer)
        : 0,
    linearAttention:
      mixer === 'linear'
        ? gatedDeltaNetParams(spec.hiddenSize, required(spec.linearAttention, mixer, 'linearAttention'))
        : 0,
    stateSpace:
      mixer === 'mamba'
        ? stateSpaceParams(spec.hiddenSize, required(spec.stateSpace, mixer, 'stateSpace'))
        : 0,
    shortConv:
      mixer === 'conv'
        ? shortConvParams(spec.hiddenSize, required(spec.shortConv ?? null, mixer, 'shortConv'))
        : 0,
  };
}

function layerParams(model: ModelSpec, layer: LayerSpec): LayerParams {
  // The layer's own attention, KV heads, MLP width and norms (layerView: Nemotron-NAS, Gemma 4).
  const spec = layerView(model, layer);
  const m = mixerParams(spec, layer);
  // Attention Residuals: a [1, h] projection and an RMSNorm weight before attention and before the MLP.
  const norms =
    spec.norm.perLayer * normParams(spec, spec.hiddenSize) +
    (spec.attentionResiduals ? 4 * spec.hiddenSize : 0);
  const moe = layer.mlp === 'moe' && spec.moe !== null ? moeLayerParams(spec, spec.moe) : null;
  return {
    attention: m.attention,
    sparseIndexer: m.sparseIndexer,
    linearAttention: m.linearAttention,
    stateSpace: m.stateSpace,
    shortConv: m.shortConv,
    denseMlp:
      layer.mlp === 'none' || moe !== null
        ? 0
        : layer.mlp === 'projection'
          ? // DeciLMLinearMLP (Nemotron-NAS replace_with_linear): one bias-free h × h Linear.
            spec.hiddenSize * spec.hiddenSize
          : denseMlpParams(spec, spec.mlp),
    sharedExperts: moe ? moe.shared : 0,
    // A second expert group (ERNIE-4.5-VL's vision experts) is held and idle for a text token.
    routedExperts: moe && spec.moe ? moe.expert * spec.moe.numExperts + moe.modality : 0,
    activeRoutedExperts: moe && spec.moe ? moe.expert * spec.moe.topK : 0,
    // Held, not run by a text token: Gemma 3n KV-shared layers' k/v weights, the second expert group's router
    // rows, the layer's idle extras (experts a token is not routed to).
    unused:
      (layer.kvShared && spec.kvSharedWeightsKept && isAttentionMixer(layer.attention)
        ? keyValueParams(spec, spec.attention)
        : 0) +
      (moe ? moe.modalityRouter : 0) +
      (layer.extras?.idleParams ?? 0),
    router: moe ? moe.router : 0,
    norms,
    perLayerInput: spec.perLayerInput ? 3 * spec.hiddenSize * spec.perLayerInput.hiddenSize : 0,
    residualStreams: residualStreamParams(spec, normParams(spec, spec.hiddenSize)),
    layerExtras: layer.extras?.params ?? 0,
  };
}

function sumLayer(p: LayerParams): number {
  let total = p.perLayerInput + p.residualStreams + p.layerExtras;
  for (const part of LAYER_PARTS) total += p[part];
  return total;
}

/**
 * Counts parameters exactly.
 *
 * Memoised per spec (specs are immutable; planners ask once per candidate layout or deployment).
 *
 * @example paramCount(specFromHfConfig(gpt2Config, 'gpt2')).totalParams // 124_439_808
 */
export function paramCount(spec: ModelSpec): ParamCount {
  const counted = counts.get(spec) ?? countParams(spec);
  counts.set(spec, counted);
  return counted;
}
const counts = new WeakMap<ModelSpec, ParamCount>();

function countParams(spec: ModelSpec): ParamCount {
  const h = spec.hiddenSize;
  const embedding = embeddingTableParams(spec);
  const positionEmbedding = spec.learnedPositionEmbeddings * h;
  // The head, its bias (`headBias`), and OPT-350M's project_in and project_out, counted with it.
  const head =
    (spec.tieWordEmbeddings ? 0 : embeddingTableParams(spec)) +
    2 * embeddingProjectionParams(spec) +
    (spec.headBias ? spec.vocabSize : 0);
  // The final norm, and Attention Residuals' output mixing (a [1, h] projection and a norm weight).
  const finalNorm =
    (spec.norm.final === false ? 0 : normParams(spec, h)) + (spec.attentionResiduals ? 2 * h : 0);

  const byKind = new Map<string, LayerParams>();
  const sums = Object.fromEntries(LAYER_PARTS.map((k) => [k, 0])) as Record<LayerPart, number>;
  const ple = spec.perLayerInput ?? null;
  // PLE adds per_layer_projection_norm, an RMSNorm of p, beside the final norm.
  sums.norms =
    finalNorm +
    (spec.norm.embedding ? normParams(spec, spec.hiddenSize) : 0) +
    (ple ? normParams(spec, ple.hiddenSize) : 0);
  let perLayerInput = 0;
  let residualStreams = residualHeadParams(spec);
  let layerExtras = 0;
  let inactive = 0;
  const perLayer = spec.layers.map((layer) => {
    // A layer running an earlier layer's weights (Zamba2's shared blocks) holds none of its own.
    if (layer.reusesWeights !== undefined) return { totalParams: 0, activeParams: 0 };
    // Layers of one kind have identical counts: compute each kind once.
    const key = layerKey(layer);
    const p = byKind.get(key) ?? layerParams(spec, layer);
    byKind.set(key, p);
    for (const part of LAYER_PARTS) sums[part] += p[part];
    perLayerInput += p.perLayerInput;
    residualStreams += p.residualStreams;
    layerExtras += p.layerExtras;
    const idle = p.routedExperts - p.activeRoutedExperts + p.unused;
    inactive += idle;
    const total = sumLayer(p);
    return { totalParams: total, activeParams: total - idle };
  });

  const perLayerEmbedding = ple ? ple.vocabSize * spec.numLayers * ple.hiddenSize : 0;
  const breakdown: ParamBreakdown = {
    embedding,
    positionEmbedding,
    ...sums,
    head,
    ...(ple ? { perLayerEmbedding, perLayerInput } : {}),
    ...(spec.altUp || spec.laurel || spec.hyperConnections ? { residualStreams } : {}),
    ...(layerExtras > 0 ? { layerExtras } : {}),
    ...(spec.lookupTableParams ? { lookupTables: spec.lookupTableParams } : {}),
  };
  const totalParams = Object.values(breakdown).reduce((a, b) => a + b, 0);
  return {
    totalParams,
    // A token reads a few rows of a hashed lookup table (Qwen4-Exp's PLE): held, not active.
    activeParams: totalParams - inactive - (spec.lookupTableParams ?? 0),
    embeddingParams: embedding + positionEmbedding + head + perLayerEmbedding + (spec.lookupTableParams ?? 0),
    mtpParams: mtpParams(spec),
    visionParams: spec.vision?.params ?? 0,
    ...(spec.audio ? { audioParams: spec.audio.params } : {}),
    breakdown,
    perLayer,
  };
}

/**
 * Parameters of the MTP modules (DeepSeek-V3 Sec. 2.2, Fig. 3): per module RMSNorms on the hidden
 * state and on the embedding, the projection M_k (2h → h), one decoder layer (MoE when the model
 * has experts), and the shared head's final RMSNorm. Embedding and output head are shared, unless
 * each module has a head of its own (`ModelSpec.mtpModule.ownHead`).
 */
export function mtpParams(spec: ModelSpec): number {
  if (spec.numMtpModules === 0) return 0;
  const h = spec.hiddenSize;
  const layer = sumLayer(layerParams(spec, mtpLayer(spec)));
  const head = spec.mtpModule?.ownHead ? spec.vocabSize * embeddingWidth(spec) : 0;
  return spec.numMtpModules * (3 * normParams(spec, h) + 2 * h * h + layer + head);
}

/** The routed experts among the MTP modules' parameters (what EP spreads over its ranks); 0 for dense modules. */
export function mtpRoutedExpertParams(spec: ModelSpec): number {
  if (spec.numMtpModules === 0 || mtpLayer(spec).mlp !== 'moe') return 0;
  return spec.numMtpModules * routedExpertParams(spec);
}

/**
 * The decoder layer of an MTP module: the spec's own (`ModelSpec.mtpModule`), else attention like the
 * main model's attention layers (sparse when it has a DSA indexer, else full), MoE when it has experts.
 */
export function mtpLayer(spec: ModelSpec): LayerSpec {
  if (spec.mtpModule) return spec.mtpModule.layer;
  // DeepSeek-V4's MTP layer attends over its window only (compress_ratios' entry past the depth is 0).
  if (spec.attention.kind === 'compressed') return { attention: 'sliding', mlp: spec.moe ? 'moe' : 'dense' };
  return { attention: spec.sparseAttention ? 'sparse' : 'full', mlp: spec.moe ? 'moe' : 'dense' };
}
