/**
 * Hugging Face `config.json` → {@link ModelSpec}. Each supported `model_type` is read the way the
 * transformers modelling code builds its modules (file names below are in
 * `huggingface/transformers: src/transformers/models/<type>/`), so parameter counts are exact.
 */
import { inputError } from '../errors.js';
import type { AttentionSpec, LayerSpec, MlpSpec, ModelSpec, MoeSpec } from './spec.js';

export const SUPPORTED_MODEL_TYPES = [
  'llama',
  'mistral',
  'mixtral',
  'qwen2',
  'qwen3',
  'qwen3_moe',
  'gemma2',
  'phi3',
  'olmo2',
  'gpt2',
  'falcon',
  'deepseek_v2',
  'deepseek_v3',
  'kimi_k2',
  'glm4_moe',
  'gpt_oss',
] as const;
export type SupportedModelType = (typeof SUPPORTED_MODEL_TYPES)[number];

type Json = Record<string, unknown>;

/** Reads typed fields from a config object, naming the field in every error. */
class Fields {
  constructor(
    private readonly config: Json,
    private readonly modelType: string,
  ) {}

  has(key: string): boolean {
    return this.config[key] !== undefined && this.config[key] !== null;
  }

  int(key: string, fallback?: number): number {
    const value = this.config[key];
    if (value === undefined || value === null) {
      if (fallback !== undefined) return fallback;
      inputError(
        'missing_field',
        [key],
        `missing field '${key}' (required for model_type '${this.modelType}')`,
      );
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      inputError(
        'invalid_type',
        [key],
        `'${key}' must be a non-negative integer, got ${JSON.stringify(value)}`,
      );
    }
    return value;
  }

  positiveInt(key: string, fallback?: number): number {
    const value = this.int(key, fallback);
    if (value === 0) inputError('invalid_value', [key], `'${key}' must be at least 1, got 0`);
    return value;
  }

  optionalInt(key: string): number | null {
    return this.has(key) ? this.int(key) : null;
  }

  bool(key: string, fallback: boolean): boolean {
    const value = this.config[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') {
      inputError('invalid_type', [key], `'${key}' must be true or false, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  string(key: string, fallback: string): string {
    const value = this.config[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string') {
      inputError('invalid_type', [key], `'${key}' must be a string, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  intList(key: string): number[] {
    const value = this.config[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v))) {
      inputError('invalid_type', [key], `'${key}' must be a list of integers`);
    }
    return value as number[];
  }

  /** `layer_types` (transformers ≥ 4.53): 'full_attention' | 'sliding_attention' per layer. */
  layerTypes(numLayers: number): ('full' | 'sliding')[] | null {
    const value = this.config.layer_types;
    if (value === undefined || value === null) return null;
    if (!Array.isArray(value) || value.length !== numLayers) {
      inputError(
        'invalid_value',
        ['layer_types'],
        `'layer_types' must list one entry per layer (${numLayers}), got ${Array.isArray(value) ? value.length : typeof value}`,
      );
    }
    return value.map((t, i) => {
      if (t === 'full_attention') return 'full';
      if (t === 'sliding_attention') return 'sliding';
      return inputError(
        'invalid_value',
        ['layer_types', i],
        `must be 'full_attention' or 'sliding_attention', got ${JSON.stringify(t)}`,
      );
    });
  }
}

function divide(f: Fields, numerator: string, denominator: string): number {
  const n = f.positiveInt(numerator);
  const d = f.positiveInt(denominator);
  if (n % d !== 0) {
    inputError(
      'invalid_value',
      [numerator],
      `'${numerator}' (${n}) must be divisible by '${denominator}' (${d})`,
    );
  }
  return n / d;
}

function kvHeads(f: Fields, heads: number, key = 'num_key_value_heads'): number {
  const kv = f.positiveInt(key, heads);
  if (heads % kv !== 0) {
    inputError('invalid_value', [key], `'${key}' (${kv}) must divide num_attention_heads (${heads})`);
  }
  return kv;
}

function uniformLayers(numLayers: number, mlp: LayerSpec['mlp'], attention: LayerSpec['attention'] = 'full') {
  return Array.from({ length: numLayers }, (): LayerSpec => ({ attention, mlp }));
}

interface Common {
  readonly name: string;
  readonly modelType: string;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly maxContextTokens: number;
}

function common(f: Fields, name: string, modelType: string, keys = HF_KEYS): Common {
  return {
    name,
    modelType,
    vocabSize: f.positiveInt(keys.vocab),
    hiddenSize: f.positiveInt(keys.hidden),
    numLayers: f.positiveInt(keys.layers),
    maxContextTokens: f.positiveInt(keys.positions, keys.defaultPositions),
  };
}

const HF_KEYS = {
  vocab: 'vocab_size',
  hidden: 'hidden_size',
  layers: 'num_hidden_layers',
  positions: 'max_position_embeddings',
  defaultPositions: undefined as number | undefined,
};

/** Llama-family attention: separate q/k/v/o projections, optional explicit head_dim. */
function gqaAttention(
  f: Fields,
  options: { qkvBias: boolean; outputBias: boolean; qkNorm?: 'none' | 'per-head' | 'full'; headDim?: number },
): AttentionSpec {
  const numHeads = f.positiveInt('num_attention_heads');
  const headDim =
    options.headDim ??
    (f.has('head_dim') ? f.positiveInt('head_dim') : divide(f, 'hidden_size', 'num_attention_heads'));
  return {
    kind: 'gqa',
    numHeads,
    numKvHeads: kvHeads(f, numHeads),
    headDim,
    qkvBias: options.qkvBias,
    outputBias: options.outputBias,
    qkNorm: options.qkNorm ?? 'none',
    sinks: false,
  };
}

function gatedMlp(f: Fields, bias = false, key = 'intermediate_size'): MlpSpec {
  return { intermediateSize: f.positiveInt(key), gated: true, bias };
}

/** Sliding-window layers for Qwen2/Qwen3: layers ≥ max_window_layers slide when use_sliding_window. */
function qwenLayerAttention(
  f: Fields,
  numLayers: number,
): { window: number | null; kinds: ('full' | 'sliding')[] } {
  const explicit = f.layerTypes(numLayers);
  const window = f.bool('use_sliding_window', false) ? f.optionalInt('sliding_window') : null;
  if (explicit) return { window: explicit.includes('sliding') ? window : null, kinds: explicit };
  if (window === null) return { window: null, kinds: Array(numLayers).fill('full') };
  const maxWindowLayers = f.int('max_window_layers', numLayers);
  return {
    window,
    kinds: Array.from({ length: numLayers }, (_, i) => (i >= maxWindowLayers ? 'sliding' : 'full')),
  };
}

/** All layers slide when `sliding_window` is set (Mistral, Mixtral, Phi-3). */
function allSliding(f: Fields, numLayers: number): { window: number | null; kinds: ('full' | 'sliding')[] } {
  const window = f.optionalInt('sliding_window');
  const explicit = f.layerTypes(numLayers);
  if (explicit) return { window: explicit.includes('sliding') ? window : null, kinds: explicit };
  return { window, kinds: Array(numLayers).fill(window === null ? 'full' : 'sliding') };
}

function withAttentionKinds(
  layers: readonly LayerSpec[],
  kinds: readonly ('full' | 'sliding')[],
): LayerSpec[] {
  return layers.map((layer, i) => ({ ...layer, attention: kinds[i]! }));
}

type Parser = (f: Fields, name: string, modelType: string) => ModelSpec;

const llamaLike =
  (options: { sliding: 'none' | 'all' | 'qwen'; qkvBias?: boolean; defaultTie?: boolean }): Parser =>
  (f, name, modelType) => {
    const c = common(f, name, modelType);
    // LlamaAttention: bias=config.attention_bias on q, k, v and o (modeling_llama.py).
    const attentionBias = f.bool('attention_bias', false);
    const attention = gqaAttention(f, {
      qkvBias: options.qkvBias ?? attentionBias,
      outputBias: options.qkvBias === undefined ? attentionBias : false,
    });
    const sliding =
      options.sliding === 'all'
        ? allSliding(f, c.numLayers)
        : options.sliding === 'qwen'
          ? qwenLayerAttention(f, c.numLayers)
          : { window: null, kinds: Array(c.numLayers).fill('full') };
    return {
      ...c,
      tieWordEmbeddings: f.bool('tie_word_embeddings', options.defaultTie ?? false),
      learnedPositionEmbeddings: 0,
      norm: { kind: 'rmsnorm', perLayer: 2 },
      attention,
      slidingWindow: sliding.window,
      mlp: gatedMlp(f, f.bool('mlp_bias', false)),
      moe: null,
      layers: withAttentionKinds(uniformLayers(c.numLayers, 'dense'), sliding.kinds),
      numMtpModules: 0,
      activation: f.string('hidden_act', 'silu'),
    };
  };

const parseMixtral: Parser = (f, name, modelType) => {
  const c = common(f, name, modelType);
  const sliding = allSliding(f, c.numLayers);
  const numExperts = f.positiveInt('num_local_experts');
  return {
    ...c,
    tieWordEmbeddings: f.bool('tie_word_embeddings', false),
    learnedPositionEmbeddings: 0,
    norm: { kind: 'rmsnorm', perLayer: 2 },
    attention: gqaAttention(f, { qkvBias: false, outputBias: false }),
    slidingWindow: sliding.window,
    mlp: gatedMlp(f),
    moe: {
      numExperts,
      topK: topK(f, 'num_experts_per_tok', numExperts),
      expertIntermediateSize: f.positiveInt('intermediate_size'),
      gated: true,
      expertBias: false,
      numSharedExperts: 0,
      sharedIntermediateSize: 0,
      routerBias: false,
      sharedExpertGate: false,
      routingGroups: null,
    },
    layers: withAttentionKinds(uniformLayers(c.numLayers, 'moe'), sliding.kinds),
    numMtpModules: 0,
    activation: f.string('hidden_act', 'silu'),
  };
};

function topK(f: Fields, key: string, numExperts: number): number {
  const k = f.positiveInt(key);
  if (k > numExperts)
    inputError('invalid_value', [key], `'${key}' (${k}) exceeds the number of experts (${numExperts})`);
  return k;
}

const parseQwen3: Parser = (f, name, modelType) => {
  const c = common(f, name, modelType);
  const sliding = qwenLayerAttention(f, c.numLayers);
  const attentionBias = f.bool('attention_bias', false);
  // Qwen3Attention: q_norm/k_norm are RMSNorm(head_dim) (modeling_qwen3.py); head_dim defaults to 128.
  const attention = gqaAttention(f, {
    qkvBias: attentionBias,
    outputBias: attentionBias,
    qkNorm: 'per-head',
    headDim: f.positiveInt('head_dim', 128),
  });
  let moe: MoeSpec | null = null;
  let layers = uniformLayers(c.numLayers, 'dense');
  if (modelType === 'qwen3_moe') {
    const numExperts = f.positiveInt('num_experts');
    moe = {
      numExperts,
      topK: topK(f, 'num_experts_per_tok', numExperts),
      expertIntermediateSize: f.positiveInt('moe_intermediate_size'),
      gated: true,
      expertBias: false,
      numSharedExperts: 0,
      sharedIntermediateSize: 0,
      routerBias: false,
      sharedExpertGate: false,
      routingGroups: null,
    };
    // Qwen3MoeDecoderLayer: sparse when not in mlp_only_layers and (i + 1) % decoder_sparse_step == 0.
    const mlpOnly = new Set(f.intList('mlp_only_layers'));
    const step = f.positiveInt('decoder_sparse_step', 1);
    layers = layers.map((l, i) => ({ ...l, mlp: !mlpOnly.has(i) && (i + 1) % step === 0 ? 'moe' : 'dense' }));
  }
  return {
    ...c,
    tieWordEmbeddings: f.bool('tie_word_embeddings', false),
    learnedPositionEmbeddings: 0,
    norm: { kind: 'rmsnorm', perLayer: 2 },
    attention,
    slidingWindow: sliding.window,
    mlp:
      modelType === 'qwen3_moe' && !layers.some((l) => l.mlp === 'dense') ? gatedMlpOptional(f) : gatedMlp(f),
    moe,
    layers: withAttentionKinds(layers, sliding.kinds),
    numMtpModules: 0,
    activation: f.string('hidden_act', 'silu'),
  };
};

/** The dense MLP size when no layer uses it: read it if given, it does not affect any count. */
function gatedMlpOptional(f: Fields): MlpSpec {
  return { intermediateSize: f.int('intermediate_size', 0), gated: true, bias: false };
}

const parseGemma2: Parser = (f, name, modelType) => {
  const c = common(f, name, modelType);
  const explicit = f.layerTypes(c.numLayers);
  // Gemma2DecoderLayer: even layers use the sliding window (is_sliding = not bool(layer_idx % 2)).
  const kinds = explicit ?? Array.from({ length: c.numLayers }, (_, i) => (i % 2 === 0 ? 'sliding' : 'full'));
  const attentionBias = f.bool('attention_bias', false);
  return {
    ...c,
    // Gemma2Config defaults tie_word_embeddings=True.
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    learnedPositionEmbeddings: 0,
    // input, post_attention, pre_feedforward and post_feedforward layernorms.
    norm: { kind: 'rmsnorm', perLayer: 4 },
    attention: gqaAttention(f, {
      qkvBias: attentionBias,
      outputBias: attentionBias,
      headDim: f.positiveInt('head_dim', 256),
    }),
    slidingWindow: f.optionalInt('sliding_window') ?? 4096,
    mlp: gatedMlp(f),
    moe: null,
    layers: withAttentionKinds(uniformLayers(c.numLayers, 'dense'), kinds),
    numMtpModules: 0,
    activation: f.string('hidden_activation', f.string('hidden_act', 'gelu_pytorch_tanh')),
  };
};

const parseOlmo2: Parser = (f, name, modelType) => {
  const c = common(f, name, modelType);
  const attentionBias = f.bool('attention_bias', false);
  return {
    ...c,
    tieWordEmbeddings: f.bool('tie_word_embeddings', false),
    learnedPositionEmbeddings: 0,
    // Olmo2DecoderLayer: post_attention_layernorm and post_feedforward_layernorm (no input norm).
    norm: { kind: 'rmsnorm', perLayer: 2 },
    // Olmo2Attention: q_norm = RMSNorm(num_heads*head_dim), k_norm = RMSNorm(num_kv_heads*head_dim).
    attention: gqaAttention(f, { qkvBias: attentionBias, outputBias: attentionBias, qkNorm: 'full' }),
    slidingWindow: null,
    mlp: gatedMlp(f),
    moe: null,
    layers: uniformLayers(c.numLayers, 'dense'),
    numMtpModules: 0,
    activation: f.string('hidden_act', 'silu'),
  };
};

const parsePhi3: Parser = (f, name, modelType) => {
  const c = common(f, name, modelType);
  const sliding = allSliding(f, c.numLayers);
  return {
    ...c,
    tieWordEmbeddings: f.bool('tie_word_embeddings', false),
    learnedPositionEmbeddings: 0,
    norm: { kind: 'rmsnorm', perLayer: 2 },
    // Phi3Attention: fused qkv_proj and o_proj, both without bias; fused gate_up_proj in the MLP.
    attention: gqaAttention(f, { qkvBias: false, outputBias: false }),
    slidingWindow: sliding.window,
    mlp: gatedMlp(f),
    moe: null,
    layers: withAttentionKinds(uniformLayers(c.numLayers, 'dense'), sliding.kinds),
    numMtpModules: 0,
    activation: f.string('hidden_act', 'silu'),
  };
};

const parseGpt2: Parser = (f, name, modelType) => {
  const keys = {
    vocab: 'vocab_size',
    hidden: 'n_embd',
    layers: 'n_layer',
    positions: 'n_positions',
    defaultPositions: undefined,
  };
  const c = common(f, name, modelType, keys);
  const numHeads = f.positiveInt('n_head');
  if (c.hiddenSize % numHeads !== 0) {
    inputError(
      'invalid_value',
      ['n_embd'],
      `'n_embd' (${c.hiddenSize}) must be divisible by 'n_head' (${numHeads})`,
    );
  }
  return {
    ...c,
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    // GPT2Model.wpe: learned absolute positions, n_positions × n_embd.
    learnedPositionEmbeddings: c.maxContextTokens,
    norm: { kind: 'layernorm', perLayer: 2 },
    attention: {
      kind: 'gqa',
      numHeads,
      numKvHeads: numHeads,
      headDim: c.hiddenSize / numHeads,
      qkvBias: true,
      outputBias: true,
      qkNorm: 'none',
      sinks: false,
    },
    slidingWindow: null,
    // GPT2MLP: c_fc (n_embd → n_inner, default 4·n_embd) and c_proj, with biases.
    mlp: { intermediateSize: f.positiveInt('n_inner', 4 * c.hiddenSize), gated: false, bias: true },
    moe: null,
    layers: uniformLayers(c.numLayers, 'dense'),
    numMtpModules: 0,
    activation: f.string('activation_function', 'gelu_new'),
  };
};

const parseFalcon: Parser = (f, name, modelType) => {
  const c = common(f, name, modelType, { ...HF_KEYS, defaultPositions: 2048 });
  const numHeads = f.positiveInt('num_attention_heads');
  const newArch = f.bool('new_decoder_architecture', false);
  // FalconAttention: new architecture uses num_kv_heads; otherwise multi_query (default true) means one KV head.
  const numKvHeads = newArch
    ? kvHeads(f, numHeads, 'num_kv_heads')
    : f.bool('multi_query', true)
      ? 1
      : numHeads;
  const bias = f.bool('bias', false);
  const parallelAttn = f.bool('parallel_attn', true);
  // FalconDecoderLayer: ln_attn + ln_mlp when new_decoder_architecture (num_ln_in_parallel_attn
  // defaults to 2 there); otherwise input_layernorm, plus post_attention_layernorm when not parallel.
  const lnPerLayer = newArch ? f.positiveInt('num_ln_in_parallel_attn', 2) : parallelAttn ? 1 : 2;
  return {
    ...c,
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    learnedPositionEmbeddings: 0,
    norm: { kind: 'layernorm', perLayer: lnPerLayer },
    attention: {
      kind: 'gqa',
      numHeads,
      numKvHeads,
      headDim: divide(f, 'hidden_size', 'num_attention_heads'),
      qkvBias: bias,
      outputBias: bias,
      qkNorm: 'none',
      sinks: false,
    },
    slidingWindow: null,
    mlp: { intermediateSize: f.positiveInt('ffn_hidden_size', 4 * c.hiddenSize), gated: false, bias },
    moe: null,
    layers: uniformLayers(c.numLayers, 'dense'),
    numMtpModules: 0,
    activation: f.string('activation', 'gelu'),
  };
};

/** DeepSeek-V2/V3 and Kimi K2 (DeepSeek-V3 architecture): MLA, shared + routed experts, MTP. */
const parseDeepseek: Parser = (f, name, modelType) => {
  const c = common(f, name, modelType);
  const numHeads = f.positiveInt('num_attention_heads');
  const attention: AttentionSpec = {
    kind: 'mla',
    numHeads,
    qLoraRank: f.optionalInt('q_lora_rank'),
    kvLoraRank: f.positiveInt('kv_lora_rank'),
    qkNopeHeadDim: f.positiveInt('qk_nope_head_dim'),
    qkRopeHeadDim: f.positiveInt('qk_rope_head_dim'),
    vHeadDim: f.positiveInt('v_head_dim'),
  };
  const moe = deepseekMoe(f);
  // DeepseekV3DecoderLayer: MoE when n_routed_experts and layer_idx >= first_k_dense_replace and
  // layer_idx % moe_layer_freq == 0.
  const firstDense = f.int('first_k_dense_replace', 0);
  const freq = f.positiveInt('moe_layer_freq', 1);
  const layers = uniformLayers(c.numLayers, 'dense').map(
    (l, i): LayerSpec => ({ ...l, mlp: moe && i >= firstDense && i % freq === 0 ? 'moe' : 'dense' }),
  );
  return {
    ...c,
    tieWordEmbeddings: f.bool('tie_word_embeddings', false),
    learnedPositionEmbeddings: 0,
    norm: { kind: 'rmsnorm', perLayer: 2 },
    attention,
    slidingWindow: null,
    mlp: gatedMlp(f),
    moe,
    layers,
    numMtpModules: f.int('num_nextn_predict_layers', 0),
    activation: f.string('hidden_act', 'silu'),
  };
};

function deepseekMoe(f: Fields): MoeSpec | null {
  if (!f.has('n_routed_experts')) return null;
  const numExperts = f.positiveInt('n_routed_experts');
  const moeIntermediate = f.positiveInt('moe_intermediate_size');
  return {
    numExperts,
    topK: topK(f, 'num_experts_per_tok', numExperts),
    expertIntermediateSize: moeIntermediate,
    gated: true,
    expertBias: false,
    // DeepseekV3MoE: shared_experts = MLP(intermediate_size = moe_intermediate_size * n_shared_experts).
    numSharedExperts: f.int('n_shared_experts', 0),
    sharedIntermediateSize: moeIntermediate,
    // topk_method 'noaux_tc' carries e_score_correction_bias (DeepSeek-V3 Sec. 2.1.2).
    routerBias: f.string('topk_method', 'greedy') === 'noaux_tc',
    sharedExpertGate: false,
    routingGroups: routingGroups(f, numExperts),
  };
}

function routingGroups(f: Fields, numExperts: number): MoeSpec['routingGroups'] {
  const groups = f.int('n_group', 1);
  if (groups <= 1) return null;
  if (numExperts % groups !== 0) {
    inputError(
      'invalid_value',
      ['n_group'],
      `'n_group' (${groups}) must divide n_routed_experts (${numExperts})`,
    );
  }
  const groupsPerToken = f.positiveInt('topk_group', groups);
  if (groupsPerToken > groups) {
    inputError(
      'invalid_value',
      ['topk_group'],
      `'topk_group' (${groupsPerToken}) exceeds n_group (${groups})`,
    );
  }
  return { groups, groupsPerToken };
}

const parseGlm4Moe: Parser = (f, name, modelType) => {
  const c = common(f, name, modelType);
  const attentionBias = f.bool('attention_bias', false);
  const numExperts = f.positiveInt('n_routed_experts');
  const moeIntermediate = f.positiveInt('moe_intermediate_size');
  const firstDense = f.int('first_k_dense_replace', 0);
  return {
    ...c,
    tieWordEmbeddings: f.bool('tie_word_embeddings', false),
    learnedPositionEmbeddings: 0,
    norm: { kind: 'rmsnorm', perLayer: 2 },
    // Glm4MoeAttention: q/k/v bias = attention_bias, o_proj without bias; q_norm/k_norm(head_dim) if use_qk_norm.
    attention: gqaAttention(f, {
      qkvBias: attentionBias,
      outputBias: false,
      qkNorm: f.bool('use_qk_norm', false) ? 'per-head' : 'none',
      headDim: f.has('head_dim')
        ? f.positiveInt('head_dim')
        : divide(f, 'hidden_size', 'num_attention_heads'),
    }),
    slidingWindow: null,
    mlp: gatedMlp(f),
    moe: {
      numExperts,
      topK: topK(f, 'num_experts_per_tok', numExperts),
      expertIntermediateSize: moeIntermediate,
      gated: true,
      expertBias: false,
      numSharedExperts: f.int('n_shared_experts', 0),
      sharedIntermediateSize: moeIntermediate,
      // Glm4MoeTopkRouter carries e_score_correction_bias, like DeepSeek-V3.
      routerBias: true,
      sharedExpertGate: false,
      routingGroups: null,
    },
    layers: uniformLayers(c.numLayers, 'dense').map((l, i) => ({
      ...l,
      mlp: i >= firstDense ? 'moe' : 'dense',
    })),
    numMtpModules: f.int('num_nextn_predict_layers', 0),
    activation: f.string('hidden_act', 'silu'),
  };
};

const parseGptOss: Parser = (f, name, modelType) => {
  const c = common(f, name, modelType);
  const numExperts = f.positiveInt('num_local_experts');
  const window = f.optionalInt('sliding_window');
  const explicit = f.layerTypes(c.numLayers);
  // GptOssConfig default layer_types: sliding on even layers, full on odd layers.
  const kinds =
    explicit ??
    Array.from({ length: c.numLayers }, (_, i) => (window !== null && i % 2 === 0 ? 'sliding' : 'full'));
  const attentionBias = f.bool('attention_bias', true);
  const attention = gqaAttention(f, {
    qkvBias: attentionBias,
    outputBias: attentionBias,
    headDim: f.positiveInt('head_dim', 64),
  });
  return {
    ...c,
    tieWordEmbeddings: f.bool('tie_word_embeddings', false),
    learnedPositionEmbeddings: 0,
    norm: { kind: 'rmsnorm', perLayer: 2 },
    // GptOssAttention: one learned sink logit per head.
    attention: { ...attention, sinks: true },
    slidingWindow: kinds.includes('sliding') ? window : null,
    mlp: { intermediateSize: f.positiveInt('intermediate_size'), gated: true, bias: true },
    // GptOssExperts: gate_up_proj [E, h, 2I] + bias [E, 2I]; down_proj [E, I, h] + bias [E, h];
    // GptOssTopKRouter: weight [E, h] + bias [E].
    moe: {
      numExperts,
      topK: topK(f, 'num_experts_per_tok', numExperts),
      expertIntermediateSize: f.positiveInt('intermediate_size'),
      gated: true,
      expertBias: true,
      numSharedExperts: 0,
      sharedIntermediateSize: 0,
      routerBias: true,
      sharedExpertGate: false,
      routingGroups: null,
    },
    layers: withAttentionKinds(uniformLayers(c.numLayers, 'moe'), kinds),
    numMtpModules: 0,
    activation: f.string('hidden_act', 'swiglu'),
  };
};

const PARSERS: Readonly<Record<SupportedModelType, Parser>> = {
  llama: llamaLike({ sliding: 'none' }),
  mistral: llamaLike({ sliding: 'all' }),
  mixtral: parseMixtral,
  // Qwen2Attention: bias on q, k, v; none on o_proj (modeling_qwen2.py).
  qwen2: llamaLike({ sliding: 'qwen', qkvBias: true }),
  qwen3: parseQwen3,
  qwen3_moe: parseQwen3,
  gemma2: parseGemma2,
  phi3: parsePhi3,
  olmo2: parseOlmo2,
  gpt2: parseGpt2,
  falcon: parseFalcon,
  deepseek_v2: parseDeepseek,
  deepseek_v3: parseDeepseek,
  kimi_k2: parseDeepseek,
  glm4_moe: parseGlm4Moe,
  gpt_oss: parseGptOss,
};

/** True when `value` looks like a Hugging Face config (has a `model_type`). */
export function isHfConfig(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'model_type' in value;
}

/**
 * Translates a parsed Hugging Face `config.json` into a {@link ModelSpec}.
 * Throws an InputError naming the field for unsupported types, missing or malformed fields.
 *
 * @example specFromHfConfig(JSON.parse(text), 'Llama-3.1-405B').numLayers // 126
 */
export function specFromHfConfig(config: unknown, name: string): ModelSpec {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    inputError('invalid_type', [], 'a config.json must be a JSON object');
  }
  const json = config as Json;
  const modelType = json.model_type;
  if (typeof modelType !== 'string') {
    inputError(
      'missing_field',
      ['model_type'],
      `missing field 'model_type' (one of: ${SUPPORTED_MODEL_TYPES.join(', ')})`,
    );
  }
  if (!(SUPPORTED_MODEL_TYPES as readonly string[]).includes(modelType)) {
    inputError(
      'unsupported',
      ['model_type'],
      `unsupported model_type '${modelType}'; supported: ${SUPPORTED_MODEL_TYPES.join(', ')}`,
    );
  }
  return PARSERS[modelType as SupportedModelType](new Fields(json, modelType), name, modelType);
}
