/**
 * GLM-OCR (`glm_ocr`, zai-org/GLM-OCR) and its language model (`glm_ocr_text`): transformers
 * `models/glm_ocr/configuration_glm_ocr.py`, `modular_glm_ocr.py` and `modeling_glm_ocr.py`; the
 * MTP layer from vLLM `model_executor/models/glm_ocr_mtp.py`.
 *
 * GlmOcrTextModel: embed_tokens, `num_hidden_layers` GlmOcrTextDecoderLayers and a final RMSNorm;
 * GlmOcrForConditionalGeneration adds an untied lm_head. Each layer: GlmOcrTextAttention (q/k/v_proj
 * without bias whatever `attention_bias` says, o_proj without bias, `head_dim` else hidden / heads),
 * GlmOcrTextMLP (a fused gate_up_proj h → 2I and down_proj, no bias) and four RMSNorms
 * (input_layernorm, post_self_attn_layernorm, post_attention_layernorm, post_mlp_layernorm): GLM-4's
 * dense layer without the q/k/v bias.
 *
 * The checkpoint's `num_nextn_predict_layers` MTP layer (`model.language_model.layers.16`, which
 * transformers drops on load and vLLM's GlmOcrMTP builds as a draft model): enorm, hnorm, eh_proj
 * (2h → h, no bias), one GLM-OCR decoder layer (mtp_block) and shared_head.norm, its embedding and
 * head shared; counted apart in the MTP parameters, DeepSeek-V3's convention.
 *
 * The vision tower (GlmOcrVisionModel): readGlmOcrVision.
 */
import type { VisionTowerSpec } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { fused } from './fused-projections.js';
import { decoder, type Family, readGatedMlp, withClassDefaults } from './readers.js';
import { builtSubConfig, wrapped } from './wrappers.js';

/**
 * GlmOcrTextConfig's defaults for the keys read here; tie_word_embeddings is GlmOcrConfig's (the
 * released text_config repeats it).
 */
const TEXT_DEFAULTS = {
  vocab_size: 59_392,
  hidden_size: 1024,
  intermediate_size: 4096,
  num_hidden_layers: 16,
  num_attention_heads: 16,
  num_key_value_heads: 8,
  hidden_act: 'silu',
  max_position_embeddings: 131_072,
  tie_word_embeddings: false,
};

/** GlmOcrVisionConfig's defaults (in_channels and the patch sizes inherited from Glm4vVisionConfig). */
export const GLM_OCR_VISION_DEFAULTS = {
  depth: 24,
  hidden_size: 1024,
  num_heads: 16,
  attention_bias: true,
  in_channels: 3,
  patch_size: 14,
  spatial_merge_size: 2,
  temporal_patch_size: 2,
  out_hidden_size: 1536,
  intermediate_size: 4096,
};

export const glmOcrText: Family = (raw, name) => {
  const f = withClassDefaults(raw, TEXT_DEFAULTS);
  return {
    ...fused(
      decoder(f, name, {
        attention: { qkvBias: false, outputBias: false },
        mlp: readGatedMlp(f, 'intermediate_size', false),
        mtpKey: 'num_nextn_predict_layers',
      }),
      { gateUp: true },
    ),
    norm: { kind: 'rmsnorm', perLayer: 4 },
  };
};

/**
 * The GLM-OCR vision tower (GlmOcrVisionModel, GLM-4V's without its position table and
 * post-conv norm), counted apart: a Conv3d patch embedding with bias (channels × temporal × patch²),
 * 2D RoPE (no weights), `depth` blocks of RMSNorm → attention (qkv and proj with bias per
 * `attention_bias`, per-head q_norm and k_norm RMSNorms) → RMSNorm → a SwiGLU of `intermediate_size`
 * (gate, up, down with bias per `attention_bias`), post_layernorm (RMSNorm), a Conv2d downsample
 * (hidden → out, kernel and stride `spatial_merge_size`, with bias), and the patch merger (proj
 * out → out, a LayerNorm with bias, a bias-free SwiGLU of `mergerWidth`: GLM-OCR's out × in_channels,
 * GLM-5.3's `projection_intermediate_size`). Images keep their own size: no fixed FLOPs.
 */
export function readGlmOcrStyleVision(
  f: Fields,
  label: string,
  mergerWidth: (out: number, channels: number) => number,
): VisionTowerSpec {
  const h = f.positiveInt('hidden_size', { max: MAX.hidden });
  const depth = f.positiveInt('depth', { max: MAX.layers });
  const headDim = f.divide('hidden_size', 'num_heads', MAX.hidden);
  const inter = f.positiveInt('intermediate_size', { max: MAX.intermediate });
  const out = f.positiveInt('out_hidden_size', { max: MAX.hidden });
  const patch = f.positiveInt('patch_size', { max: 4096 });
  const temporal = f.positiveInt('temporal_patch_size', { max: 64 });
  const channels = f.positiveInt('in_channels', { max: 64 });
  const merge = f.positiveInt('spatial_merge_size', { max: 64 });
  const bias = f.bool('attention_bias', true);
  const attention = 4 * h * h + (bias ? 4 * h : 0) + 2 * headDim;
  const mlp = 3 * h * inter + (bias ? 2 * inter + h : 0);
  const block = 2 * h + attention + mlp;
  const stem = channels * temporal * patch * patch * h + h;
  const downsample = out * h * merge * merge + out;
  const merger = out * out + 2 * out + 3 * out * mergerWidth(out, channels);
  return {
    description: `${label} ${depth} × ${h}, patch ${patch}, merge ${merge}×${merge}`,
    params: stem + depth * block + h + downsample + merger,
    patchSize: patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/** GLM-OCR's tower: GlmOcrVisionPatchMerger(dim = out_hidden_size, context_dim = out_hidden_size × in_channels). */
const readGlmOcrVision = (f: Fields): VisionTowerSpec =>
  readGlmOcrStyleVision(f, 'GLM-OCR ViT', (out, channels) => out * channels);

/**
 * GlmOcrForConditionalGeneration: GlmOcrTextModel over `text_config` (or, in a flat config, the
 * top-level fields), whatever its model_type says, and the vision tower over `vision_config` (its
 * class defaults when absent).
 */
export const glmOcr: Family = wrapped(() => glmOcrText, {
  textType: 'glm_ocr_text',
  vision: (top) =>
    readGlmOcrVision(builtSubConfig(top, 'vision_config', 'glm_ocr_vision', GLM_OCR_VISION_DEFAULTS)),
});
