/**
 * Mistral's native `params.json` (the format of mistral-inference and of `consolidated.safetensors`
 * checkpoints; some releases, e.g. Devstral-Small-2507, ship no config.json), read by mapping it onto
 * the Hugging Face config the same checkpoint converts to and reading that with the family's reader.
 * The mapping follows transformers' native-config conversion (MistralNativeConfig,
 * Ministral3NativeConfig, Mistral4NativeConfig, Mistral3NativeConfig: `dim` → hidden_size,
 * `n_layers` → num_hidden_layers, `n_heads` → num_attention_heads, `n_kv_heads` →
 * num_key_value_heads (absent: n_heads), `hidden_dim` → intermediate_size, `tied_embeddings` →
 * tie_word_embeddings; `moe` with `expert_hidden_dim` → mistral4 with its MLA keys as written; `yarn`
 * or `quantization` → ministral3; `vision_encoder` → mistral3 with a pixtral tower) and vLLM's
 * `transformers_utils/configs/mistral.py` (adapt_config_dict) for what transformers' does not
 * cover: a `moe` without `expert_hidden_dim` is Mixtral (num_experts, num_experts_per_tok on
 * `hidden_dim`), a `sliding_window` list is per-layer windows (None: full), a vision encoder
 * without `mm_projector_id: patch_merge` is Pixtral-12B's adapter (w_in, GELU, w_out, biased
 * unless `adapter_bias` is false: LLaVA's projector on the same tower), and `max_seq_len` /
 * `max_position_embeddings` default to 128,000.
 */
import { InputError, type InputIssue, inputError } from '../errors.js';
import { type Json, MAX, shown } from './families/fields.js';
import { specFromHfConfig } from './hf-config.js';
import type { ModelSpec } from './spec.js';

/** A parsed `params.json`: no `model_type` (or mistral-inference's own) and `dim` with `n_layers`. */
export function isMistralParams(value: unknown): value is Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const json = value as Json;
  const type = json.model_type;
  return (
    (type === undefined || type === 'transformer' || type === 'mamba') && 'dim' in json && 'n_layers' in json
  );
}

/** Native key → the Hugging Face key it becomes (error paths are named back by the reverse). */
const TEXT_KEYS: Readonly<Record<string, string>> = {
  dim: 'hidden_size',
  n_layers: 'num_hidden_layers',
  n_heads: 'num_attention_heads',
  n_kv_heads: 'num_key_value_heads',
  hidden_dim: 'intermediate_size',
  norm_eps: 'rms_norm_eps',
  tied_embeddings: 'tie_word_embeddings',
};
const MOE_KEYS: Readonly<Record<string, string>> = {
  num_experts: 'n_routed_experts',
  num_experts_per_tok: 'num_experts_per_tok',
  expert_hidden_dim: 'moe_intermediate_size',
  first_k_dense_replace: 'first_k_dense_replace',
  num_shared_experts: 'n_shared_experts',
  routed_scale: 'routed_scaling_factor',
  num_expert_groups: 'n_group',
  num_expert_groups_per_tok: 'topk_group',
};
const MLA_KEYS = ['q_lora_rank', 'kv_lora_rank', 'qk_nope_head_dim', 'qk_rope_head_dim', 'v_head_dim'];
/** Keys passed through under their own names. */
const SAME_KEYS = ['head_dim', 'vocab_size', 'rope_theta'];

function object(value: unknown, path: string): Json | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value))
    inputError('invalid_type', [path], `'${path}' must be an object`);
  return value as Json;
}

/** Per-layer windows (`sliding_window` as a list, vLLM's reading): layer_types and the one window. */
function slidingLayers(window: unknown[], layers: unknown): Json {
  // A layer count the reader will refuse (not an integer in 1..MAX.layers) builds no list here.
  if (typeof layers !== 'number' || !Number.isInteger(layers) || layers < 1 || layers > MAX.layers) return {};
  const windows = new Set(window.filter((w) => w !== null));
  if (windows.size > 1 || window.length === 0 || layers % window.length !== 0) {
    inputError(
      'invalid_value',
      ['sliding_window'],
      `a 'sliding_window' list must hold one window size (or null for full layers) and its length must divide n_layers, got ${shown(window).slice(0, 200)}`,
    );
  }
  const pattern = window.map((w) => (w === null ? 'full_attention' : 'sliding_attention'));
  return {
    layer_types: Array.from({ length: layers }, (_, i) => pattern[i % pattern.length]),
    sliding_window: windows.size === 0 ? null : [...windows][0],
  };
}

function textConfig(params: Json): { config: Json; renames: Record<string, string> } {
  const renames: Record<string, string> = {};
  const config: Json = {};
  for (const [native, hf] of Object.entries(TEXT_KEYS)) {
    if (native in params) config[hf] = params[native];
    renames[hf] = native;
  }
  for (const key of [...SAME_KEYS, ...MLA_KEYS]) if (key in params) config[key] = params[key];
  config.max_position_embeddings = params.max_position_embeddings ?? params.max_seq_len ?? 128_000;
  renames.max_position_embeddings =
    'max_position_embeddings' in params ? 'max_position_embeddings' : 'max_seq_len';
  const window = params.sliding_window;
  const moe = object(params.moe, 'moe');
  if (moe !== null && 'expert_hidden_dim' in moe) {
    // Mistral Small 4, Mistral Large 3: DeepSeek-V3's MLA and MoE with softmax routing (transformers' mistral4).
    for (const key of ['kv_lora_rank', 'qk_nope_head_dim', 'qk_rope_head_dim', 'v_head_dim']) {
      if (!(key in params))
        inputError(
          'missing_field',
          [key],
          `missing field '${key}' (a 'moe' with 'expert_hidden_dim' is Mistral 4's MLA model)`,
        );
    }
    if ((moe.route_every_n ?? 1) !== 1) {
      inputError(
        'unsupported',
        ['moe', 'route_every_n'],
        `'moe.route_every_n' other than 1 (MoE on every n-th layer) is not modelled, got ${shown(moe.route_every_n)}`,
      );
    }
    config.q_lora_rank = params.q_lora_rank ?? null;
    for (const [native, hf] of Object.entries(MOE_KEYS)) {
      if (native in moe) config[hf] = moe[native];
      renames[hf] = `moe.${native}`;
    }
    config.n_shared_experts ??= 1;
    // transformers' Mistral4NativeConfig.to_hf_config drops head_dim (qk_nope + qk_rope is the head).
    config.head_dim = undefined;
    return { config: { ...config, model_type: 'mistral4' }, renames };
  }
  const layers = Array.isArray(window)
    ? slidingLayers(window, params.n_layers)
    : { sliding_window: window ?? null };
  if (moe !== null) {
    // Mixtral: `num_experts` SwiGLU experts of hidden_dim, top `num_experts_per_tok`.
    config.num_local_experts = moe.num_experts;
    config.num_experts_per_tok = moe.num_experts_per_tok;
    renames.num_local_experts = 'moe.num_experts';
    renames.num_experts_per_tok = 'moe.num_experts_per_tok';
    return { config: { ...config, ...layers, model_type: 'mixtral' }, renames };
  }
  const type = Array.isArray(window)
    ? 'ministral'
    : 'yarn' in params || 'quantization' in params
      ? 'ministral3'
      : 'mistral';
  return { config: { ...config, ...layers, model_type: type }, renames };
}

/** The Hugging Face config the params.json converts to, and which native key each HF key came from. */
function hfConfigFrom(params: Json): { config: Json; renames: Record<string, string> } {
  if (params.model_type === 'mamba') {
    inputError(
      'unsupported',
      ['model_type'],
      "a params.json with model_type 'mamba' (Codestral Mamba) is not read: give the checkpoint's config.json (model_type mamba2)",
    );
  }
  const multimodal = object(params.multimodal, 'multimodal');
  if (
    multimodal !== null &&
    object(multimodal.whisper_model_args, 'multimodal.whisper_model_args') !== null
  ) {
    inputError(
      'unsupported',
      ['multimodal', 'whisper_model_args'],
      "a params.json with an audio encoder (Voxtral's multimodal.whisper_model_args) is not read: give the checkpoint's config.json (model_type voxtral)",
    );
  }
  const visionKey =
    multimodal?.vision_encoder_args !== undefined ? 'multimodal.vision_encoder_args' : 'vision_encoder';
  const vision = object(multimodal?.vision_encoder_args ?? params.vision_encoder, visionKey);
  const text = textConfig(params);
  if (vision === null) return text;
  const merges = vision.mm_projector_id === 'patch_merge';
  const renames: Record<string, string> = { ...text.renames, vision_config: visionKey };
  renames.spatial_merge_size = `${visionKey}.spatial_merge_size`;
  renames.multimodal_projector_bias = `${visionKey}.adapter_bias`;
  return {
    config: {
      // Pixtral-12B's adapter on every patch is LLaVA's projector; the patch merger is Mistral 3's.
      model_type: merges ? 'mistral3' : 'llava',
      text_config: text.config,
      vision_config: { ...vision, model_type: 'pixtral' },
      tie_word_embeddings: text.config.tie_word_embeddings ?? false,
      ...(merges ? { spatial_merge_size: vision.spatial_merge_size ?? 2 } : {}),
      multimodal_projector_bias: vision.adapter_bias ?? !merges,
    },
    renames,
  };
}

/** Renames a Hugging Face key path (and its quoted mentions) back to the params.json key it came from. */
function renamed(issue: InputIssue, renames: Record<string, string>): InputIssue {
  // The text model's keys sit at the top of params.json, not under text_config.
  if (issue.path[0] === 'text_config') {
    const top = {
      ...issue,
      path: issue.path.slice(1),
      message: issue.message.replaceAll("'text_config.", "'"),
    };
    return top.path.length > 0 ? renamed(top, renames) : issue;
  }
  const parts = issue.path.map(String);
  for (let n = parts.length; n > 0; n--) {
    const native = renames[parts.slice(0, n).join('.')];
    if (native === undefined) continue;
    const hf = parts.slice(0, n).join('.');
    return {
      ...issue,
      path: [...native.split('.'), ...issue.path.slice(n)],
      message: issue.message.replaceAll(`'${hf}`, `'${native}`),
    };
  }
  return issue;
}

/** Reads a Mistral `params.json` as the model its Hugging Face conversion describes. */
export function specFromMistralParams(params: Json, name: string): ModelSpec {
  const { config, renames } = hfConfigFrom(params);
  let spec: ModelSpec;
  try {
    spec = specFromHfConfig(config, name);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new InputError(error.issues.map((issue) => renamed(issue, renames)));
  }
  const note =
    params.quantization !== undefined
      ? [
          `params.json's quantization ${shown(params.quantization).slice(0, 120)}: counts are parameters; give the weight format (e.g. --weights fp8) for memory`,
        ]
      : [];
  return {
    ...spec,
    warnings: [
      `read from Mistral's params.json as model_type '${String(config.model_type)}'${config.text_config ? ` (text model '${String((config.text_config as Json).model_type)}')` : ''}`,
      ...(spec.warnings ?? []),
      ...note,
    ],
  };
}
