/**
 * Baidu Qianfan-OCR (`qianfan_ocr`; baidu/Qianfan-OCR). transformers
 * `models/qianfan_ocr/configuration_qianfan_ocr.py` (QianfanOCRConfig, QianfanOCRVisionConfig),
 * `modular_qianfan_ocr.py` and `modeling_qianfan_ocr.py` (QianfanOCRVisionEmbeddings,
 * QianfanOCRVisionAttention, QianfanOCRVisionMLP, QianfanOCRVisionLayer, QianfanOCRVisionModel,
 * QianfanOCRMultiModalProjector, QianfanOCRForConditionalGeneration), InternVL's modules renamed;
 * `convert_qianfan_ocr_weights_to_hf.py` maps the original InternVL-chat tensors onto them, and vLLM
 * `model_executor/models/qianfan_ocr.py` loads those as its InternVLChatModel (its
 * `transformers_utils/configs/qianfan_ocr.py` spells two keys `qkv_bias`, `qk_normalization`):
 * - language_model: AutoModel of `text_config` (Qwen3 by default), read by the family of its own
 *   `model_type`; lm_head (text hidden → vocab, no bias), tied to embed_tokens only when the
 *   top-level `tie_word_embeddings` (default false) says so: the wrapper's config decides.
 * - vision_tower (Qianfan-ViT, InternViT-300M's shape): patch Conv2d (kernel = stride = patch) with
 *   bias, cls_token, mask_token (only with `use_mask_token`), a position table of patches + 1 rows
 *   (only with `use_absolute_position_embeddings`); per layer layernorm_before/after (LayerNorm or
 *   RMSNorm by `norm_type`), q/k/v (bias per `attention_bias`), projection_layer with bias, q_norm and
 *   k_norm (RMSNorm of the width, only with `use_qk_norm`), lambda_1/lambda_2, fc1/fc2 with bias; a
 *   final LayerNorm only without mean pooling (`use_mean_pooling` false). DropPath has no weights.
 * - multi_modal_projector: LayerNorm(h·k²) after the pixel shuffle by `downsample_ratio` 1/k,
 *   linear_1 (h·k² → text hidden) and linear_2 (text hidden → text hidden), with bias; counted with
 *   the tower. Images are tiled dynamically (448 px tiles), so no fixed FLOPs per image.
 * A sub-config the config omits is QianfanOCRConfig's default (Qwen3Config(), QianfanOCRVisionConfig());
 * one it gives takes its class defaults for the keys it omits.
 */
import type { VisionTowerSpec } from '../spec.js';
import { type Fields, type Json, MAX, shown } from './fields.js';
import { internVitLayerParams, internVlProjectorParams, shuffleFactor } from './internvl.js';
import type { Family } from './readers.js';
import { builtSubConfig, type FamilyOf, textFamilies, wrapped } from './wrappers.js';

/** QianfanOCRVisionConfig's defaults for the keys read here but the two with a second spelling. */
const QIANFAN_VISION_DEFAULTS: Json = {
  hidden_size: 1024,
  intermediate_size: 4096,
  num_hidden_layers: 24,
  num_attention_heads: 16,
  num_channels: 3,
  image_size: [448, 448],
  patch_size: [14, 14],
  norm_type: 'layer_norm',
  use_mask_token: false,
  use_absolute_position_embeddings: true,
  use_mean_pooling: true,
};

/** An int or [height, width] (`image_size`, `patch_size`; the class turns an int into a square). */
function pair(v: Fields, key: string): readonly [number, number] {
  const raw = v.raw(key);
  if (!Array.isArray(raw)) {
    const side = v.positiveInt(key, { max: 1_000_000 });
    return [side, side];
  }
  const [a, b] = v.intList(key, 1_000_000);
  if (raw.length !== 2 || a === undefined || b === undefined || a < 1 || b < 1) {
    v.fail(key, `must be a positive integer or [height, width], got ${shown(raw)}`);
  }
  return [a, b];
}

/** Qianfan-ViT and the projector, module by module (see the file comment). */
function readQianfanVision(top: Fields, textHidden: number): VisionTowerSpec {
  const v = builtSubConfig(top, 'vision_config', 'qianfan_ocr_vision', QIANFAN_VISION_DEFAULTS);
  const h = v.positiveInt('hidden_size', { max: MAX.hidden });
  const inter = v.positiveInt('intermediate_size', { max: MAX.intermediate });
  const depth = v.positiveInt('num_hidden_layers', { max: MAX.layers });
  const channels = v.positiveInt('num_channels', { max: 64 });
  const [imageH, imageW] = pair(v, 'image_size');
  const [patchH, patchW] = pair(v, 'patch_size');
  if (imageH < patchH || imageW < patchW) {
    v.fail('image_size', `(${imageH} × ${imageW}) must hold at least one ${patchH} × ${patchW} patch`);
  }
  const patches = Math.floor(imageH / patchH) * Math.floor(imageW / patchW);
  // HF keys first, then the original InternViT spellings vLLM's QianfanOCRVisionConfig keeps.
  const qkvBias = v.bool('attention_bias', v.bool('qkv_bias', true));
  const qkNorm = v.bool('use_qk_norm', v.bool('qk_normalization', false));
  const normType = v.string('norm_type', 'layer_norm');
  if (normType !== 'layer_norm' && normType !== 'rms_norm') {
    v.fail('norm_type', `must be 'layer_norm' or 'rms_norm', got '${normType}'`);
  }
  const norm = normType === 'layer_norm' ? 2 * h : h;
  const embeddings =
    channels * patchH * patchW * h +
    h +
    h +
    (v.bool('use_mask_token', false) ? h : 0) +
    (v.bool('use_absolute_position_embeddings', true) ? (patches + 1) * h : 0);
  const layer = internVitLayerParams(h, inter, qkvBias, qkNorm, norm);
  const finalNorm = v.bool('use_mean_pooling', true) ? 0 : 2 * h;
  const merged = h * shuffleFactor(top) ** 2;
  const projector = internVlProjectorParams(merged, textHidden);
  return {
    description: `Qianfan-ViT ${depth} × ${h}, ${imageH}px tiles, patch ${patchH}`,
    params: embeddings + depth * layer + finalNorm + projector,
    patchSize: patchH,
    imageSize: null,
    flopsPerImage: null,
  };
}

/** The `qianfan_ocr` family (see the file comment); `familyOf` reads the text model by its `model_type`. */
export function qianfanOcrWrapper(familyOf: FamilyOf): Family {
  const inner = wrapped(textFamilies(familyOf, 'QianfanOCRConfig'), {
    textType: 'qwen3',
    vision: readQianfanVision,
  });
  return (config, name) => {
    // QianfanOCRConfig builds Qwen3Config() when text_config is absent; its class defaults fill the rest.
    const top = config.has('text_config') ? config : config.with({ text_config: { model_type: 'qwen3' } });
    const spec = inner(top, name);
    return { ...spec, tieWordEmbeddings: top.bool('tie_word_embeddings', false) };
  };
}
