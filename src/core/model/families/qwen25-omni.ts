/**
 * Qwen2.5-Omni (`qwen2_5_omni`, Qwen2_5OmniForConditionalGeneration: Qwen/Qwen2.5-Omni-3B, -7B), from
 * transformers `models/qwen2_5_omni/configuration_qwen2_5_omni.py` and `modeling_qwen2_5_omni.py`.
 * The thinker (`thinker_config`, `qwen2_5_omni_thinker`) reads every input and writes the text:
 * - its text model (`text_config`) is Qwen2's decoder (q/k/v with bias, untied lm_head), read by
 *   {@link qwen2} with Qwen2_5OmniTextConfig's defaults under the keys it omits;
 * - its vision encoder (`vision_config`) is Qwen2.5-VL's ViT and merger ({@link readQwen2Vision});
 * - its audio encoder (`audio_config`, Qwen2_5OmniAudioEncoder) is Whisper's encoder layers
 *   ({@link readWhisperEncoder}) with the positions a sinusoid buffer (not a parameter), then
 *   audio_bos_eos_token (Embedding(2, output_dim)), ln_post, a 2× average pool and proj (d_model →
 *   output_dim, with bias).
 * The talker and token2wav (`talker_config`, `token2wav_config`) are built with enable_audio_output and
 * run only when speech is output: they are not counted, and a warning says so.
 */
import type { ModelSpec } from '../spec.js';
import { QWEN2_AUDIO_ENCODER_DEFAULTS, QWEN2_AUDIO_KEYS, readWhisperEncoder } from './audio-llm.js';
import type { Fields, Json } from './fields.js';
import { qwen2 } from './llama.js';
import type { Family } from './readers.js';
import { readQwen2Vision } from './vision.js';
import { builtSubConfig } from './wrappers.js';

/** Qwen2_5OmniTextConfig `__init__` defaults. */
const TEXT_DEFAULTS: Json = {
  vocab_size: 152_064,
  hidden_size: 3584,
  intermediate_size: 18_944,
  num_hidden_layers: 28,
  num_attention_heads: 28,
  num_key_value_heads: 4,
  max_position_embeddings: 32_768,
  tie_word_embeddings: false,
};

/** Qwen2_5OmniVisionEncoderConfig `__init__` defaults. */
const VISION_DEFAULTS: Json = {
  depth: 32,
  hidden_size: 3584,
  intermediate_size: 3420,
  num_heads: 16,
  in_channels: 3,
  patch_size: 14,
  spatial_merge_size: 2,
  temporal_patch_size: 2,
  out_hidden_size: 3584,
};

/** Qwen2_5OmniAudioEncoderConfig `__init__` defaults: Qwen2-Audio's encoder's, and an output width. */
const AUDIO_DEFAULTS: Json = { ...QWEN2_AUDIO_ENCODER_DEFAULTS, output_dim: 3584 };

/** Qwen2_5OmniAudioEncoder's parameters (see the file comment). */
export function readQwen25OmniAudio(a: Fields): { description: string; params: number } {
  const e = readWhisperEncoder(a, QWEN2_AUDIO_KEYS);
  const out = a.positiveInt('output_dim', { max: 1_000_000 });
  const params = e.params - e.positionParams + 2 * out + (e.width * out + out);
  return {
    description: `Whisper-style encoder ${e.layers} × ${e.width}; 2× average pool → ${Math.floor(e.positions / 2)} tokens per chunk, proj ${e.width} → ${out}`,
    params,
  };
}

/** The thinker: the Qwen2 text model, its vision and audio encoders counted apart. */
export const qwen25OmniThinker: Family = (thinker, name) => {
  const text = builtSubConfig(thinker, 'text_config', 'qwen2_5_omni_text', TEXT_DEFAULTS);
  const spec = qwen2(text, name);
  const vision = builtSubConfig(thinker, 'vision_config', 'qwen2_5_omni_vision_encoder', VISION_DEFAULTS);
  const audio = builtSubConfig(thinker, 'audio_config', 'qwen2_5_omni_audio_encoder', AUDIO_DEFAULTS);
  return {
    ...spec,
    modelType: thinker.modelType,
    vision: readQwen2Vision(vision, spec.hiddenSize, '2.5'),
    audio: readQwen25OmniAudio(audio),
  };
};

/** Qwen2_5OmniForConditionalGeneration: the thinker; the speech-output modules are named in a warning. */
export const qwen25Omni: Family = (top, name) => {
  const thinker =
    top.child('thinker_config') ??
    top.fail('thinker_config', 'is required: it holds the text model, vision encoder and audio encoder');
  const spec: ModelSpec = { ...qwen25OmniThinker(thinker, name), modelType: top.modelType };
  const speech = ['talker_config', 'token2wav_config'].filter((k) => top.has(k));
  if (speech.length === 0) return spec;
  return {
    ...spec,
    warnings: [
      ...(spec.warnings ?? []),
      `qwen2_5_omni: ${speech.join(' and ')} (the talker and token2wav, built with enable_audio_output and run only when speech is output) are not counted in the parameters, FLOPs, KV cache or memory`,
    ],
  };
};
