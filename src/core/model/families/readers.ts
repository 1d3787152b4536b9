/**
 * Field readers shared by the model families: the fields most Hugging Face configs spell the same
 * way (sizes, GQA attention, MoE routing, per-layer attention kinds). A family file combines these
 * and states only what its modelling code does differently.
 */

import { mtpParams } from '../param-count.js';
import type {
  AttentionSpec,
  GqaAttention,
  LayerMixer,
  LayerMlp,
  LayerSpec,
  MlpSpec,
  ModelSpec,
  MoeSpec,
} from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';

/** A family's reader: the config's fields → a {@link ModelSpec}. */
export type Family = (f: Fields, name: string) => ModelSpec;

export type Common = Pick<
  ModelSpec,
  'name' | 'modelType' | 'vocabSize' | 'hiddenSize' | 'numLayers' | 'maxContextTokens'
>;

export interface CommonKeys {
  readonly vocab: string;
  readonly hidden: string;
  readonly layers: string;
  readonly positions: string;
  readonly defaultPositions?: number;
}

export const HF_KEYS: CommonKeys = {
  vocab: 'vocab_size',
  hidden: 'hidden_size',
  layers: 'num_hidden_layers',
  positions: 'max_position_embeddings',
};

/** Vocabulary, width, depth and context, with domain bounds. */
export function readCommon(f: Fields, name: string, keys: CommonKeys = HF_KEYS): Common {
  return {
    name,
    modelType: f.modelType,
    vocabSize: f.positiveInt(keys.vocab, { max: MAX.vocab }),
    hiddenSize: f.positiveInt(keys.hidden, { max: MAX.hidden }),
    numLayers: f.positiveInt(keys.layers, { max: MAX.layers }),
    maxContextTokens: f.positiveInt(keys.positions, {
      max: MAX.positions,
      ...(keys.defaultPositions === undefined ? {} : { fallback: keys.defaultPositions }),
    }),
  };
}

/**
 * The fields every family shares with the same default: untied embeddings, RoPE (no learned
 * positions), two RMSNorms per layer, no sliding/chunked/sparse/linear/state-space layers, no MoE,
 * no MTP, no vision tower. A family spreads this and overrides what differs.
 */
export function baseSpec(
  f: Fields,
  c: Common,
  parts: { readonly attention: AttentionSpec; readonly mlp: MlpSpec; readonly layers: LayerSpec[] },
): ModelSpec {
  return {
    ...c,
    tieWordEmbeddings: f.bool('tie_word_embeddings', false),
    learnedPositionEmbeddings: 0,
    norm: { kind: 'rmsnorm', perLayer: 2 },
    attention: parts.attention,
    slidingWindow: null,
    chunkedAttentionTokens: null,
    sparseAttention: null,
    linearAttention: null,
    stateSpace: null,
    vision: null,
    mlp: parts.mlp,
    moe: null,
    layers: parts.layers,
    numMtpModules: 0,
    activation: f.string('hidden_act', 'silu'),
  };
}

/** `num_key_value_heads` (default: one per query head), which must divide the query heads. */
export function readKvHeads(f: Fields, heads: number, key = 'num_key_value_heads'): number {
  const kv = f.positiveInt(key, { fallback: heads, max: MAX.heads });
  if (heads % kv !== 0) f.fail(key, `(${kv}) must divide num_attention_heads (${heads})`);
  return kv;
}

/** `head_dim` when given, else `hidden_size / num_attention_heads`. */
export function readHeadDim(f: Fields, fallback?: number): number {
  if (f.has('head_dim') || fallback !== undefined) {
    return f.positiveInt('head_dim', { max: MAX.headDim, ...(fallback === undefined ? {} : { fallback }) });
  }
  return f.divide('hidden_size', 'num_attention_heads', MAX.hidden);
}

export interface GqaOptions {
  /** Bias on q, k and v; default `attention_bias` (LlamaAttention). */
  readonly qkvBias?: boolean;
  /** Bias on o; default `attention_bias`. */
  readonly outputBias?: boolean;
  readonly qkNorm?: GqaAttention['qkNorm'];
  /** `head_dim`'s default when the config omits it (else hidden / heads). */
  readonly defaultHeadDim?: number;
  readonly headDim?: number;
  readonly outputGate?: boolean;
  readonly sinks?: boolean;
  readonly headsKey?: string;
  readonly kvHeadsKey?: string;
}

/** Llama-family attention: separate q/k/v/o projections. */
export function readGqa(f: Fields, options: GqaOptions = {}): GqaAttention {
  const numHeads = f.positiveInt(options.headsKey ?? 'num_attention_heads', { max: MAX.heads });
  const bias =
    options.qkvBias === undefined || options.outputBias === undefined ? readAttentionBias(f) : false;
  return {
    kind: 'gqa',
    numHeads,
    numKvHeads: readKvHeads(f, numHeads, options.kvHeadsKey),
    headDim: options.headDim ?? readHeadDim(f, options.defaultHeadDim),
    qkvBias: options.qkvBias ?? bias,
    outputBias: options.outputBias ?? bias,
    qkNorm: options.qkNorm ?? 'none',
    sinks: options.sinks ?? false,
    ...(options.outputGate ? { outputGate: true } : {}),
  };
}

/** `attention_bias` on q, k, v and o (LlamaAttention). */
export function readAttentionBias(f: Fields, fallback = false): boolean {
  return f.bool('attention_bias', fallback);
}

export function readGatedMlp(f: Fields, key = 'intermediate_size', bias = false): MlpSpec {
  return { intermediateSize: f.positiveInt(key, { max: MAX.intermediate }), gated: true, bias };
}

/**
 * An ungated two-matrix MLP (fc1 h → `key`, or `fallback` when absent; fc2 back): GPT-NeoX, Phi,
 * StarCoder2's GELU, Arcee's ReLU², GPT-2's n_inner, Falcon's ffn_hidden_size.
 */
export function readPlainMlp(
  f: Fields,
  bias: boolean,
  key = 'intermediate_size',
  fallback?: number,
): MlpSpec {
  const width = f.positiveInt(key, {
    max: MAX.intermediate,
    ...(fallback === undefined ? {} : { fallback }),
  });
  return { intermediateSize: width, gated: false, bias };
}

/** The dense MLP size when no layer uses it: read it if given, it does not affect any count. */
export function readUnusedMlp(f: Fields, key = 'intermediate_size'): MlpSpec {
  return { intermediateSize: f.int(key, { fallback: 0, max: MAX.intermediate }), gated: true, bias: false };
}

export function readTopK(f: Fields, key: string, numExperts: number): number {
  const k = f.positiveInt(key, { max: MAX.experts });
  if (k > numExperts) f.fail(key, `(${k}) exceeds the number of experts (${numExperts})`);
  return k;
}

/**
 * Group-limited routing (DeepSeek-V2/V3 `n_group`/`topk_group`; Ling 2.0's and Sarvam's gates alike):
 * experts in `n_group` groups, a token's top-k drawn from the `topk_group` best groups; null for one
 * group. With `topK`, a top-k beyond the experts of those groups is refused.
 */
export function readRoutingGroups(
  f: Fields,
  numExperts: number,
  options: { readonly expertsKey?: string; readonly topK?: number } = {},
): MoeSpec['routingGroups'] {
  const groups = f.int('n_group', { fallback: 1, max: MAX.experts });
  if (groups <= 1) return null;
  const expertsKey = options.expertsKey ?? 'n_routed_experts';
  if (numExperts % groups !== 0) f.fail('n_group', `(${groups}) must divide ${expertsKey} (${numExperts})`);
  const groupsPerToken = f.positiveInt('topk_group', { fallback: groups, max: MAX.experts });
  if (groupsPerToken > groups) f.fail('topk_group', `(${groupsPerToken}) exceeds n_group (${groups})`);
  const reachable = groupsPerToken * (numExperts / groups);
  if (options.topK !== undefined && options.topK > reachable) {
    f.fail(
      'num_experts_per_tok',
      `(${options.topK}) exceeds the ${reachable} experts of the topk_group (${groupsPerToken}) groups a token may use`,
    );
  }
  return { groups, groupsPerToken };
}

/** The config keys and conventions of one family's MoE block; defaults are the common case. */
export interface MoeKeys {
  readonly experts: string;
  readonly topK?: string;
  readonly expertSize: string;
  /** Shared experts: a count key (each of `expertSize`), or a size key for one shared expert. */
  readonly shared?:
    | { readonly countKey: string; readonly sizeKey?: string }
    | { readonly sizeKey: string; readonly count: 1 };
  readonly gated?: boolean;
  readonly expertBias?: boolean;
  readonly routerBias?: boolean;
  readonly sharedExpertGate?: boolean;
  readonly groupRouting?: boolean;
}

/** One MoE block's shape from `keys`; gated, bias-free experts and an unbiased router by default. */
export function readMoe(f: Fields, keys: MoeKeys): MoeSpec {
  const numExperts = f.positiveInt(keys.experts, { max: MAX.experts });
  const expertIntermediateSize = f.positiveInt(keys.expertSize, { max: MAX.intermediate });
  let numSharedExperts = 0;
  let sharedIntermediateSize = 0;
  if (keys.shared && 'countKey' in keys.shared) {
    numSharedExperts = f.int(keys.shared.countKey, { fallback: 0, max: MAX.experts });
    sharedIntermediateSize = keys.shared.sizeKey
      ? f.positiveInt(keys.shared.sizeKey, { max: MAX.intermediate })
      : expertIntermediateSize;
  } else if (keys.shared) {
    sharedIntermediateSize = f.int(keys.shared.sizeKey, { fallback: 0, max: MAX.intermediate });
    numSharedExperts = sharedIntermediateSize > 0 ? 1 : 0;
  }
  return {
    numExperts,
    topK: readTopK(f, keys.topK ?? 'num_experts_per_tok', numExperts),
    expertIntermediateSize,
    gated: keys.gated ?? true,
    expertBias: keys.expertBias ?? false,
    numSharedExperts,
    sharedIntermediateSize,
    routerBias: keys.routerBias ?? false,
    sharedExpertGate: (keys.sharedExpertGate ?? false) && numSharedExperts > 0,
    routingGroups: keys.groupRouting ? readRoutingGroups(f, numExperts) : null,
  };
}

/** `n` layers of the same kind. */
export function uniformLayers(n: number, mlp: LayerMlp, attention: LayerMixer = 'full'): LayerSpec[] {
  return Array.from({ length: n }, (): LayerSpec => ({ attention, mlp }));
}

/** Layers whose MLP is chosen per index. */
export function layersByIndex(
  n: number,
  mlp: (i: number) => LayerMlp,
  attention: (i: number) => LayerMixer = () => 'full',
): LayerSpec[] {
  return Array.from({ length: n }, (_, i): LayerSpec => ({ attention: attention(i), mlp: mlp(i) }));
}

/** The layer kinds `layer_types` may name, and the mixer each maps to. */
const LAYER_TYPE_MIXERS = {
  full_attention: 'full',
  sliding_attention: 'sliding',
  chunked_attention: 'chunked',
  linear_attention: 'linear',
} as const satisfies Record<string, LayerMixer>;

type LayerTypeName = keyof typeof LAYER_TYPE_MIXERS;

/** Each layer's MLP from `mlp_layer_types` ("dense" or "sparse", transformers' spelling); null when absent. */
export function readMlpLayerTypes(f: Fields, numLayers: number): LayerMlp[] | null {
  const types = f.enumList('mlp_layer_types', numLayers, ['dense', 'sparse'] as const);
  return types?.map((t) => (t === 'sparse' ? 'moe' : 'dense')) ?? null;
}

/** `layer_types` (transformers ≥ 4.53), restricted to the kinds a family supports; null when absent. */
export function readLayerTypes(
  f: Fields,
  numLayers: number,
  allowed: readonly LayerTypeName[] = ['full_attention', 'sliding_attention'],
): LayerMixer[] | null {
  return f.enumList('layer_types', numLayers, allowed)?.map((t) => LAYER_TYPE_MIXERS[t]) ?? null;
}

export interface SlidingLayout {
  readonly window: number | null;
  readonly kinds: readonly LayerMixer[];
}

/** Sliding layers of `layer_types` with no `sliding_window` attend to everything: they are full. */
function slidingFromTypes(f: Fields, types: readonly LayerMixer[]): SlidingLayout {
  const window = types.includes('sliding') ? f.optionalPositiveInt('sliding_window') : null;
  return { window, kinds: window === null ? types.map((t) => (t === 'sliding' ? 'full' : t)) : types };
}

/** All layers slide when `sliding_window` is set (Mistral, Mixtral, Phi-3). */
export function readAllSliding(f: Fields, numLayers: number): SlidingLayout {
  const types = readLayerTypes(f, numLayers);
  if (types) return slidingFromTypes(f, types);
  const window = f.optionalPositiveInt('sliding_window');
  return { window, kinds: Array(numLayers).fill(window === null ? 'full' : 'sliding') };
}

/** Qwen2/Qwen3: layers ≥ max_window_layers slide when use_sliding_window (modeling_qwen2.py). */
export function readQwenSliding(f: Fields, numLayers: number): SlidingLayout {
  const types = readLayerTypes(f, numLayers);
  const use = f.bool('use_sliding_window', false);
  if (types) {
    return types.includes('sliding') && use
      ? slidingFromTypes(f, types)
      : { window: null, kinds: types.map((t) => (t === 'sliding' ? 'full' : t)) };
  }
  const window = use ? f.optionalPositiveInt('sliding_window') : null;
  if (window === null) return { window: null, kinds: Array(numLayers).fill('full') };
  const maxWindowLayers = f.int('max_window_layers', { fallback: numLayers, max: MAX.layers });
  return {
    window,
    kinds: Array.from({ length: numLayers }, (_, i) => (i >= maxWindowLayers ? 'sliding' : 'full')),
  };
}

/** Sliding on the layers `pattern(i)` picks unless `layer_types` lists them (Gemma 2, gpt-oss). */
export function readPatternSliding(
  f: Fields,
  numLayers: number,
  pattern: (i: number) => boolean,
  defaultWindow?: number,
): SlidingLayout {
  const types = readLayerTypes(f, numLayers);
  if (types) {
    return types.includes('sliding') && defaultWindow !== undefined && f.raw('sliding_window') === undefined
      ? { window: defaultWindow, kinds: types }
      : slidingFromTypes(f, types);
  }
  // The class default applies when the key is absent; an explicit null means no window.
  const window =
    f.raw('sliding_window') === undefined ? (defaultWindow ?? null) : f.optionalPositiveInt('sliding_window');
  if (window === null) return { window: null, kinds: Array(numLayers).fill('full') };
  return { window, kinds: Array.from({ length: numLayers }, (_, i) => (pattern(i) ? 'sliding' : 'full')) };
}

/**
 * Bytes per element of a recurrent state from a dtype field (`mamba_ssm_dtype`,
 * `mamba_ssm_cache_dtype`): float32 → 4; bfloat16/float16 or absent (the model's BF16) → 2.
 */
export function readStateDtypeBytes(f: Fields, key: string): number {
  const dtype = f.string(key, 'bfloat16');
  if (dtype === 'float32') return 4;
  if (dtype === 'bfloat16' || dtype === 'float16' || dtype === 'auto') return 2;
  return f.fail(key, `must be float32, bfloat16 or float16, got '${dtype}'`);
}

/**
 * The config with a configuration class's `__init__` default for each key of `defaults` it omits
 * (a hand-written config.json may leave them out). A key set to null is left as it is.
 */
export function withClassDefaults(f: Fields, defaults: Json): Fields {
  return f.with(Object.fromEntries(Object.entries(defaults).filter(([key]) => f.raw(key) === undefined)));
}

/** No layer slides: every mixer is full attention. */
export const noSliding = (_f: Fields, n: number): SlidingLayout => ({
  window: null,
  kinds: Array(n).fill('full'),
});

/** What a standard decoder family states: only what differs from the defaults. */
export interface DecoderOptions {
  readonly keys?: CommonKeys;
  /** GQA options (default: `attention_bias` on q/k/v/o, no q/k norm), or a ready spec (MLA). */
  readonly attention?: GqaOptions | ((f: Fields, c: Common) => AttentionSpec);
  /** The dense MLP; default a bias-free SwiGLU of `intermediate_size` (read as unused without dense layers). */
  readonly mlp?: MlpSpec;
  /** Each layer's MLP kind; default dense everywhere. */
  readonly layerMlp?: LayerMlp | ((i: number) => LayerMlp);
  /** Each layer's mixer and the sliding window; default full attention everywhere. */
  readonly layout?: (f: Fields, numLayers: number) => SlidingLayout;
  /** The MoE block's keys, when any layer is MoE. */
  readonly moe?: MoeKeys;
  /** The key counting MTP modules (DeepSeek-V3 `num_nextn_predict_layers`). */
  readonly mtpKey?: string;
}

/**
 * A standard decoder: {@link readCommon}, attention, the per-layer mixers and MLP kinds, the dense
 * MLP, the MoE block and MTP from `options`; every other field at {@link baseSpec}'s default. A
 * family spreads the result and overrides what its modelling code does differently.
 */
export function decoder(f: Fields, name: string, options: DecoderOptions = {}): ModelSpec {
  const c = readCommon(f, name, options.keys);
  const attention =
    typeof options.attention === 'function' ? options.attention(f, c) : readGqa(f, options.attention);
  const layout = (options.layout ?? noSliding)(f, c.numLayers);
  const kind = options.layerMlp ?? 'dense';
  const layers = layersByIndex(
    c.numLayers,
    typeof kind === 'function' ? kind : () => kind,
    (i) => layout.kinds[i]!,
  );
  const mlp = options.mlp ?? (layers.some((l) => l.mlp === 'dense') ? readGatedMlp(f) : readUnusedMlp(f));
  return {
    ...baseSpec(f, c, { attention, mlp, layers }),
    slidingWindow: layout.window,
    moe: options.moe && layers.some((l) => l.mlp === 'moe') ? readMoe(f, options.moe) : null,
    numMtpModules: options.mtpKey ? f.int(options.mtpKey, { fallback: 0, max: MAX.layers }) : 0,
  };
}

/**
 * `num_nextn_predict_layers` that a family's modelling code does not build: how many, and what each
 * would hold as llmecon's MTP module (DeepSeek-V3 Sec. 2.2), for the warning; null when none.
 */
export function unbuiltMtp(
  f: Fields,
  spec: ModelSpec,
): { readonly layers: number; readonly each: number } | null {
  const layers = f.int('num_nextn_predict_layers', { fallback: 0, max: MAX.layers });
  return layers > 0 ? { layers, each: mtpParams({ ...spec, numMtpModules: 1 }) } : null;
}
