/**
 * StepFun GOT-OCR 2.0 (`got_ocr2`; stepfun-ai/GOT-OCR-2.0-hf). transformers
 * `models/got_ocr2/configuration_got_ocr2.py` (GotOcr2Config, GotOcr2VisionConfig), `modular_got_ocr2.py`
 * → `modeling_got_ocr2.py` (GotOcr2VisionEncoder — SAM's, `models/sam/modeling_sam.py` SamVisionEncoder —,
 * GotOcr2MultiModalProjector, GotOcr2Model, GotOcr2ForConditionalGeneration):
 * - model.language_model: AutoModel of `text_config` (Qwen2 by default: q/k/v with bias, o without,
 *   SwiGLU MLP, RMSNorms), read by the family of its own `model_type`; lm_head (text hidden → vocab, no
 *   bias), `_tied_weights_keys` lm_head, tied when tie_word_embeddings says so (GotOcr2Config's default
 *   Qwen2 text_config sets it true).
 * - model.vision_tower (GotOcr2VisionEncoder, a SAM ViT): patch_embed.projection, a Conv2d channels →
 *   h of kernel = stride = patch, with bias; pos_embed, (image/patch)² × h when `use_abs_pos`;
 *   `num_hidden_layers` GotOcr2VisionLayers of layer_norm1, attn.qkv (h → 3h, bias = `qkv_bias`),
 *   attn.proj (h → h, bias), attn.rel_pos_h and rel_pos_w (2·s − 1 rows of head_dim each when
 *   `use_rel_pos`, s = `window_size` in windowed layers, image/patch in the `global_attn_indexes`
 *   layers or when window_size is 0), layer_norm2 and the MLP lin1 (h → mlp_dim) and lin2 (mlp_dim →
 *   h), both biased; the neck: conv1 (1×1, h → output_channels, no bias), layer_norm1, conv2 (3×3,
 *   output_channels → output_channels, no bias), layer_norm2 (channels-first LayerNorms, weight and bias).
 * - model.multi_modal_projector (GotOcr2MultiModalProjector): conv_upsampler1 (3×3 stride 2,
 *   output_channels → 2·output_channels, no bias), conv_upsampler2 (3×3 stride 2, → text hidden, no
 *   bias), multimodal_projector (text hidden → text hidden, bias); counted with the tower.
 * The image size is fixed (the patch embedding refuses any other), so FLOPs per image are given:
 * windowed layers attend within zero-padded windows, and each 3×3 stride-2 conv halves the grid
 * (1024 px, patch 16: 64² patches → 32² → 16² = 256 tokens).
 * A sub-config the config omits is GotOcr2Config's default (Qwen2 24 × 1024, SAM ViT 12 × 768); a
 * vision_config given takes GotOcr2VisionConfig's defaults, whatever its model_type, for keys it omits.
 */
import { linearParams as linear } from '../mixer-params.js';
import type { VisionTowerSpec } from '../spec.js';
import { Fields, type Json } from './fields.js';
import { type Family, withClassDefaults } from './readers.js';
import { readSamVit, SAM_VIT_B_DEFAULTS } from './sam-vit.js';
import { type FamilyOf, textFamilies, wrapped } from './wrappers.js';

/** The text_config GotOcr2Config builds when the config gives none (a Qwen2 of 24 × 1024, tied). */
const GOT_OCR2_TEXT_DEFAULTS: Json = {
  model_type: 'qwen2',
  vocab_size: 151_860,
  hidden_size: 1024,
  intermediate_size: 2816,
  num_hidden_layers: 24,
  num_attention_heads: 16,
  num_key_value_heads: 16,
  hidden_act: 'silu',
  max_position_embeddings: 32_768,
  rms_norm_eps: 1e-6,
  tie_word_embeddings: true,
  rope_theta: 1_000_000,
  use_sliding_window: false,
  sliding_window: 4096,
  max_window_layers: 21,
};

/** GotOcr2VisionConfig's defaults: SamVisionConfig's (SAM ViT-B) with the MLP width given. */
const GOT_OCR2_VISION_DEFAULTS: Json = { ...SAM_VIT_B_DEFAULTS, mlp_dim: 3072 };

/** The vision_config as GotOcr2Config builds it: GotOcr2VisionConfig's defaults under the keys it omits. */
function visionConfig(top: Fields): Fields {
  const given = top.child('vision_config') ?? new Fields({}, top.modelType, ['vision_config']);
  return withClassDefaults(given, GOT_OCR2_VISION_DEFAULTS);
}

/** Output side of a 3×3 convolution of stride 2 and padding 1 over a `side`-wide grid. */
const halved = (side: number): number => Math.floor((side - 1) / 2) + 1;

/** The SAM vision tower and the projector (see the file comment), `params` exact. */
export function readGotOcr2Vision(top: Fields, textHidden: number): VisionTowerSpec {
  const sam = readSamVit(visionConfig(top));
  const out = sam.out;
  const projector = 9 * out * 2 * out + 9 * 2 * out * textHidden + linear(textHidden, textHidden);
  // Each 3×3 stride-2 conv of the projector halves the grid.
  const s1 = halved(sam.grid);
  const s2 = halved(s1);
  const tokens = s2 * s2;
  const flopsPerImage =
    sam.encoderFlops +
    sam.neckFlops +
    2 * s1 * s1 * 9 * out * 2 * out +
    2 * tokens * (9 * 2 * out * textHidden + textHidden * textHidden);
  return {
    description: `${sam.description} (${sam.grid * sam.grid} patches → ${tokens} tokens)`,
    params: sam.params + projector,
    patchSize: sam.patch,
    imageSize: sam.image,
    flopsPerImage,
  };
}

/** The `got_ocr2` family (see the file comment); `familyOf` reads the text model by its `model_type`. */
export function gotOcr2Wrapper(familyOf: FamilyOf): Family {
  const inner = wrapped(textFamilies(familyOf, 'GotOcr2Config'), {
    textType: 'qwen2',
    vision: readGotOcr2Vision,
  });
  return (config, name) =>
    inner(config.has('text_config') ? config : config.with({ text_config: GOT_OCR2_TEXT_DEFAULTS }), name);
}
