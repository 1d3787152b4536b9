/**
 * LFM2-VL (`lfm2_vl`, Lfm2VlForConditionalGeneration: LiquidAI/LFM2-VL-450M, -1.6B, -3B and
 * LFM2.5-VL-1.6B). Shapes from transformers `models/lfm2_vl/modeling_lfm2_vl.py` (Lfm2VlModel,
 * Lfm2VlMultiModalProjector, Lfm2VlForConditionalGeneration), `configuration_lfm2_vl.py`
 * (Lfm2VlConfig), `image_processing_lfm2_vl_fast.py` (Lfm2VlImageProcessorFast) and
 * `models/siglip2/modeling_siglip2.py` (Siglip2VisionModel, Siglip2VisionTransformer,
 * Siglip2VisionEmbeddings, Siglip2EncoderLayer, Siglip2MultiheadAttentionPoolingHead), checked
 * against vLLM `model_executor/models/lfm2_vl.py` and the release's remote code
 * (`modeling_lfm2_vl.py` of LiquidAI/LFM2-VL-450M, `model_type` "lfm2-vl").
 *
 * model.language_model is the LFM2 of `text_config` (read by the `lfm2` family; lm_head tied to
 * its embedding, Lfm2VlConfig `tie_word_embeddings` default true). Counted apart:
 * - model.vision_tower (Siglip2VisionModel, NaFlex): embeddings.patch_embedding, a biased Linear of
 *   channels·patch² → h over pre-cut patches; embeddings.position_embedding, `num_patches` rows of h
 *   (a √num_patches square grid, resized per image); `num_hidden_layers` pre-norm blocks
 *   (layer_norm1, q/k/v/out_proj biased, layer_norm2, mlp fc1/fc2 biased); post_layernorm; the
 *   attention-pooling head only when `vision_use_head` is not false (the releases set false).
 * - model.multi_modal_projector: pixel unshuffle by `downsample_factor` f (no parameters: f×f patches
 *   → one vector of h·f²), layer_norm over h·f² (`projector_use_layernorm`), linear_1 h·f² →
 *   `projector_hidden_size`, GELU, linear_2 → text hidden (both biased per `projector_bias`).
 * Images keep their aspect ratio up to a token budget (smart_resize: at most `max_image_tokens`
 * tokens of f² patches; larger images go in 512-px tiles of the same budget, plus a thumbnail), so
 * FLOPs per image are given at the default budget: one image or tile of `max_image_tokens` tokens.
 */

import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { ModelSpec, VisionTowerSpec } from '../spec.js';
import { Fields, type Json, MAX, shown } from './fields.js';
import { type Family, withClassDefaults } from './readers.js';
import { vitForwardFlops } from './vision.js';
import { type FamilyOf, subConfig, wrapped } from './wrappers.js';

/** Siglip2VisionConfig's `__init__` defaults (`configuration_siglip2.py`): siglip2-base-patch16-naflex. */
export const SIGLIP2_VISION_DEFAULTS: Json = {
  hidden_size: 768,
  intermediate_size: 3072,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  num_channels: 3,
  num_patches: 256,
  patch_size: 16,
};

/**
 * Lfm2Config's `__init__` defaults (`models/lfm2/configuration_lfm2.py`) that the `lfm2` family does
 * not fill itself: transformers writes a nested `text_config` without the keys equal to them
 * (`to_diff_dict`), so LFM2-VL-1.6B's LFM2-1.2B text model may omit its 65,536 vocabulary, 32 heads
 * and 8 KV heads. `intermediate_size` only when `block_ff_dim` is absent too (Lfm2Config takes
 * `block_ff_dim` first).
 */
export const LFM2_TEXT_DEFAULTS: Json = {
  vocab_size: 65_536,
  hidden_size: 2560,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 8,
};

/** Lfm2VlImageProcessorFast's default token budget per image or tile (`max_image_tokens`). */
const DEFAULT_MAX_IMAGE_TOKENS = 256;

/** The text config with Lfm2Config's defaults for the keys transformers leaves out. */
function withLfm2Defaults(f: Fields): Fields {
  const sized = f.has('intermediate_size') || f.has('block_ff_dim');
  return withClassDefaults(
    f,
    sized ? LFM2_TEXT_DEFAULTS : { ...LFM2_TEXT_DEFAULTS, intermediate_size: 12_288 },
  );
}

/** `vision_feature_layer`, an integer (negative from the end); -1 when absent. */
function readFeatureLayer(top: Fields): number {
  const value = top.raw('vision_feature_layer');
  if (value === undefined || value === null) return -1;
  if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > MAX.layers) {
    top.fail('vision_feature_layer', `must be an integer layer index, got ${shown(value)}`);
  }
  return value;
}

/**
 * The vision layers built. transformers' Lfm2VlModel builds all `num_hidden_layers` and does not read
 * `vision_feature_layer`; the release's remote code (`model_type` "lfm2-vl") keeps
 * `encoder.layers[: vision_feature_layer + 1]` when it is not -1 (a Python slice).
 */
export function lfm2VlVisionDepth(top: Fields, v: Fields): { layers: number; unread: number | null } {
  const declared = v.positiveInt('num_hidden_layers', { max: MAX.layers });
  const feature = readFeatureLayer(top);
  if (feature === -1) return { layers: declared, unread: null };
  if (top.modelType !== 'lfm2-vl') return { layers: declared, unread: feature };
  const end = feature + 1;
  const layers = end >= 0 ? Math.min(end, declared) : Math.max(declared + end, 0);
  if (layers === 0) {
    top.fail(
      'vision_feature_layer',
      `(${feature}) keeps none of the ${declared} vision layers (encoder.layers[:${end}])`,
    );
  }
  return { layers, unread: null };
}

/**
 * The SigLIP2 NaFlex tower's shape, checked as Siglip2VisionModel builds it. transformers builds the
 * tower `vision_config.model_type` names (AutoModel); the remote code always a Siglip2VisionModel.
 */
function readTower(top: Fields, v: Fields) {
  const type = v.string('model_type', 'siglip2_vision_model');
  if (type !== 'siglip2_vision_model' && top.modelType !== 'lfm2-vl') {
    v.fail(
      'model_type',
      `is '${type}'; Lfm2VlForConditionalGeneration is read with a SigLIP2 NaFlex tower ('siglip2_vision_model')`,
    );
  }
  const h = v.positiveInt('hidden_size', { max: MAX.hidden });
  const inter = v.positiveInt('intermediate_size', { max: MAX.intermediate });
  const heads = v.positiveInt('num_attention_heads', { max: MAX.heads });
  if (h % heads !== 0) v.fail('num_attention_heads', `(${heads}) must divide hidden_size (${h})`);
  const patch = v.positiveInt('patch_size', { max: 4096 });
  const channels = v.positiveInt('num_channels', { max: 64 });
  // Siglip2VisionEmbeddings reshapes the table to a √num_patches square.
  const positions = v.positiveInt('num_patches', { max: MAX.positions });
  const side = Math.round(Math.sqrt(positions));
  if (side * side !== positions) {
    v.fail('num_patches', `(${positions}) must be a square: the position table is a √num_patches grid`);
  }
  // The processor cuts patches of encoder_patch_size; patch_embedding takes channels·patch_size².
  if (top.has('encoder_patch_size')) {
    const cut = top.positiveInt('encoder_patch_size', { max: 4096 });
    if (cut !== patch)
      top.fail('encoder_patch_size', `(${cut}) must equal vision_config.patch_size (${patch})`);
  }
  const { layers } = lfm2VlVisionDepth(top, v);
  return { h, inter, patch, channels, positions, layers, head: v.bool('vision_use_head', true) };
}

/**
 * The LFM2-VL vision side: SigLIP2 NaFlex tower and the pixel-unshuffle projector (see the file
 * comment), `VisionTowerSpec.params` exact. `top` is the Lfm2VlConfig, `vision` its
 * `vision_config` (Siglip2VisionConfig defaults filled here). FLOPs per image at the default token
 * budget: `max_image_tokens` (Lfm2VlImageProcessorFast default 256) tokens of f² patches.
 */
export function readLfm2VlVision(top: Fields, vision: Fields, textHidden: number): VisionTowerSpec {
  const t = readTower(top, withClassDefaults(vision, SIGLIP2_VISION_DEFAULTS));
  const { h, inter, patch, channels, layers } = t;
  const f = top.positiveInt('downsample_factor', { fallback: 2, max: 64 });
  const mid = top.positiveInt('projector_hidden_size', { fallback: 2560, max: MAX.hidden });
  const bias = top.bool('projector_bias', true);
  const norm = top.bool('projector_use_layernorm', true);
  const tokens = top.positiveInt('max_image_tokens', { fallback: DEFAULT_MAX_IMAGE_TOKENS, max: 1_000_000 });
  const patchIn = channels * patch * patch;
  // Siglip2EncoderLayer: q, k, v, out_proj (h → h) and fc1, fc2, all biased; two LayerNorms.
  const layerMatmuls = 4 * h * h + 2 * h * inter;
  const block = layerMatmuls + 4 * h + inter + h + 2 * layerNorm(h);
  const mlp = linear(h, inter) + linear(inter, h);
  // Siglip2MultiheadAttentionPoolingHead: probe, in_proj (h → 3h) and out_proj, layernorm, mlp.
  const head = t.head ? h + linear(h, 3 * h) + linear(h, h) + layerNorm(h) + mlp : 0;
  const tower = linear(patchIn, h) + t.positions * h + layers * block + layerNorm(h) + head;
  const unshuffled = h * f * f;
  const projector =
    (norm ? layerNorm(unshuffled) : 0) + linear(unshuffled, mid, bias) + linear(mid, textHidden, bias);
  const patches = tokens * f * f;
  // The pooling head (when built) attends one probe over every patch: k, v of each patch, q, out, mlp.
  const headFlops = t.head ? 2 * patches * 2 * h * h + 4 * h * patches + 2 * (2 * h * h + 2 * h * inter) : 0;
  const flopsPerImage =
    2 * patches * patchIn * h +
    vitForwardFlops(patches, layers, layerMatmuls, h) +
    headFlops +
    2 * tokens * (unshuffled * mid + mid * textHidden);
  return {
    description: `SigLIP2 NaFlex ${layers} × ${h}, patch ${patch}, ${f}×${f} pixel unshuffle (${patches} patches → ${tokens} tokens per image at the default budget)`,
    params: tower + projector,
    patchSize: patch,
    imageSize: null,
    flopsPerImage,
  };
}

/** The `vision_config` of an Lfm2VlConfig; Siglip2VisionConfig's defaults when it is absent (as Lfm2VlConfig builds it). */
function visionConfig(top: Fields): Fields {
  return (
    subConfig(top, 'vision_config', 'siglip2_vision_model') ??
    new Fields({}, top.modelType, ['vision_config'])
  );
}

/** What the config says that the model does not build as stated, as warnings. */
function notes(top: Fields): string[] {
  const { layers, unread } = lfm2VlVisionDepth(
    top,
    withClassDefaults(visionConfig(top), SIGLIP2_VISION_DEFAULTS),
  );
  if (unread === null) return [];
  return [
    `lfm2_vl: vision_feature_layer (${unread}) is not read by transformers' Lfm2VlModel, which builds and runs all ${layers} vision layers (counted); the release's remote code (model_type 'lfm2-vl') would keep encoder.layers[:${unread + 1}]`,
  ];
}

/**
 * The `lfm2_vl` family (and the remote-code `lfm2-vl`): the LFM2 text model of `text_config` (by its
 * `model_type`, else `lfm2`, with Lfm2Config's defaults for the keys it omits), the SigLIP2 NaFlex
 * tower and projector counted apart ({@link readLfm2VlVision}).
 */
export function lfm2VlWrapper(familyOf: FamilyOf): Family {
  const textFamilyOf: FamilyOf = (type) => {
    const family = familyOf(type);
    if (!family || type !== 'lfm2') return family;
    return (f, name) => family(withLfm2Defaults(f), name);
  };
  const read = wrapped(textFamilyOf, {
    textType: 'lfm2',
    vision: (top, textHidden) => readLfm2VlVision(top, visionConfig(top), textHidden),
  });
  return (top, name) => {
    const spec: ModelSpec = read(top, name);
    const warnings = [...(spec.warnings ?? []), ...notes(top)];
    return warnings.length > 0 ? { ...spec, warnings } : spec;
  };
}
