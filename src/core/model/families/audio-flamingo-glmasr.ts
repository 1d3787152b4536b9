/**
 * Two audio-language wrappers over text families llmecon reads, each with an audio encoder and a
 * two-layer projector counted apart (`spec.audio`, encoder + projector), as audio-llm.ts counts
 * Voxtral's and Qwen2-Audio's:
 *
 * - `audioflamingo3`, NVIDIA Audio Flamingo 3 (nvidia/audio-flamingo-3-hf). transformers
 *   `models/audioflamingo3/configuration_audioflamingo3.py` (AudioFlamingo3Config,
 *   AudioFlamingo3EncoderConfig), `modular_audioflamingo3.py` / `modeling_audioflamingo3.py`
 *   (AudioFlamingo3ForConditionalGeneration, AudioFlamingo3Model, AudioFlamingo3Encoder,
 *   AudioFlamingo3EncoderLayer, AudioFlamingo3MultiModalProjector) and
 *   `convert_audioflamingo3_to_hf.py`. language_model is the model of `text_config` by its
 *   `model_type` (default `qwen2`, that class's defaults under the keys it omits; the converter writes
 *   Qwen2.5-7B's shape); audio_tower is AudioFlamingo3Encoder, Qwen2AudioEncoder's modules
 *   ({@link readWhisperEncoder}: convs, the 1500-row position table, Whisper layers, AvgPool1d(2, 2)
 *   before the final LayerNorm: 750 tokens per 30 s chunk); multi_modal_projector is linear_1
 *   hidden_size → text hidden, GELU, linear_2 text hidden → text hidden, both with bias when
 *   `projector_bias` (default true). AudioFlamingo3EncoderConfig names its keys hidden_size,
 *   num_hidden_layers, num_attention_heads, intermediate_size, with the Whisper names (d_model,
 *   encoder_layers, …) as `attribute_map` aliases; an alias given alone is read, one that disagrees
 *   with its key is refused. Its defaults are VoxtralEncoderConfig's, key for key.
 * - `glmasr`, Z.ai GLM-ASR (zai-org/GLM-ASR-Nano-2512). transformers
 *   `models/glmasr/configuration_glmasr.py` (GlmAsrConfig, GlmAsrEncoderConfig) and
 *   `modular_glmasr.py` / `modeling_glmasr.py` (GlmAsrForConditionalGeneration, GlmAsrModel,
 *   GlmAsrEncoder, GlmAsrEncoderLayer, GlmAsrAttention, GlmAsrMLP, GlmAsrMultiModalProjector); vLLM
 *   `model_executor/models/glmasr.py` builds the same modules. language_model is the model of
 *   `text_config` (default `llama`, GlmAsrConfig `_default_text_config_kwargs` under the keys it
 *   omits). lm_head is tied to embed_tokens by the top-level `tie_word_embeddings` (GlmAsrConfig
 *   default true; the wrapper owns lm_head, so text_config's own flag is not the one applied).
 *   audio_tower is GlmAsrEncoder: conv1 Conv1d(num_mel_bins → d, kernel 3) and conv2 Conv1d(d → d,
 *   kernel 3, stride 2), with bias; per layer input_layernorm and post_attention_layernorm
 *   (LayerNorms), q_proj d → H·hd, v_proj d → K·hd and o_proj H·hd → d with bias, k_proj d → K·hd
 *   without, fc1 d → intermediate and fc2 intermediate → d with bias; the final LayerNorm `norm`;
 *   rotary_emb (partial RoPE, a buffer) holds nothing, and there is no position table (the release's
 *   Whisper-era `audio_tower.embed_positions` tensor loads into no module; vLLM skips it).
 *   get_audio_features reshapes the encoder's output to rows of `audio_config.intermediate_size`
 *   (4 consecutive 1280-wide frames), then multi_modal_projector: linear_1 intermediate → 2 × text
 *   hidden, GELU, linear_2 → text hidden, both with bias.
 *
 * FLOPs per clip are not given (`spec.audio` has none), as for the other audio families.
 */

import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { ModelSpec } from '../spec.js';
import {
  audioConfig,
  readWhisperEncoder,
  VOXTRAL_ENCODER_DEFAULTS,
  VOXTRAL_KEYS,
  WHISPER_CONFIG_KEYS,
  type WhisperEncoderKeys,
  withSubDefaults,
} from './audio-llm.js';
import { type Fields, type Json, MAX } from './fields.js';
import { type Family, withClassDefaults } from './readers.js';
import { type FamilyOf, textFamilies, wrapped } from './wrappers.js';

type Audio = NonNullable<ModelSpec['audio']>;

// ---------------------------------------------------------------------------------------------
// Audio Flamingo 3 (audioflamingo3)
// ---------------------------------------------------------------------------------------------

/**
 * The keys the encoder is read under: each of {@link VOXTRAL_KEYS} (AudioFlamingo3EncoderConfig's own names; WhisperConfig's, {@link WHISPER_CONFIG_KEYS}, are its aliases), or its Whisper alias when only that
 * is given. An alias that disagrees with its key is refused (which one a transformers version keeps
 * differs).
 */
function af3EncoderKeys(a: Fields): WhisperEncoderKeys {
  const pick = (part: keyof WhisperEncoderKeys): string => {
    const key = VOXTRAL_KEYS[part];
    const alias = WHISPER_CONFIG_KEYS[part];
    if (!a.has(alias)) return key;
    if (!a.has(key)) return alias;
    const given = a.positiveInt(alias, { max: MAX.intermediate });
    const value = a.positiveInt(key, { max: MAX.intermediate });
    if (given !== value) {
      a.fail(
        alias,
        `(${given}) must equal ${key} (${value}): AudioFlamingo3EncoderConfig maps one onto the other`,
      );
    }
    return key;
  };
  return { width: pick('width'), layers: pick('layers'), heads: pick('heads'), ffn: pick('ffn') };
}

/**
 * The Audio Flamingo 3 audio side (see the file comment), `params` exact: the encoder and the
 * projector (linear_1 hidden_size → text hidden, linear_2 text hidden → text hidden, biases when
 * `projector_bias`).
 */
export function readAudioFlamingo3Audio(top: Fields, textHidden: number): Audio {
  const given = audioConfig(top, 'audioflamingo3_encoder', {}, 'AudioFlamingo3ForConditionalGeneration');
  const keys = af3EncoderKeys(given);
  // The class defaults under the keys it omits; an alias given alone is read in place of its key.
  const e = readWhisperEncoder(withClassDefaults(given, VOXTRAL_ENCODER_DEFAULTS), keys);
  const bias = top.bool('projector_bias', true);
  const projector = linear(e.width, textHidden, bias) + linear(textHidden, textHidden, bias);
  // avg_pooler: AvgPool1d(2, stride 2) over the frames.
  const tokens = Math.floor(e.positions / 2);
  return {
    description: `Whisper encoder ${e.layers} × ${e.width}, ${e.heads} heads; 2× average pool → ${tokens} tokens per chunk, projector ${e.width} → ${textHidden} → ${textHidden}`,
    params: e.params + projector,
  };
}

/**
 * The `audioflamingo3` family (AudioFlamingo3ForConditionalGeneration): the text model by
 * `text_config`'s own `model_type` (default `qwen2`, Qwen2Config() without a text_config), the
 * audio tower and projector as `spec.audio`.
 */
export function audioFlamingo3Wrapper(familyOf: FamilyOf): Family {
  const text = wrapped(textFamilies(familyOf, 'AudioFlamingo3ForConditionalGeneration'), {
    textType: 'qwen2',
  });
  return (top, name) => {
    const spec = text(top.has('text_config') ? top : top.with({ text_config: {} }), name);
    return { ...spec, audio: readAudioFlamingo3Audio(top, spec.hiddenSize) };
  };
}

// ---------------------------------------------------------------------------------------------
// GLM-ASR (glmasr)
// ---------------------------------------------------------------------------------------------

/** GlmAsrConfig `_default_text_config_kwargs` that shape the model, put under the keys a text_config omits. */
export const GLMASR_TEXT_DEFAULTS: Json = {
  vocab_size: 59_264,
  hidden_size: 2048,
  intermediate_size: 6144,
  num_hidden_layers: 28,
  num_attention_heads: 16,
  num_key_value_heads: 4,
  max_position_embeddings: 8192,
  rms_norm_eps: 1e-5,
};

/** GlmAsrEncoderConfig defaults (num_key_value_heads defaults to the heads). */
export const GLMASR_ENCODER_DEFAULTS: Json = {
  hidden_size: 1280,
  intermediate_size: 5120,
  num_hidden_layers: 32,
  num_attention_heads: 20,
  max_position_embeddings: 1500,
  num_mel_bins: 128,
};

/** GlmAsrEncoder and GlmAsrMultiModalProjector (see the file comment), `params` exact. */
export function readGlmAsrAudio(top: Fields, textHidden: number): Audio {
  const a = audioConfig(top, 'glmasr_encoder', GLMASR_ENCODER_DEFAULTS, 'GlmAsrForConditionalGeneration');
  const d = a.positiveInt('hidden_size', { max: MAX.hidden });
  const layers = a.positiveInt('num_hidden_layers', { max: MAX.layers });
  const heads = a.positiveInt('num_attention_heads', { max: MAX.heads });
  const kvHeads = a.positiveInt('num_key_value_heads', { fallback: heads, max: MAX.heads });
  if (heads % kvHeads !== 0) {
    a.fail('num_key_value_heads', `(${kvHeads}) must divide num_attention_heads (${heads})`);
  }
  // LlamaAttention: head_dim, else hidden_size / num_attention_heads.
  const headDim = a.has('head_dim')
    ? a.positiveInt('head_dim', { max: MAX.headDim })
    : a.divide('hidden_size', 'num_attention_heads', MAX.headDim);
  const ffn = a.positiveInt('intermediate_size', { max: MAX.intermediate });
  const mel = a.positiveInt('num_mel_bins', { max: MAX.hidden });
  // get_audio_features: reshape(-1, intermediate_size) stacks intermediate / hidden consecutive frames.
  if (ffn % d !== 0) {
    a.fail(
      'intermediate_size',
      `(${ffn}) must be a multiple of hidden_size (${d}): the projector reads rows of intermediate_size stacked frames`,
    );
  }
  const q = heads * headDim;
  const kv = kvHeads * headDim;
  // conv1 (mel → d, kernel 3) and conv2 (d → d, kernel 3), with bias.
  const convs = 3 * mel * d + d + 3 * d * d + d;
  // q, v, o with bias, k without; two LayerNorms; fc1 and fc2 with bias.
  const layer =
    linear(d, q) +
    linear(d, kv, false) +
    linear(d, kv) +
    linear(q, d) +
    2 * layerNorm(d) +
    linear(d, ffn) +
    linear(ffn, d);
  const encoder = convs + layers * layer + layerNorm(d);
  const projector = linear(ffn, 2 * textHidden) + linear(2 * textHidden, textHidden);
  return {
    description: `GLM-ASR encoder ${layers} × ${d}, ${heads}/${kvHeads} heads of ${headDim}; ${ffn / d} frames stacked per token, projector ${ffn} → ${2 * textHidden} → ${textHidden}`,
    params: encoder + projector,
  };
}

/**
 * The `glmasr` family (GlmAsrForConditionalGeneration): the text model by `text_config`'s own
 * `model_type` (default `llama`) with GlmAsrConfig's text defaults, lm_head tied by the top-level
 * `tie_word_embeddings` (default true), the audio tower and projector as `spec.audio`.
 */
export function glmAsrWrapper(familyOf: FamilyOf): Family {
  const text = wrapped(textFamilies(familyOf, 'GlmAsrForConditionalGeneration'), { textType: 'llama' });
  return (top, name) => {
    // GlmAsrConfig builds text_config from {**_default_text_config_kwargs, **text_config}.
    const spec = text(withSubDefaults(top, 'text_config', GLMASR_TEXT_DEFAULTS), name);
    return {
      ...spec,
      tieWordEmbeddings: top.bool('tie_word_embeddings', true),
      audio: readGlmAsrAudio(top, spec.hiddenSize),
    };
  };
}
