/**
 * Two audio-language wrappers over text families llmecon reads, each with a Whisper-style audio
 * encoder and projector counted apart (`spec.audio`, encoder + projector):
 *
 * - `voxtral`, Mistral Voxtral (mistralai/Voxtral-Mini-3B-2507, Voxtral-Small-24B-2507). transformers
 *   `models/voxtral/configuration_voxtral.py` (VoxtralConfig, VoxtralEncoderConfig),
 *   `modular_voxtral.py` / `modeling_voxtral.py` (VoxtralForConditionalGeneration, VoxtralEncoder,
 *   VoxtralEncoderLayer, VoxtralAttention, VoxtralMultiModalProjector) and
 *   `convert_voxtral_weights_to_hf.py`. language_model is `AutoModelForCausalLM` of `text_config`
 *   (the converter writes a `llama` one; VoxtralConfig puts its `_default_text_config_kwargs` under
 *   the keys a text_config omits, whatever its type); audio_tower is a VoxtralEncoder
 *   (Qwen2AudioEncoder's modules, see below, its avg_pooler unused); multi_modal_projector reshapes the
 *   encoder's output to rows of `audio_config.intermediate_size` (5120 = 4 consecutive 1280-wide
 *   frames), then linear_1 5120 → text hidden, GELU, linear_2 text hidden → text hidden, both without
 *   bias: 375 tokens per 30 s chunk. VoxtralEncoderConfig names its keys hidden_size,
 *   num_hidden_layers, num_attention_heads, intermediate_size; its `attribute_map` aliases (d_model,
 *   encoder_layers, …) are overwritten by `__init__`, which sets the named keys after
 *   `super().__init__(**kwargs)`, so an alias that disagrees is named in a warning. The release's
 *   `audio_config.head_dim`, `num_key_value_heads` and `vocab_size` are converter leftovers no module
 *   reads (VoxtralAttention uses hidden / heads). VoxtralForConditionalGeneration keeps embed_positions
 *   in FP32 (`_keep_in_fp32_modules_strict`); llmecon weighs encoders at one width, so its 1.92M
 *   parameters are counted at BF16, 3.84 MB under what the FP32 table holds.
 * - `qwen2_audio`, Qwen2-Audio (Qwen/Qwen2-Audio-7B, -7B-Instruct). transformers
 *   `models/qwen2_audio/configuration_qwen2_audio.py` (Qwen2AudioConfig, Qwen2AudioEncoderConfig)
 *   and `modeling_qwen2_audio.py` (Qwen2AudioForConditionalGeneration, Qwen2AudioEncoder,
 *   Qwen2AudioEncoderLayer, Qwen2AudioAttention, Qwen2AudioMultiModalProjector). language_model is
 *   the Qwen2 model of `text_config` (Qwen2Config's defaults for the keys it omits: the release's
 *   omits hidden 4096, 32 layers, 32 heads and 32 KV heads); audio_tower is Qwen2AudioEncoder, whose
 *   AvgPool1d(2, 2) halves the 1500 frames before the final LayerNorm: 750 tokens per 30 s chunk;
 *   multi_modal_projector is one Linear d_model → text hidden with bias.
 *
 * Both encoders are {@link readWhisperEncoder}'s. A chunk is `max_source_positions` × 2 mel frames
 * (the encoder refuses any other length), 30 s at the releases' feature extractor (hop 160 at
 * 16 kHz, `preprocessor_config.json`); FLOPs per clip are not given (`spec.audio` has none).
 */

import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { ModelSpec } from '../spec.js';
import { type Fields, isJsonObject, type Json, MAX, shown } from './fields.js';
import { type Family, withClassDefaults } from './readers.js';
import { type FamilyOf, subConfig, textFamilies, wrapped } from './wrappers.js';

const fmt = (n: number) => n.toLocaleString('en-US');

// ---------------------------------------------------------------------------------------------
// The Whisper-style encoder both build
// ---------------------------------------------------------------------------------------------

/** The config keys an encoder config names its width, depth, heads and FFN width by. */
export interface WhisperEncoderKeys {
  readonly width: string;
  readonly layers: string;
  readonly heads: string;
  readonly ffn: string;
}

/** WhisperConfig `__init__` defaults (whisper-tiny's shape) under the keys a Whisper `audio_config` omits. */
export const WHISPER_CONFIG_DEFAULTS: Json = {
  d_model: 384,
  encoder_layers: 4,
  encoder_attention_heads: 6,
  encoder_ffn_dim: 1536,
  num_mel_bins: 80,
  max_source_positions: 1500,
};

/** WhisperConfig's own key names for the encoder's width, depth, heads and FFN width. */
export const WHISPER_CONFIG_KEYS: WhisperEncoderKeys = {
  width: 'd_model',
  layers: 'encoder_layers',
  heads: 'encoder_attention_heads',
  ffn: 'encoder_ffn_dim',
};

export interface WhisperEncoder {
  readonly width: number;
  readonly layers: number;
  readonly heads: number;
  readonly ffn: number;
  /** Frames after conv2 (`max_source_positions`), the rows of the position table. */
  readonly positions: number;
  /** Every tensor the encoder builds, the position table included. */
  readonly params: number;
  /** embed_positions (positions × width): an nn.Embedding, so a parameter (frozen, stored in the checkpoint). */
  readonly positionParams: number;
}

/**
 * A Whisper encoder as Qwen2AudioEncoder (and VoxtralEncoder, which inherits its `__init__`) builds it
 * (transformers' WhisperEncoder's modules): conv1 Conv1d(num_mel_bins → d, kernel 3) and conv2
 * Conv1d(d → d, kernel 3, stride 2), both with bias; embed_positions nn.Embedding(max_source_positions,
 * d) with `requires_grad_(False)` — a parameter, not a buffer: it is in the state dict and the
 * checkpoints (Voxtral's converter writes Whisper's sinusoids into it; Qwen3-Omni's AuT, by contrast,
 * keeps its sinusoids as a buffer); per layer self_attn_layer_norm and final_layer_norm (LayerNorms),
 * q_proj, v_proj and out_proj d → d with bias and k_proj d → d without, fc1 d → ffn and fc2 ffn → d
 * with bias; the final layer_norm. avg_pooler (AvgPool1d) holds nothing.
 */
export function readWhisperEncoder(f: Fields, keys: WhisperEncoderKeys): WhisperEncoder {
  const width = f.positiveInt(keys.width, { max: MAX.hidden });
  const layers = f.positiveInt(keys.layers, { max: MAX.layers });
  const heads = f.positiveInt(keys.heads, { max: MAX.heads });
  // Qwen2AudioAttention raises unless head_dim · num_heads == embed_dim.
  if (width % heads !== 0) f.fail(keys.heads, `(${heads}) must divide ${keys.width} (${width})`);
  const ffn = f.positiveInt(keys.ffn, { max: MAX.intermediate });
  const mel = f.positiveInt('num_mel_bins', { max: MAX.hidden });
  const positions = f.positiveInt('max_source_positions', { max: MAX.positions });
  // conv1 (mel → d, kernel 3) and conv2 (d → d, kernel 3), with bias.
  const convs = 3 * mel * width + width + 3 * width * width + width;
  // q, v, out_proj with bias, k_proj without; two LayerNorms; fc1 and fc2 with bias.
  const layer =
    3 * linear(width, width) +
    linear(width, width, false) +
    2 * layerNorm(width) +
    linear(width, ffn) +
    linear(ffn, width);
  const positionParams = positions * width;
  const params = convs + positionParams + layers * layer + layerNorm(width);
  return { width, layers, heads, ffn, positions, params, positionParams };
}

// ---------------------------------------------------------------------------------------------
// Shared wrapper plumbing
// ---------------------------------------------------------------------------------------------

/**
 * `top` with `key` filled as the wrapper's `__init__` builds it: an absent sub-config is the
 * `defaults` alone (the class defaults of its type then apply beneath), a present one takes `defaults`
 * under the keys it omits. A value that is not an object is left for the sub-config reader to refuse.
 */
export function withSubDefaults(top: Fields, key: string, defaults: Json): Fields {
  const raw = top.raw(key);
  if (raw === undefined || raw === null) return top.with({ [key]: { ...defaults } });
  return isJsonObject(raw) ? top.with({ [key]: { ...defaults, ...raw } }) : top;
}

/** The audio sub-config (`audio_config`, class defaults filled), refused unless of `type`. */
export function audioConfig(top: Fields, type: string, defaults: Json, owner: string): Fields {
  const a = subConfig(withSubDefaults(top, 'audio_config', {}), 'audio_config', type);
  if (!a) return top.fail('audio_config', 'must be an object');
  const actual = a.string('model_type', type);
  if (actual !== type) {
    a.fail('model_type', `is '${actual}'; llmecon reads ${owner}'s audio tower as a '${type}' encoder`);
  }
  return withClassDefaults(a, defaults);
}

/** The text spec with `audio` set and `warnings` appended. */
function withAudio(spec: ModelSpec, audio: ModelSpec['audio'], warnings: readonly string[]): ModelSpec {
  const all = [...(spec.warnings ?? []), ...warnings];
  return { ...spec, audio, ...(all.length > 0 ? { warnings: all } : {}) };
}

/** "Whisper encoder 32 × 1280, 20 heads" */
const encoderName = (e: WhisperEncoder) => `Whisper encoder ${e.layers} × ${e.width}, ${e.heads} heads`;

// ---------------------------------------------------------------------------------------------
// Voxtral (voxtral)
// ---------------------------------------------------------------------------------------------

/** VoxtralConfig `_default_text_config_kwargs`: put under the keys a text_config omits. */
export const VOXTRAL_TEXT_DEFAULTS: Json = {
  vocab_size: 131_072,
  hidden_size: 3072,
  intermediate_size: 8192,
  num_hidden_layers: 30,
  num_key_value_heads: 8,
  max_position_embeddings: 131_072,
  head_dim: 128,
};

/** VoxtralEncoderConfig `__init__` defaults (Whisper large-v3's encoder). */
export const VOXTRAL_ENCODER_DEFAULTS: Json = {
  hidden_size: 1280,
  intermediate_size: 5120,
  num_hidden_layers: 32,
  num_attention_heads: 20,
  num_mel_bins: 128,
  max_source_positions: 1500,
};

/** VoxtralEncoderConfig's key names (AudioFlamingo3EncoderConfig's too): WhisperConfig's are its aliases. */
export const VOXTRAL_KEYS: WhisperEncoderKeys = {
  width: 'hidden_size',
  layers: 'num_hidden_layers',
  heads: 'num_attention_heads',
  ffn: 'intermediate_size',
};

/** VoxtralEncoderConfig.attribute_map: alias → the key `__init__` sets after it. */
const VOXTRAL_ALIASES: Readonly<Record<string, string>> = {
  d_model: 'hidden_size',
  encoder_layers: 'num_hidden_layers',
  encoder_attention_heads: 'num_attention_heads',
  encoder_ffn_dim: 'intermediate_size',
};

/**
 * The Voxtral audio side (see the file comment), `params` exact: the encoder and the projector
 * (linear_1 intermediate_size → text hidden, linear_2 text hidden → text hidden, no biases). `a` is the
 * audio_config with VoxtralEncoderConfig's defaults filled.
 */
export function readVoxtralAudio(a: Fields, textHidden: number): { description: string; params: number } {
  const e = readWhisperEncoder(a, VOXTRAL_KEYS);
  // get_audio_features: reshape(-1, intermediate_size) stacks intermediate / hidden consecutive frames.
  if (e.ffn % e.width !== 0) {
    a.fail(
      'intermediate_size',
      `(${e.ffn}) must be a multiple of hidden_size (${e.width}): the projector reads rows of intermediate_size stacked frames`,
    );
  }
  const stack = e.ffn / e.width;
  if (e.positions % stack !== 0) {
    a.fail(
      'max_source_positions',
      `(${e.positions}) must be divisible by the ${stack} frames stacked per audio token`,
    );
  }
  const projector = linear(e.ffn, textHidden, false) + linear(textHidden, textHidden, false);
  return {
    description: `${encoderName(e)}; ${stack} frames stacked → ${e.positions / stack} tokens per chunk, projector ${e.ffn} → ${textHidden} → ${textHidden}`,
    params: e.params + projector,
  };
}

/** attribute_map aliases in `raw` that disagree with the value `__init__` keeps, as warnings. */
function ignoredAliases(a: Fields): string[] {
  return Object.entries(VOXTRAL_ALIASES).flatMap(([alias, key]) => {
    if (!a.has(alias) || a.raw(alias) === a.raw(key)) return [];
    return [
      `voxtral: audio_config.${alias} (${shown(a.raw(alias))}) is ignored: VoxtralEncoderConfig.__init__ sets ${key} (${fmt(a.positiveInt(key))}) after its attribute_map alias`,
    ];
  });
}

/**
 * The `voxtral` family (VoxtralForConditionalGeneration): the text model by `text_config`'s own
 * `model_type` (default `llama`) with VoxtralConfig's text defaults, the audio tower and projector
 * as `spec.audio`.
 */
export function voxtralWrapper(familyOf: FamilyOf): Family {
  const text = wrapped(textFamilies(familyOf, 'VoxtralForConditionalGeneration'), { textType: 'llama' });
  return (top, name) => {
    const spec = text(withSubDefaults(top, 'text_config', VOXTRAL_TEXT_DEFAULTS), name);
    const a = audioConfig(
      top,
      'voxtral_encoder',
      VOXTRAL_ENCODER_DEFAULTS,
      'VoxtralForConditionalGeneration',
    );
    return withAudio(spec, readVoxtralAudio(a, spec.hiddenSize), ignoredAliases(a));
  };
}

// ---------------------------------------------------------------------------------------------
// Qwen2-Audio (qwen2_audio)
// ---------------------------------------------------------------------------------------------

/** Qwen2AudioEncoderConfig defaults (also what Qwen2AudioConfig builds without an audio_config). */
export const QWEN2_AUDIO_ENCODER_DEFAULTS: Json = {
  d_model: 1280,
  encoder_layers: 32,
  encoder_attention_heads: 20,
  encoder_ffn_dim: 5120,
  num_mel_bins: 128,
  max_source_positions: 1500,
};

export const QWEN2_AUDIO_KEYS: WhisperEncoderKeys = {
  width: 'd_model',
  layers: 'encoder_layers',
  heads: 'encoder_attention_heads',
  ffn: 'encoder_ffn_dim',
};

/**
 * The Qwen2-Audio audio side (see the file comment), `params` exact: the encoder and the projector
 * (Linear d_model → text hidden, with bias). `a` is the audio_config with Qwen2AudioEncoderConfig's
 * defaults filled.
 */
export function readQwen2Audio(a: Fields, textHidden: number): { description: string; params: number } {
  // Qwen2AudioEncoderConfig.attribute_map sends num_hidden_layers to encoder_layers; which one a
  // transformers version keeps when both are given differs, so a disagreement is refused.
  if (a.has('num_hidden_layers')) {
    const alias = a.positiveInt('num_hidden_layers', { max: MAX.layers });
    const layers = a.positiveInt('encoder_layers', { max: MAX.layers });
    if (alias !== layers) {
      a.fail(
        'num_hidden_layers',
        `(${alias}) must equal encoder_layers (${layers}): Qwen2AudioEncoderConfig maps one onto the other`,
      );
    }
  }
  const e = readWhisperEncoder(a, QWEN2_AUDIO_KEYS);
  // avg_pooler: AvgPool1d(2, stride 2) over the frames.
  const tokens = Math.floor(e.positions / 2);
  return {
    description: `${encoderName(e)}; 2× average pool → ${tokens} tokens per chunk, projector ${e.width} → ${textHidden}`,
    params: e.params + linear(e.width, textHidden),
  };
}

/**
 * The `qwen2_audio` family (Qwen2AudioForConditionalGeneration): the text model by `text_config`'s own
 * `model_type` (default `qwen2`, Qwen2Config's defaults under omitted keys, all of them without a
 * text_config), the audio tower and projector as `spec.audio`.
 */
export function qwen2AudioWrapper(familyOf: FamilyOf): Family {
  const text = wrapped(textFamilies(familyOf, 'Qwen2AudioForConditionalGeneration'), { textType: 'qwen2' });
  return (top, name) => {
    const spec = text(withSubDefaults(top, 'text_config', {}), name);
    const a = audioConfig(
      top,
      'qwen2_audio_encoder',
      QWEN2_AUDIO_ENCODER_DEFAULTS,
      'Qwen2AudioForConditionalGeneration',
    );
    return withAudio(spec, readQwen2Audio(a, spec.hiddenSize), []);
  };
}
