/**
 * KV-cache size (DeepSeek-V2, Table 1): per token and layer, MHA/GQA/MQA cache 2·n_kv·d_h elements
 * (keys and values), MLA caches the compressed latent d_c plus the shared RoPE key d_h^R. Only
 * softmax-attention layers hold a KV cache: sliding-window layers at most `window` tokens, chunked
 * layers (Llama 4) at most one chunk, sparse DSA layers the full context plus one indexer key per
 * token (DeepSeek-V3.2-Exp report Sec. 2.1; none on shared-indexer layers), DeepSeek-V4's layers one shared K=V head over their window
 * plus one entry (and on CSA layers one indexer key) per compressed window of tokens (DeepSeek-V4
 * report Sec. 2.3; compressed-attention.ts). Linear-attention and Mamba layers hold a constant
 * recurrent state instead ({@link recurrentStateBytes}). MTP modules are not used at inference.
 */
import { bytesPerElement, type KvFormat } from '../precision.js';
import { compressedCacheElements } from './compressed-attention.js';
import { crossContextTokens, linearConvChannels, stateSpaceConvChannels } from './layer-kinds.js';
import { layerView } from './layer-view.js';
import { hasShortConv, isRwkv } from './mixer-specs.js';
import {
  type AttentionSpec,
  type GatedDeltaNetSpec,
  gqaKeyValueWidth,
  isAttentionMixer,
  type LayerMixer,
  type LayerSpec,
  type ModelSpec,
  type StateSpaceSpec,
} from './spec.js';

/**
 * Cached elements per token in one softmax-attention layer (indexer key excluded), of `spec`'s
 * attention, or of `layer`'s own when given (layerView: Gemma 4's global layers, Nemotron-NAS KV
 * heads). Keys and values are cached apart even when one projection makes both (`valueFromKey`).
 */
export function kvElementsPerTokenPerLayer(
  spec: ModelSpec,
  layer?: Pick<LayerSpec, 'attention'> & Partial<LayerSpec>,
): number {
  const a = layer ? layerView(spec, layer).attention : spec.attention;
  // DeepSeek-V4 caches its one shared K=V head once per token (compressed-attention.ts).
  if (a.kind === 'compressed') return a.headDim;
  return a.kind === 'mla' ? a.kvLoraRank + a.qkRopeHeadDim : gqaKeyValueWidth(a);
}

/**
 * The share of one layer's KV cache a GPU of `tensorParallel` holds: GQA KV heads split over the TP
 * ranks, replicated when TP exceeds them (vLLM, SGLang, TRT-LLM); MLA's latent and DeepSeek-V4's
 * one shared head whole on every rank.
 */
export function kvShareOnGpu(attention: AttentionSpec, tensorParallel: number): number {
  return attention.kind === 'gqa' ? headShareOnGpu(attention.numKvHeads, tensorParallel) : 1;
}

/** The share of `heads` one of `tensorParallel` ranks holds: split, or whole once TP exceeds them. */
export function headShareOnGpu(heads: number, tensorParallel: number): number {
  return Math.max(1, heads / tensorParallel) / heads;
}

/** KV heads a TP split must respect: GQA's, MLA's query heads (its latent is not split by head), V4's one shared head. */
const kvHeadsOf = (a: AttentionSpec): number =>
  a.kind === 'gqa' ? a.numKvHeads : a.kind === 'mla' ? a.numHeads : 1;

/**
 * The distinct KV-head counts of the attention layers, ascending (one for most models; Nemotron-NAS
 * layers each have their own); the query heads for MLA, whose latent is not split by head.
 */
export const kvHeadCounts = (spec: ModelSpec): number[] => attentionLayerCounts(spec, kvHeadsOf);

/**
 * The distinct query-head counts of the attention layers, ascending (one for most models; OpenELM's
 * layers each have their own); a model without attention layers carries its mixer's split units.
 */
export const queryHeadCounts = (spec: ModelSpec): number[] => attentionLayerCounts(spec, (a) => a.numHeads);

function attentionLayerCounts(spec: ModelSpec, of: (a: AttentionSpec) => number): number[] {
  const counts = new Set<number>();
  for (const layer of spec.layers) {
    if (!isAttentionMixer(layer.attention)) continue;
    counts.add(of(layerView(spec, layer).attention));
  }
  if (counts.size === 0) counts.add(of(spec.attention));
  return [...counts].sort((a, b) => a - b);
}

/** Whether `tensorParallel` ranks split every attention layer's query heads evenly. */
export const splitsQueryHeads = (spec: ModelSpec, tensorParallel: number): boolean =>
  queryHeadCounts(spec).every((heads) => heads % tensorParallel === 0);

/**
 * Whether `tensorParallel` ranks can split every attention layer's KV heads: it divides them or is a
 * multiple of them (replicated); vLLM, SGLang and TRT-LLM refuse other splits.
 */
export function splitsKvHeads(spec: ModelSpec, tensorParallel: number): boolean {
  return kvHeadCounts(spec).every((kv) => kv % tensorParallel === 0 || tensorParallel % kv === 0);
}

/**
 * Whether `tensorParallel` ranks split `spec`: its query heads evenly and every attention layer's KV
 * heads evenly or replicated. A model without attention layers carries its mixer's split units as
 * its heads (families/mamba.ts: Mamba-2 groups, Mamba-1 channels); a hybrid's Mamba-2 mixers as
 * splitsHybridMamba2 says (`replicatedGroup` false for training).
 */
export function tensorParallelSplits(
  spec: ModelSpec,
  tensorParallel: number,
  replicatedGroup = true,
): boolean {
  return (
    splitsQueryHeads(spec, tensorParallel) &&
    splitsKvHeads(spec, tensorParallel) &&
    splitsHybridMamba2(spec, tensorParallel, replicatedGroup)
  );
}

/**
 * A hybrid's Mamba-2 mixers (Nemotron-H, Falcon-H1, Granite 4) beside its attention layers: TP divides
 * their heads, and their groups — in serving, unless there is one group, replicated on every rank (vLLM
 * MambaMixer2: "Tensor parallel world size must divide num heads", "If tensor parallel world size does not
 * divide num_groups, then num_groups must equal 1"); in training always (`replicatedGroup` false:
 * Megatron-Core's MambaMixer asserts ngroups % tp == 0).
 */
export function splitsHybridMamba2(spec: ModelSpec, tensorParallel: number, replicatedGroup = true): boolean {
  const m = spec.stateSpace;
  if (m === null || m.selective !== undefined || !hasAttentionLayers(spec)) return true;
  const groups = m.numGroups % tensorParallel === 0 || (replicatedGroup && m.numGroups === 1);
  return m.numHeads % tensorParallel === 0 && groups;
}

/** Whether any layer runs softmax attention (none in Mamba or Falcon-Mamba). */
export function hasAttentionLayers(spec: ModelSpec): boolean {
  return spec.layers.some((l) => isAttentionMixer(l.attention));
}

/**
 * What a refused tensor parallelism must divide, in words, for the error that names it; a hybrid's lone
 * Mamba-2 group is named only where it is not replicated (`replicatedGroup` false: training).
 */
export function tensorParallelRequirement(
  spec: ModelSpec,
  tensorParallel: number,
  replicatedGroup = true,
): string {
  const heads = queryHeadCounts(spec).join(' and ');
  if (!hasAttentionLayers(spec)) {
    const s = spec.stateSpace?.selective;
    const units = s ? (s.stepPerHead ? 'state-space heads' : 'Mamba-1 channels') : 'state-space groups';
    return `tensor parallelism ${tensorParallel} must divide the ${heads} ${units} of ${spec.name}`;
  }
  const m = spec.stateSpace;
  const mamba =
    m === null || m.selective !== undefined
      ? ''
      : replicatedGroup && m.numGroups === 1
        ? `, the ${m.numHeads} Mamba-2 heads`
        : `, the ${m.numHeads} Mamba-2 heads and the ${m.numGroups} Mamba-2 group${m.numGroups === 1 ? '' : 's'}`;
  return `tensor parallelism ${tensorParallel} must divide the ${heads} attention heads${mamba} and divide or be a multiple of the ${kvHeadCounts(spec).join(' and ')} KV heads of ${spec.name}`;
}

/**
 * Indexer-key elements per token in one sparse layer: DeepseekV32Indexer caches k of `index_head_dim`,
 * MiniMax-M3's indexer one index key of `sparse_index_dim` (vLLM `MiniMaxM3IndexerCache`).
 */
export function indexerElementsPerToken(spec: ModelSpec): number {
  return spec.sparseAttention?.headDim ?? 0;
}

/** Number of layers of each mixer kind. */
export function layerMix(spec: ModelSpec): Readonly<Record<LayerMixer, number>> {
  const mix: Record<LayerMixer, number> = {
    full: 0,
    sliding: 0,
    chunked: 0,
    sparse: 0,
    linear: 0,
    mamba: 0,
    conv: 0,
    projection: 0,
    cross: 0,
    none: 0,
  };
  for (const layer of spec.layers) mix[layer.attention] += 1;
  return mix;
}

export interface KvCacheBytes {
  /**
   * Bytes per token with every attention layer holding it (the steady-state figure papers quote), on
   * one GPU of the tensor parallelism asked for (the whole cache at 1).
   */
  readonly bytesPerToken: number;
  /**
   * Bytes for one sequence of `contextTokens`: sliding layers capped at the window, chunked layers
   * at the chunk; excludes the recurrent state of linear/Mamba layers (see `recurrentStateBytes`).
   */
  readonly bytesPerSequence: number;
  /** Per token and attention layer at the model-wide attention (of the non-`full` ones when `full` layers have their own). */
  readonly elementsPerTokenPerLayer: number;
  /**
   * The least and most elements per token of a caching layer of the model-wide attention kind, when
   * layers carry their own KV heads (Nemotron-NAS); else absent.
   */
  readonly elementsPerTokenPerLayerRange?: { readonly min: number; readonly max: number };
  /** Of each `full` layer when it has its own attention (Gemma 4 global layers); absent otherwise. */
  readonly fullElementsPerTokenPerLayer?: number;
  /** Layers whose KV grows with the whole context: full and sparse attention (KV-shared layers excluded). */
  readonly fullLayers: number;
  readonly slidingLayers: number;
  readonly chunkedLayers: number;
  /** Sparse (DSA) layers, included in `fullLayers`; each with its own indexer also caches an indexer key per token. */
  readonly sparseLayers: number;
  /**
   * The indexer keys' share of `bytesPerSequence`: one key per token and sparse layer, whole on
   * every tensor-parallel rank (DSA's wk, MiniMax-M3's replicated index_k).
   */
  readonly indexerBytesPerSequence: number;
  /** Layers with no KV cache: linear attention, Mamba, mixer-less blocks, KV-shared attention layers. */
  readonly layersWithoutKv: number;
  /** Attention layers that reuse an earlier layer's cache (Gemma 4 `num_kv_shared_layers`); absent when none. */
  readonly kvSharedLayers?: number;
  /** Cross-attention layers (Llama 3.2 Vision) and the image keys and values they cache per sequence (in `bytesPerSequence`); absent when none. */
  readonly crossLayers?: number;
  readonly crossBytesPerSequence?: number;
}

/**
 * KV-cache bytes for one sequence of `contextTokens` at `format`, on one GPU of `tensorParallel`
 * (each layer's share, {@link kvShareOnGpu}; the whole cache at 1).
 *
 * @example kvCacheBytes(deepseekV3, 1, 'bf16').bytesPerToken // 70_272
 */
export function kvCacheBytes(
  spec: ModelSpec,
  contextTokens: number,
  format: KvFormat = 'bf16',
  tensorParallel = 1,
): KvCacheBytes {
  const bytes = bytesPerElement(format);
  const mix = layerMix(spec);
  const windowTokens = Math.min(contextTokens, spec.slidingWindow ?? contextTokens);
  const chunkTokens = Math.min(contextTokens, spec.chunkedAttentionTokens ?? contextTokens);
  // Each layer caches its own attention's elements (layerView: Nemotron-NAS KV heads, Gemma 4 global
  // layers), one GPU's share under TP (kvShareOnGpu), for the tokens it keeps.
  let bytesPerToken = 0;
  let bytesPerSequence = 0;
  let attentionLayers = 0;
  let kvSharedLayers = 0;
  // Caching layers by what they keep: the window, one chunk, or everything (a sliding layer without
  // a window, or chunked without a chunk, attends to everything).
  let slidingLayers = 0;
  let chunkedLayers = 0;
  let fullLayers = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  // Cross-attention layers cache the image's keys and values once per sequence, whatever its length.
  let crossLayers = 0;
  let crossBytesPerSequence = 0;
  let indexerBytesPerToken = 0;
  for (const layer of spec.layers) {
    if (layer.attention === 'cross') {
      const view = layerView(spec, layer);
      crossLayers += 1;
      crossBytesPerSequence +=
        kvElementsPerTokenPerLayer(view, layer) *
        bytes *
        kvShareOnGpu(view.attention, tensorParallel) *
        crossContextTokens(spec);
      continue;
    }
    if (!isAttentionMixer(layer.attention)) continue;
    // A KV-shared layer reads the cache of the layer it shares with and holds none (vLLM
    // kv_sharing_target_layer_name).
    if (layer.kvShared) {
      kvSharedLayers += 1;
      continue;
    }
    const view = layerView(spec, layer);
    const whole = kvElementsPerTokenPerLayer(view);
    if (!(layer.attention === 'full' && spec.fullAttention)) {
      min = Math.min(min, whole);
      max = Math.max(max, whole);
    }
    const layerBytes = whole * bytes * kvShareOnGpu(view.attention, tensorParallel);
    // Indexer keys: one per token (DSA, MiniMax-M3) or per compressed entry (DeepSeek-V4 CSA); none
    // on a shared-indexer layer, which builds no indexer to cache them (modeling_glm_moe_dsa.py).
    if (layer.attention === 'sparse' && !layer.indexerShared)
      indexerBytesPerToken += (indexerElementsPerToken(spec) * bytes) / (layer.compressRatio ?? 1);
    let kept = contextTokens;
    if (layer.attention === 'sliding' && spec.slidingWindow !== null) {
      kept = windowTokens;
      slidingLayers += 1;
    } else if (layer.attention === 'chunked' && spec.chunkedAttentionTokens !== null) {
      kept = chunkTokens;
      chunkedLayers += 1;
    } else fullLayers += 1;
    attentionLayers += 1;
    if (view.attention.kind === 'compressed') {
      // DeepSeek-V4: the window's shared head plus one entry per compressRatio tokens, whole on every
      // rank (compressed-attention.ts); the indexer keys are counted above.
      // Per token, what grows: one entry per compressRatio tokens (the window stays capped).
      const { window, entries } = compressedCacheElements(view, layer, contextTokens);
      bytesPerToken += layerBytes / (layer.compressRatio ?? Number.POSITIVE_INFINITY);
      bytesPerSequence += (window + entries) * bytes;
      continue;
    }
    bytesPerToken += layerBytes;
    bytesPerSequence += layerBytes * kept;
  }
  return {
    bytesPerToken: bytesPerToken + indexerBytesPerToken,
    bytesPerSequence: bytesPerSequence + indexerBytesPerToken * contextTokens + crossBytesPerSequence,
    elementsPerTokenPerLayer: kvElementsPerTokenPerLayer(spec),
    ...(min < max ? { elementsPerTokenPerLayerRange: { min, max } } : {}),
    ...(spec.fullAttention && mix.full > 0
      ? { fullElementsPerTokenPerLayer: kvElementsPerTokenPerLayer(spec, { attention: 'full' }) }
      : {}),
    fullLayers,
    slidingLayers,
    chunkedLayers,
    sparseLayers: mix.sparse,
    indexerBytesPerSequence: indexerBytesPerToken * contextTokens,
    layersWithoutKv: spec.numLayers - attentionLayers - crossLayers,
    ...(kvSharedLayers > 0 ? { kvSharedLayers } : {}),
    ...(crossLayers > 0 ? { crossLayers, crossBytesPerSequence } : {}),
  };
}

/** Elements of one layer's recurrent state: the causal-conv window and the SSM / delta-rule state. */
export interface LayerStateElements {
  readonly conv: number;
  readonly state: number;
}

/**
 * Gated DeltaNet state per sequence (Yang et al. 2024, Eq. 10; vLLM `mamba_utils` gated-delta-net
 * shapes): the conv keeps the last `convKernel − 1` inputs of its 2·k + v channels, the delta rule
 * one `keyHeadDim × valueHeadDim` matrix per value head. Lightning attention (MiniMaxCache
 * `linear_cache`, vLLM `linear_attention_state_shape`) keeps the d × d matrix per head and no conv.
 * The mLSTM (transformers `xLSTMCache.rnn_state`) keeps per head C (d_qk × d_v), the normaliser n
 * (d_qk) and the stabiliser m (1), and no conv. RWKV keeps each layer's two token-shift vectors
 * (transformers RwkvModel `state[0]`, `state[1]`; fla `conv_state`, `ffn_state`: 2·h at the model's
 * dtype, counted as the conv window) and its WKV state: RWKV-4 per channel the numerator, denominator
 * and running max (`state[2..4]`, FP32: the mLSTM's C, n, m with d = 1), RWKV-5, RWKV-6 and RWKV-7 per head
 * d_k × d_v (Hub Rwkv5Model / Rwkv6Model `state[1]`, attn_kv in FP32; fla `recurrent_state`). HGRN2 (fla
 * `recurrent_state` of `chunk_gla` / `fused_recurrent_gla`) keeps d_k × d_v per head, HGRN
 * (`fused_recurrent_hgrn`) one element per channel (D = H·d_k·d_v with d_k = d_v = 1); with their short
 * convs the window of q, f, i (HGRN: i, f) — kernel − 1 inputs, as for Gated DeltaNet, where fla's
 * ShortConvolution cache holds kernel.
 */
export function gatedDeltaNetStateElements(g: GatedDeltaNetSpec): LayerStateElements {
  const keyWidth = g.numKeyHeads * g.keyHeadDim;
  const channels = linearConvChannels(g);
  // RWKV's token shift: the time mix's and the channel mix's last input (k = h), kept like a conv window.
  const conv = hasShortConv(g) ? (g.convKernel - 1) * channels : isRwkv(g) ? 2 * keyWidth : 0;
  const normaliser = g.projections === 'mlstm' || g.projections === 'rwkv4' ? g.keyHeadDim + 1 : 0;
  return { conv, state: g.numValueHeads * (g.keyHeadDim * g.valueHeadDim + normaliser) };
}

/**
 * State-space state per sequence (Dao & Gu 2024, Sec. 7; vLLM `mamba_utils` mamba1 and mamba2
 * shapes): the conv keeps `convKernel − 1` inputs of its channels (Mamba-2 H·P + 2·G·N, Mamba-1
 * d_inner), the SSM an H × P × N state (Mamba-1: d_inner × N).
 */
export function stateSpaceStateElements(m: StateSpaceSpec): LayerStateElements {
  return {
    conv: (m.convKernel - 1) * stateSpaceConvChannels(m),
    state: m.numHeads * m.headDim * m.stateSize,
  };
}

export interface RecurrentStateBytes {
  /** Constant bytes per sequence, whatever its length, over all linear and Mamba layers. */
  readonly bytesPerSequence: number;
  readonly convBytesPerSequence: number;
  readonly stateBytesPerSequence: number;
  readonly linearLayers: number;
  readonly mambaLayers: number;
  /** Short-convolution layers (LFM2): a conv window only. */
  readonly convLayers: number;
}

/**
 * Recurrent state of one sequence. The conv window is kept at the activation precision
 * (`convFormat`, BF16 by default); the SSM / delta-rule state at the precision the config asks for
 * (`stateBytesPerElement` of the layer spec: FP32 when `mamba_ssm_dtype` says so).
 */
export function recurrentStateBytes(spec: ModelSpec, convFormat: KvFormat = 'bf16'): RecurrentStateBytes {
  const mix = layerMix(spec);
  const convBytes = bytesPerElement(convFormat);
  let conv = 0;
  let state = 0;
  if (mix.linear > 0 && spec.linearAttention) {
    const e = gatedDeltaNetStateElements(spec.linearAttention);
    conv += mix.linear * e.conv * convBytes;
    state += mix.linear * e.state * spec.linearAttention.stateBytesPerElement;
  }
  if (mix.mamba > 0 && spec.stateSpace) {
    const e = stateSpaceStateElements(spec.stateSpace);
    conv += mix.mamba * e.conv * convBytes;
    state += mix.mamba * e.state * spec.stateSpace.stateBytesPerElement;
  }
  // Lfm2ShortConv (vLLM short_conv state): the last convKernel − 1 inputs of its h channels.
  if (mix.conv > 0 && spec.shortConv) {
    conv += mix.conv * (spec.shortConv.convKernel - 1) * spec.hiddenSize * convBytes;
  }
  return {
    bytesPerSequence: conv + state,
    convBytesPerSequence: conv,
    stateBytesPerSequence: state,
    linearLayers: mix.linear,
    mambaLayers: mix.mamba,
    convLayers: mix.conv,
  };
}
