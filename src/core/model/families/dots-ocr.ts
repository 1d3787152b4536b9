/**
 * rednote-hilab dots.ocr (`dots_ocr`, DotsOCRForCausalLM: rednote-hilab/dots.ocr). The model's remote
 * code (configuration_dots.py DotsOCRConfig, DotsVisionConfig; modeling_dots_ocr.py
 * DotsOCRForCausalLM; modeling_dots_vision.py DotsVisionTransformer, DotsViTPreprocessor,
 * DotsPatchEmbed, DotsVisionBlock, VisionFlashAttention2 / VisionSdpaAttention, DotsSwiGLUFFN,
 * PatchMerger), checked against vLLM `model_executor/models/dots_ocr.py` and
 * `transformers_utils/configs/dotsocr.py`, and transformers `models/qwen2/modeling_qwen2.py`.
 *
 * - The text model: DotsOCRConfig is a Qwen2Config (its keys at the top level, no `text_config`) and
 *   DotsOCRForCausalLM a Qwen2ForCausalLM, so `model` and `lm_head` are Qwen2's (the `qwen2` family,
 *   Qwen2Config's defaults for the keys a config omits): q/k/v_proj biased, o_proj not, a SwiGLU MLP,
 *   two RMSNorms per layer, lm_head tied per `tie_word_embeddings`.
 * - vision_tower, counted apart (a NaViT with 2-D RoPE, no position table; `vision_config` takes
 *   DotsVisionConfig's defaults): patch_embed.patchifier.proj (Conv2d c → e, kernel = stride =
 *   patch, biased; only the first of `temporal_patch_size` frames is used) and its RMSNorm(e);
 *   `num_hidden_layers` blocks of norm1, attn.qkv (e → 3e), attn.proj (e → e), norm2 and mlp
 *   fc1/fc3 (e → intermediate), fc2 (intermediate → e), every Linear biased per `use_bias`, the norms
 *   RMSNorms; post_trunk_norm (RMSNorm(e)) when `post_norm`; merger (PatchMerger, pre_norm
 *   "layernorm"): ln_q LayerNorm(e), mlp.0 e·m² → e·m² and mlp.2 → `hidden_size` (biased).
 *   Its output replaces image-token embeddings (masked_scatter), so `hidden_size` must be the text
 *   width. The rotary table (inv_freq) is a non-persistent buffer, not a parameter.
 * Images keep their native size (Qwen2-VL smart_resize), so FLOPs per image are not fixed by the config.
 */
import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { VisionTowerSpec } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import { qwen2 } from './llama.js';
import { type Family, withClassDefaults } from './readers.js';
import { SUB_CONFIG_DEFAULTS } from './sub-config-defaults.js';
import { builtSubConfig } from './wrappers.js';

/** Qwen2Config's defaults, which DotsOCRConfig keeps for the text keys a config omits. */
const DOTS_TEXT_DEFAULTS: Json = { ...SUB_CONFIG_DEFAULTS.qwen2 };

/** DotsVisionConfig's defaults, which are the release's tower (42 × 1536, patch 14, 2×2 merge). */
const DOTS_VISION_DEFAULTS: Json = {
  embed_dim: 1536,
  hidden_size: 1536,
  intermediate_size: 4224,
  num_hidden_layers: 42,
  num_attention_heads: 12,
  num_channels: 3,
  patch_size: 14,
  spatial_merge_size: 2,
  temporal_patch_size: 1,
  use_bias: false,
  post_norm: true,
};

/**
 * The dots.ocr vision tower and patch merger (see the file comment), `params` exact as the remote
 * code and vLLM build them. `top` is the DotsOCRConfig; `textHidden` the text model's width.
 */
export function readDotsVision(top: Fields, textHidden: number): VisionTowerSpec {
  const v = builtSubConfig(top, 'vision_config', 'dots_vit', DOTS_VISION_DEFAULTS);
  const e = v.positiveInt('embed_dim', { max: MAX.hidden });
  const out = v.positiveInt('hidden_size', { max: MAX.hidden });
  if (out !== textHidden) {
    v.fail(
      'hidden_size',
      `(${out}) must be the text hidden_size (${textHidden}): image features replace token embeddings`,
    );
  }
  const inter = v.positiveInt('intermediate_size', { max: MAX.intermediate });
  const depth = v.positiveInt('num_hidden_layers', { max: MAX.layers });
  const heads = v.positiveInt('num_attention_heads', { max: MAX.heads });
  if (e % heads !== 0) v.fail('num_attention_heads', `(${heads}) must divide embed_dim (${e})`);
  const channels = v.positiveInt('num_channels', { max: 64 });
  const patch = v.positiveInt('patch_size', { max: 4096 });
  const m = v.positiveInt('spatial_merge_size', { max: 64 });
  const bias = v.bool('use_bias', false);
  const postNorm = v.bool('post_norm', true);
  // RMSNorm weights only; Linear weights plus biases per use_bias.
  const block =
    2 * e + linear(e, 3 * e, bias) + linear(e, e, bias) + 2 * linear(e, inter, bias) + linear(inter, e, bias);
  const merged = e * m * m;
  const merger = layerNorm(e) + linear(merged, merged) + linear(merged, out);
  const tower = linear(channels * patch * patch, e) + e + depth * block + (postNorm ? e : 0);
  return {
    description: `dots NaViT ${depth} × ${e}, patch ${patch}, merge ${m}×${m}`,
    params: tower + merger,
    patchSize: patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/**
 * The `dots_ocr` family: the Qwen2 text model of the top-level keys (Qwen2Config's defaults) and the
 * vision tower and merger counted apart ({@link readDotsVision}).
 */
export const dotsOcr: Family = (top, name) => {
  const spec = qwen2(withClassDefaults(top, DOTS_TEXT_DEFAULTS), name);
  return { ...spec, vision: readDotsVision(top, spec.hiddenSize) };
};
