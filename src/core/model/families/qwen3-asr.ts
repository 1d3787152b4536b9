/**
 * Qwen3-ASR (`qwen3_asr`, Qwen3ASRForConditionalGeneration: Qwen/Qwen3-ASR-1.7B, Qwen/Qwen3-ASR-0.6B).
 * Shapes from the checkpoints' own code, QwenLM/Qwen3-ASR `qwen_asr/core/transformers_backend/
 * modeling_qwen3_asr.py` (Qwen3ASRForConditionalGeneration, Qwen3ASRThinkerForConditionalGeneration,
 * Qwen3ASRThinkerTextModel, Qwen3ASRThinkerTextDecoderLayer, Qwen3ASRTextAttention, Qwen3ASRTextMLP,
 * Qwen3ASRAudioEncoder, Qwen3ASRAudioEncoderLayer) and `configuration_qwen3_asr.py` (Qwen3ASRConfig,
 * Qwen3ASRThinkerConfig, Qwen3ASRTextConfig, Qwen3ASRAudioEncoderConfig); vLLM
 * `vllm/model_executor/models/qwen3_asr.py` builds the same modules (Qwen3ForCausalLM on
 * `thinker_config.text_config`, Qwen3OmniMoeAudioEncoder on `thinker_config.audio_config`).
 *
 * The released config.json nests everything under `thinker_config` (Qwen3ASRConfig builds the one
 * thinker from it; there is no talker):
 * - the text model is a Qwen3 decoder, read by {@link qwen3}: two RMSNorms a layer, q/k/v/o with bias
 *   only when `attention_bias`, per-head q_norm/k_norm, a bias-free SwiGLU MLP, model.norm, lm_head
 *   V × h tied to embed_tokens by `text_config.tie_word_embeddings` (PreTrainedModel ties by
 *   `get_text_config()`, the text_config; the thinker-level flag is not read). Qwen3ASRThinkerConfig
 *   builds Qwen3ASRTextConfig(**text_config) whatever its `model_type` says (the releases write `qwen3`),
 *   so omitted keys take Qwen3ASRTextConfig's defaults ({@link TEXT_DEFAULTS}), not Qwen3Config's. No
 *   layer slides: Qwen3ASRTextAttention passes no window (a `use_sliding_window` true is named in a
 *   warning). M-RoPE (`rope_scaling.mrope_section`) has no parameters;
 * - the audio encoder (`audio_config`) builds Qwen3-Omni's AuT modules (conv2d1–3, conv_out, encoder
 *   layers, ln_post, proj1, proj2: compare Qwen3OmniMoeAudioEncoder), counted as `spec.audio` by
 *   {@link readQwen3OmniAudio}; Qwen3ASRAudioEncoderConfig's defaults are Qwen3OmniMoeAudioEncoderConfig's
 *   (128 mel bins, 32 × 1280, 20 heads, FFN 5120, output 3584, 480 conv channels: {@link AUDIO_DEFAULTS}).
 *
 * Refused: a config without `thinker_config` (the released layout; transformers' own port writes
 * `audio_config`/`text_config` at the top level and is still changing, so it is not read), and the
 * forced aligner (Qwen/Qwen3-ForcedAligner-0.6B: `thinker_config.model_type` `qwen3_forced_aligner`),
 * whose lm_head is `classify_num` × h, a head ModelSpec (vocabulary × width) cannot hold.
 */

import type { ModelSpec } from '../spec.js';
import type { Fields, Json } from './fields.js';
import { qwen3 } from './qwen3.js';
import { AUDIO_DEFAULTS, readQwen3OmniAudio } from './qwen3-omni.js';
import type { Family } from './readers.js';
import { SUB_CONFIG_DEFAULTS } from './sub-config-defaults.js';
import { builtSubConfig } from './wrappers.js';

/** Qwen3ASRTextConfig `__init__` defaults: Qwen3Config's (the keys llmecon reads) but 128,000 positions. */
const TEXT_DEFAULTS: Json = { ...SUB_CONFIG_DEFAULTS.qwen3, max_position_embeddings: 128_000 };

/** `thinker_config`, required: Qwen3ASRConfig builds the thinker (text model and audio encoder) from it. */
function readThinker(top: Fields): Fields {
  const thinker =
    top.child('thinker_config') ??
    top.fail(
      'thinker_config',
      'is required: the released Qwen3-ASR layout holds the text model and audio encoder there (a top-level audio_config/text_config, transformers’ own port, is not read)',
    );
  const type = thinker.string('model_type', 'qwen3_asr');
  if (type.includes('forced_aligner')) {
    thinker.fail(
      'model_type',
      `('${type}') is Qwen3-ForcedAligner: its lm_head is classify_num × hidden_size (a timestamp classifier), not the vocabulary × hidden_size head ModelSpec counts`,
    );
  }
  return thinker;
}

/** `thinker_config.text_config` as Qwen3ASRTextConfig(**text_config) builds it (all defaults when absent). */
function readText(thinker: Fields): Fields {
  const parent = thinker.has('text_config') ? thinker : thinker.with({ text_config: {} });
  return parent.child('text_config', TEXT_DEFAULTS) ?? thinker.fail('text_config', 'must be an object');
}

/** A `use_sliding_window` true, which Qwen3ASRTextAttention does not read, as a warning. */
function ignoredSliding(text: Fields): string[] {
  return text.bool('use_sliding_window', false)
    ? [
        'qwen3_asr: thinker_config.text_config.use_sliding_window true is ignored: Qwen3ASRTextAttention passes no sliding window, every layer attends to the whole context',
      ]
    : [];
}

/** Qwen3ASRForConditionalGeneration: the thinker's Qwen3 text model, its AuT audio encoder as `spec.audio`. */
export const qwen3Asr: Family = (top, name) => {
  const thinker = readThinker(top);
  const text = readText(thinker);
  const spec = qwen3(text.with({ use_sliding_window: false }), name);
  const audio = builtSubConfig(thinker, 'audio_config', 'qwen3_asr_audio_encoder', AUDIO_DEFAULTS);
  const warnings = [...(spec.warnings ?? []), ...ignoredSliding(text)];
  const out: ModelSpec = {
    ...spec,
    modelType: top.modelType,
    audio: readQwen3OmniAudio(audio, spec.hiddenSize),
  };
  return warnings.length > 0 ? { ...out, warnings } : out;
};
