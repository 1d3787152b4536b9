/**
 * LightOn LightOnOCR (`lighton_ocr`; lightonai/LightOnOCR-1B-1025, LightOnOCR-2-1B). transformers
 * `models/lighton_ocr/configuration_lighton_ocr.py` (LightOnOcrConfig), `modular_lighton_ocr.py` and
 * `modeling_lighton_ocr.py` (LightOnOcrModel, LightOnOcrMultiModalProjector, LightOnOcrPatchMerger,
 * LightOnOcrForConditionalGeneration); SGLang `srt/models/lightonocr.py` loads the same tensors:
 * - language_model: AutoModel of `text_config` (Qwen3 by default: q/k/v/o without bias, per-head q/k
 *   RMSNorms, SwiGLU MLP), read by the family of its own `model_type`; lm_head (text hidden → vocab,
 *   no bias), tied to embed_tokens when the top-level `tie_word_embeddings` (class default true) says
 *   so: transformers ties by the wrapper's config, never by text_config's.
 * - vision_encoder: AutoModel of `vision_config`, PixtralVisionModel (bias-free patch Conv2d, ln_pre,
 *   `num_hidden_layers` blocks of attention_norm, q/k/v/o without bias, ffn_norm, SwiGLU
 *   gate/up/down), read by `readPixtralVision`.
 * - vision_projection: norm (RMSNorm of the vision width), patch_merger.merging_layer (h·m² → h, no
 *   bias), linear_1 (h → text hidden) and linear_2 (text hidden → text hidden), both always without
 *   bias: Mistral 3's projector with `multimodal_projector_bias` ignored, counted with the tower.
 * A sub-config the config omits is LightOnOcrConfig's default (Qwen3 28 × 1024, Pixtral 24 × 1024 at
 * 1540 px, patch 14); one it gives takes its own class defaults for the keys it omits.
 */
import type { Json } from './fields.js';
import { readPixtralVision } from './pixtral-vision.js';
import type { Family } from './readers.js';
import { type FamilyOf, subConfig, textFamilies, wrapped } from './wrappers.js';

/** The text_config LightOnOcrConfig builds when the config gives none (a Qwen3 of 28 × 1024). */
const LIGHTON_OCR_TEXT_DEFAULTS: Json = {
  model_type: 'qwen3',
  head_dim: 128,
  hidden_act: 'silu',
  hidden_size: 1024,
  intermediate_size: 3072,
  max_position_embeddings: 40_960,
  num_attention_heads: 16,
  num_hidden_layers: 28,
  num_key_value_heads: 8,
  rms_norm_eps: 1e-6,
  rope_theta: 1_000_000,
  sliding_window: null,
  vocab_size: 151_936,
};

/** The vision_config LightOnOcrConfig builds when the config gives none (Pixtral 24 × 1024, 1540 px). */
const LIGHTON_OCR_VISION_DEFAULTS: Json = {
  model_type: 'pixtral',
  head_dim: 64,
  hidden_act: 'silu',
  hidden_size: 1024,
  image_size: 1540,
  intermediate_size: 4096,
  num_attention_heads: 16,
  num_channels: 3,
  num_hidden_layers: 24,
  patch_size: 14,
  rope_theta: 10_000,
};

/** The `lighton_ocr` family (see the file comment); `familyOf` reads the text model by its `model_type`. */
export function lightonOcrWrapper(familyOf: FamilyOf): Family {
  const inner = wrapped(textFamilies(familyOf, 'LightOnOcrConfig'), {
    textType: 'qwen3',
    vision: (top, textHidden) => {
      const v = subConfig(top, 'vision_config', 'pixtral');
      if (!v) return null;
      const type = v.string('model_type', 'pixtral');
      if (type !== 'pixtral')
        v.fail('model_type', `is '${type}'; LightOnOCR's projector is read over a 'pixtral' vision encoder`);
      // linear_1 and linear_2 are built without bias whatever multimodal_projector_bias says.
      return readPixtralVision(top.with({ multimodal_projector_bias: false }), v, textHidden);
    },
  });
  return (config, name) => {
    const top = config.with({
      ...(config.has('text_config') ? {} : { text_config: LIGHTON_OCR_TEXT_DEFAULTS }),
      ...(config.has('vision_config') ? {} : { vision_config: LIGHTON_OCR_VISION_DEFAULTS }),
    });
    const spec = inner(top, name);
    return { ...spec, tieWordEmbeddings: top.bool('tie_word_embeddings', true) };
  };
}
