/**
 * Hugging Face `config.json` → {@link ModelSpec}. Each supported `model_type` is read by its family
 * file in `families/`, the way the transformers modelling code builds its modules (file names are
 * in `huggingface/transformers: src/transformers/models/<type>/`), so parameter counts are exact.
 */
import { DoesNotFitError, InputError, inputError } from '../errors.js';
import { Fields, type Json } from './families/fields.js';
import { FAMILIES, SUPPORTED_MODEL_TYPES, type SupportedModelType } from './families/index.js';
import { subConfig } from './families/wrappers.js';
import { paramCount } from './param-count.js';
import type { ModelSpec } from './spec.js';

export { SUPPORTED_MODEL_TYPES, type SupportedModelType };

/** True when `value` looks like a Hugging Face config (has a `model_type`). */
export function isHfConfig(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'model_type' in value;
}

/** A spec whose counts exceed exact double arithmetic (2^53) is refused, naming the sizes behind it. */
function checkMagnitude(spec: ModelSpec): ModelSpec {
  const total = paramCount(spec).totalParams;
  if (!Number.isSafeInteger(total)) {
    inputError(
      'invalid_value',
      ['hidden_size'],
      `the config describes ${total.toExponential(2)} parameters (hidden_size ${spec.hiddenSize}, ${spec.numLayers} layers, vocab ${spec.vocabSize}): beyond what llmecon counts exactly (2^53)`,
    );
  }
  return spec;
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
    return checkMagnitude(readAsKnownFamily(json, modelType, name));
  }
  const family = FAMILIES[modelType as SupportedModelType];
  return checkMagnitude(family(new Fields(json, modelType), name));
}

/**
 * Keys that signal a structure a lookalike must model to be read safely, by what they signal. A
 * config that carries one its lookalike does not explain is refused: reading Jamba (Mamba layers,
 * `num_experts`) as a dense Llama would print a quarter of its parameters as a confident answer.
 */
const STRUCTURE_MARKERS = {
  moe: {
    what: 'mixture-of-experts',
    keys: [
      'num_experts',
      'num_local_experts',
      'n_routed_experts',
      'moe_num_experts',
      'moe_intermediate_size',
      'num_experts_per_tok',
    ],
  },
  stateSpace: {
    what: 'state-space or recurrent layers',
    keys: [
      'state_size',
      'ssm_state_size',
      'mamba_d_state',
      'd_state',
      'time_step_rank',
      'mamba_expand',
      'linear_attn_config',
      'linear_num_value_heads',
      'attn_type_list',
      'full_attention_interval',
      'layers_block_type',
      'attn_layer_period',
      'hybrid_override_pattern',
      'attention_hidden_size',
      'attn_layer_indices',
    ],
  },
  encoderDecoder: {
    what: 'an encoder-decoder',
    keys: ['is_encoder_decoder', 'num_decoder_layers', 'decoder_layers', 'encoder_layers'],
  },
  sharedExperts: {
    what: 'shared experts beside the routed ones',
    keys: [
      'shared_intermediate_size',
      'shared_expert_intermediate_size',
      'moe_shared_expert_intermediate_size',
      'n_shared_experts',
      'num_shared_experts',
    ],
  },
  crossAttention: { what: 'cross-attention layers', keys: ['cross_attention_layers'] },
  perLayerStreams: {
    what: 'per-layer input embeddings, AltUp streams or LAuReL blocks (Gemma 3n)',
    keys: ['altup_num_inputs', 'laurel_rank', 'hidden_size_per_layer_input'],
  },
  encoderOnly: { what: 'a bidirectional encoder (BERT-style)', keys: ['type_vocab_size'] },
  compressedAttention: {
    what: 'compressed KV attention or hyper-connections (DeepSeek-V4)',
    keys: ['compress_ratios', 'compress_rates', 'hc_mult'],
  },
  perKindHeads: {
    what: 'attention heads of their own on sliding layers (Step-3.5 attention_other_setting)',
    keys: ['attention_other_setting'],
  },
  lowRankQuery: {
    what: "a low-rank query projection shared by the heads (Step-3's multi-matrix factorisation attention)",
    keys: ['share_q_dim', 'use_mfa'],
  },
  latentAttention: {
    what: 'multi-head latent attention (a low-rank compressed KV, DeepSeek-V2 MLA)',
    keys: ['kv_lora_rank'],
  },
} as const;

type Structure = keyof typeof STRUCTURE_MARKERS;

/**
 * Known families recognised by their keys, most specific first: the family to read an unknown
 * `model_type` as, the keys that identify it, and what reading it that way assumes.
 */
const LOOKALIKES: readonly {
  readonly family: SupportedModelType;
  readonly keys: readonly string[];
  readonly assumption: string;
  /** The structures of {@link STRUCTURE_MARKERS} this family models; absent = none. */
  readonly explains?: readonly Structure[];
}[] = [
  {
    family: 'deepseek_v4',
    keys: ['compress_ratios', 'o_lora_rank', 'o_groups', 'hc_mult'],
    assumption:
      'DeepSeek-V4: shared-KV MQA over a sliding window with compressed sparse and heavily compressed layers, a grouped low-rank output, hyper-connections, DeepSeek experts',
    explains: ['moe', 'sharedExperts', 'compressedAttention'],
  },
  {
    family: 'step3_text',
    keys: ['share_q_dim', 'share_expert_dim', 'moe_intermediate_size', 'num_attention_groups'],
    assumption:
      'Step3 MFA: a low-rank query shared by the heads (share_q_dim), one KV head, MoE layers from moe_layers_enum with one shared expert',
    explains: ['moe', 'sharedExperts', 'lowRankQuery'],
  },
  {
    family: 'step3p5',
    keys: ['share_expert_dim', 'moe_intermediate_size', 'hidden_size', 'num_attention_heads'],
    assumption:
      'Step-3.5: full and sliding GQA layers (sliding heads from attention_other_setting), head-wise attention gates, MoE with one shared expert of share_expert_dim',
    explains: ['moe', 'sharedExperts', 'perKindHeads'],
  },
  {
    family: 'nemotron-nas',
    keys: ['block_configs', 'hidden_size', 'num_attention_heads'],
    assumption:
      'DeciLM blocks from block_configs: per-layer GQA (n_heads_in_group) or no-op/linear attention, per-layer SwiGLU width (ffn_mult)',
  },
  {
    family: 'gemma3n_text',
    keys: ['altup_num_inputs', 'laurel_rank', 'hidden_size', 'num_hidden_layers'],
    assumption:
      'Gemma 3n decoder: AltUp residual streams, LAuReL, per-layer inputs, KV-shared last layers, four sliding layers to one global',
    explains: ['perLayerStreams'],
  },
  {
    family: 'nemotron_h',
    keys: ['hybrid_override_pattern', 'mamba_num_heads', 'ssm_state_size'],
    assumption: 'Mamba-2/attention/MLP blocks from hybrid_override_pattern, one RMSNorm each, ungated MLPs',
    explains: ['moe', 'stateSpace', 'sharedExperts'],
  },
  {
    family: 'qwen3_5_moe_text',
    keys: ['linear_num_key_heads', 'linear_num_value_heads', 'num_experts', 'moe_intermediate_size'],
    assumption: 'Gated DeltaNet layers with gated full attention, MoE with a gated shared expert',
    explains: ['moe', 'stateSpace', 'sharedExperts'],
  },
  {
    family: 'qwen3_5_text',
    keys: ['linear_num_key_heads', 'linear_num_value_heads', 'intermediate_size'],
    assumption: 'Gated DeltaNet layers with gated full attention, SwiGLU MLPs',
    explains: ['stateSpace'],
  },
  {
    family: 'deepseek_v32',
    keys: ['kv_lora_rank', 'qk_rope_head_dim', 'index_topk', 'index_n_heads'],
    assumption: 'MLA with a DSA indexer on every layer, DeepSeek-V3 experts',
    explains: ['moe', 'sharedExperts', 'latentAttention'],
  },
  {
    family: 'kimi_linear',
    keys: ['linear_attn_config', 'kv_lora_rank', 'qk_rope_head_dim'],
    assumption: 'Kimi Delta Attention layers with MLA full-attention layers, DeepSeek-style experts',
    explains: ['moe', 'stateSpace', 'sharedExperts', 'latentAttention'],
  },
  {
    family: 'deepseek_v3',
    keys: ['kv_lora_rank', 'qk_rope_head_dim', 'qk_nope_head_dim', 'v_head_dim'],
    assumption: 'MLA attention, DeepSeek-V3 shared and routed experts',
    explains: ['moe', 'sharedExperts', 'latentAttention'],
  },
  {
    family: 'minimax_m3',
    keys: [
      'sparse_attention_config',
      'dense_intermediate_size',
      'num_local_experts',
      'shared_intermediate_size',
    ],
    assumption:
      'GQA with block-sparse attention layers (MiniMax-M3 indexer), dense first layers, MoE with one shared expert',
    explains: ['moe', 'sharedExperts'],
  },
  {
    family: 'llama4_text',
    keys: ['num_local_experts', 'interleave_moe_layer_step', 'intermediate_size_mlp'],
    assumption: 'Llama 4 interleaved MoE with a shared expert, chunked attention',
    explains: ['moe', 'sharedExperts'],
  },
  {
    family: 'mixtral',
    keys: ['num_local_experts', 'num_experts_per_tok', 'intermediate_size'],
    assumption: 'every layer a top-k MoE of SwiGLU experts, no shared expert, no biases',
    explains: ['moe'],
  },
  {
    family: 'qwen2_moe',
    keys: ['num_experts', 'num_experts_per_tok', 'moe_intermediate_size', 'shared_expert_intermediate_size'],
    assumption:
      'Qwen2 attention (q/k/v bias), top-k MoE of SwiGLU experts with one sigmoid-gated shared expert',
    explains: ['moe', 'sharedExperts'],
  },
  {
    family: 'bailing_moe',
    keys: ['num_experts', 'num_experts_per_tok', 'moe_intermediate_size', 'num_shared_experts'],
    assumption:
      'GQA attention, num_shared_experts shared SwiGLU experts beside the routed ones after first_k_dense_replace dense layers',
    explains: ['moe', 'sharedExperts'],
  },
  {
    family: 'qwen3_moe',
    keys: ['num_experts', 'num_experts_per_tok', 'moe_intermediate_size'],
    assumption: 'per-head q/k RMSNorms, top-k MoE of SwiGLU experts, no shared expert',
    explains: ['moe'],
  },
  {
    family: 'glm4_moe',
    keys: ['n_routed_experts', 'num_experts_per_tok', 'moe_intermediate_size', 'num_attention_heads'],
    assumption: 'GQA attention, shared and routed SwiGLU experts after first_k_dense_replace dense layers',
    explains: ['moe', 'sharedExperts'],
  },
  {
    // Gemma 2's keys (GeGLU's `hidden_activation`, `query_pre_attn_scalar`): a Gemma derivative read as
    // Llama would count an untied head (VaultGemma: +28%).
    family: 'gemma2',
    keys: ['hidden_activation', 'query_pre_attn_scalar', 'head_dim', 'num_attention_heads'],
    assumption:
      'GeGLU MLP, four RMSNorms per layer (Gemma 2 post-norms), embeddings tied unless tie_word_embeddings is false, sliding layers per layer_types or sliding_window',
  },
  {
    family: 'llama',
    keys: ['hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size', 'vocab_size'],
    assumption:
      'separate q/k/v/o projections (bias per attention_bias), SwiGLU MLP, two RMSNorms per layer, RoPE, embeddings tied only if tie_word_embeddings',
  },
];

const ATTENTION_LAYER_TYPES: readonly unknown[] = [
  'full_attention',
  'sliding_attention',
  'chunked_attention',
];

/** Whether a `layer_types` list names a layer kind other than softmax attention. */
function namesRecurrentLayers(layerTypes: unknown): boolean {
  return Array.isArray(layerTypes) && layerTypes.some((t) => !ATTENTION_LAYER_TYPES.includes(t));
}

/** Refuses reading `modelType` as `family` when the config signals a structure the family does not model. */
function refuseUnexplainedStructure(
  json: Json,
  modelType: string,
  family: SupportedModelType,
  explains: readonly Structure[],
): void {
  const like = lookalikeName(family);
  for (const structure of Object.keys(STRUCTURE_MARKERS) as Structure[]) {
    if (explains.includes(structure)) continue;
    const marker = STRUCTURE_MARKERS[structure];
    // Absent, off or trivial (0, false, one expert) values signal nothing; `layer_types` signals
    // recurrent layers when it names a kind other than softmax attention (LFM2's "conv", "mamba", …).
    const key =
      marker.keys.find((k) => {
        const v = json[k];
        return v !== undefined && v !== null && v !== false && v !== 0 && !(structure === 'moe' && v === 1);
      }) ??
      (structure === 'stateSpace' && namesRecurrentLayers(json.layer_types) ? 'layer_types' : undefined);
    if (key === undefined) continue;
    inputError(
      'unsupported',
      [key],
      `unsupported model_type '${modelType}': its fields look like ${like}, but '${key}' signals ${marker.what}, which reading it as ${like} would leave out (a wrong count, not an estimate); give a supported model_type or a model spec (docs/model-spec.md); supported: ${SUPPORTED_MODEL_TYPES.join(', ')}`,
    );
  }
}

/** A family's name in the warnings and errors ('qwen3_5_text' reads as 'qwen3_5'). */
const lookalikeName = (family: SupportedModelType) => family.replace(/_text$/, '');

/** Sub-configs and keys of a multimodal model's encoders, which a lookalike or fallback read leaves out. */
const ENCODER_KEYS = [
  'vision_config',
  'audio_config',
  'speech_config',
  'visual',
  'vision_tower',
  'audio_tower',
  'embd_layer',
];

/** `spec` as `modelType`, with how it was read, and any encoder it leaves out, as a warning. */
function readAs(spec: ModelSpec, modelType: string, how: string, json: Json): ModelSpec {
  const towers = ENCODER_KEYS.filter((k) => json[k] !== undefined && json[k] !== null);
  const left =
    towers.length === 0
      ? ''
      : `. Its ${towers.join(', ')} (vision or audio encoders) ${towers.length === 1 ? 'is' : 'are'} not read: not in the parameters, nor in serving or training memory`;
  return {
    ...spec,
    modelType,
    warnings: [...(spec.warnings ?? []), `model_type '${modelType}' is not supported; ${how}${left}`],
  };
}

/** Sub-configs that hold a wrapper's language model, in the order they are looked for. */
const WRAPPER_KEYS = ['text_config', 'language_config', 'llm_config', 'thinker_config'] as const;

/** Wrappers nest at most this deep (an omni model's thinker_config → text_config). */
const MAX_WRAPPER_DEPTH = 3;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An unknown `model_type`: a wrapper whose `text_config` is a known type is read through it (vision
 * tower not counted); a config whose keys match a known family is read as that family with the
 * assumption stated as a warning; a wrapper whose language model is of an unknown type is read the
 * same way one level down (errors name the sub-config); anything else is an error naming the
 * missing fields.
 */
function readAsKnownFamily(json: Json, modelType: string, name: string, depth = 0): ModelSpec {
  // The language model of a wrapper: text_config (transformers), language_config (DeepSeek-VL2,
  // Janus), llm_config (InternVL); thinker_config holds the text and audio-visual model of the
  // Qwen Omni models, the text model in its own text_config.
  for (const key of WRAPPER_KEYS) {
    const text = json[key];
    if (!isObject(text)) continue;
    const textType = text.model_type;
    if (typeof textType === 'string' && (SUPPORTED_MODEL_TYPES as readonly string[]).includes(textType)) {
      // Keys the sub-config omits take its class defaults, as in the known wrappers.
      const top = new Fields(json, modelType);
      const spec = FAMILIES[textType as SupportedModelType](subConfig(top, key, textType) ?? top, name);
      return readAs(spec, modelType, `read its ${key} as '${textType}'`, json);
    }
  }
  const present = (key: string) => json[key] !== undefined && json[key] !== null;
  const match = LOOKALIKES.find((l) => l.keys.every(present));
  if (match) {
    refuseUnexplainedStructure(json, modelType, match.family, match.explains ?? []);
    const spec = FAMILIES[match.family](new Fields(json, modelType), name);
    return readAs(spec, modelType, `read as ${lookalikeName(match.family)}-like: ${match.assumption}`, json);
  }
  // A wrapper whose language model is itself of an unknown type: read that sub-config the same way.
  const inner = WRAPPER_KEYS.find((k) => isObject(json[k]));
  if (inner !== undefined && depth < MAX_WRAPPER_DEPTH) {
    const child = json[inner] as Json;
    const childType = typeof child.model_type === 'string' ? child.model_type : `${modelType}.${inner}`;
    let spec: ModelSpec;
    try {
      spec = readAsKnownFamily(child, childType, name, depth + 1);
    } catch (e) {
      if (!(e instanceof InputError) || e instanceof DoesNotFitError) throw e;
      throw new InputError(e.issues.map((i) => ({ ...i, path: [inner, ...i.path] })));
    }
    return readAs(spec, modelType, `read its ${inner} ('${childType}')`, json);
  }
  const llama = LOOKALIKES[LOOKALIKES.length - 1]!;
  const missing = llama.keys.filter((k) => !present(k));
  return inputError(
    'unsupported',
    ['model_type'],
    `unsupported model_type '${modelType}', and its fields match no supported family (read as llama-like it lacks ${missing.map((k) => `'${k}'`).join(', ')}); supported: ${SUPPORTED_MODEL_TYPES.join(', ')}`,
  );
}
