/**
 * Two LLaVA-1.5 variants over a text model of `text_config` (LlamaConfig's by default, or what its
 * `model_type` names) and CLIP towers counted apart, read through `wrapped` as index.ts's `llava` is:
 *
 * ViP-LLaVA (`vipllava`, VipLlavaForConditionalGeneration: llava-hf/vip-llava-7b-hf, -13b-hf), from
 * transformers `models/vipllava/modular_vipllava.py` (VipLlavaMultiModalProjector,
 * VipLlavaModel.get_image_features), `configuration_vipllava.py` and `models/llava/modeling_llava.py`
 * (LlavaModel, whose vision_tower, language_model and lm_head it keeps):
 * - model.vision_tower: CLIPVisionModel of `vision_config` ({@link fixedVitTower}: all layers and
 *   post_layernorm are built), CLIP ViT-L/14-336 when the config has none;
 * - model.multi_modal_projector: projector_layernorm (LayerNorm of n·h, weight and bias), linear_1
 *   (n·h → text hidden) → GELU → linear_2 (text → text), both always biased, where n is the length
 *   of `vision_feature_layers` (1 for an index; default [-2, -5, -8, -11, 6]); each of those hidden
 *   states drops its class token, so an image is (image/patch)² tokens. The released 7B file still
 *   carries LLaVA's `vision_feature_layer` and `vision_feature_select_strategy` and a
 *   `projector_layernorm` flag, none of which VipLlavaModel reads.
 *
 * Video-LLaVA (`video_llava`, VideoLlavaForConditionalGeneration: LanguageBind/Video-LLaVA-7B-hf),
 * from transformers `models/video_llava/modeling_video_llava.py` (VideoLlavaModel,
 * VideoLlavaMultiModalProjector, get_image_features, get_video_features) and
 * `configuration_video_llava.py`:
 * - model.image_tower and model.video_tower: two CLIPVisionModels of the same `vision_config`
 *   (LanguageBind's image and video encoders ported as CLIP ViT-L/14 at 224 px), each with its own
 *   weights;
 * - model.multi_modal_projector: LLaVA's (linear_1, GELU, linear_2, biased per
 *   `multimodal_projector_bias`, via {@link readLlavaVision}), linear_1 widened to h × the count of a
 *   `vision_feature_layer` list. Images follow `vision_feature_select_strategy` ("default" drops the
 *   class token, "full" keeps it); every video frame keeps it.
 */

import type { VisionTowerSpec } from '../spec.js';
import type { Fields } from './fields.js';
import { shown } from './fields.js';
import type { Family } from './readers.js';
import { fixedVitTower, readLlavaVision } from './vision.js';
import { type FamilyOf, subConfig, wrapped } from './wrappers.js';

/** CLIP ViT-L/14 as both configuration classes build it when `vision_config` is absent (at `image` px). */
const clipL14 = (image: number) => ({
  model_type: 'clip_vision_model',
  hidden_size: 1024,
  intermediate_size: 4096,
  num_hidden_layers: 24,
  num_attention_heads: 16,
  patch_size: 14,
  image_size: image,
});

/** `vision_config` with its class defaults, which must be a CLIP tower (the class token these models drop). */
function clipTower(top: Fields, image: number, wrapperClass: string): Fields {
  const parent = top.has('vision_config') ? top : top.with({ vision_config: clipL14(image) });
  const v =
    subConfig(parent, 'vision_config', 'clip_vision_model') ?? top.fail('vision_config', 'must be an object');
  const type = v.string('model_type', 'clip_vision_model');
  if (type !== 'clip_vision_model')
    v.fail(
      'model_type',
      `is '${type}'; llmecon reads ${wrapperClass} over a CLIP tower ('clip_vision_model')`,
    );
  return v;
}

/**
 * The hidden states a projector concatenates: `key` as one index (1) or a non-empty list of them,
 * each an index into the tower's depth + 1 hidden states (the embeddings, then every layer's output).
 */
export function featureLayerCount(
  top: Fields,
  key: string,
  fallback: number | readonly number[],
  depth: number,
): number {
  const value = top.raw(key) ?? fallback;
  const list: readonly unknown[] = Array.isArray(value) ? value : [value];
  const inRange = (i: unknown) =>
    Number.isInteger(i) && (i as number) >= -(depth + 1) && (i as number) <= depth;
  if (list.length === 0 || !list.every(inRange))
    top.fail(
      key,
      `must be a hidden-state index or a non-empty list of them in [${-(depth + 1)}, ${depth}] (the tower's ${depth + 1} hidden states), got ${shown(value)}`,
    );
  return list.length;
}

/** ViP-LLaVA's CLIP tower and projector: LayerNorm over n concatenated hidden states, linear_1, linear_2. */
function readVipLlavaVision(top: Fields, textHidden: number): VisionTowerSpec {
  const t = fixedVitTower(clipTower(top, 336, 'VipLlavaModel'), 'clip');
  const layers = featureLayerCount(top, 'vision_feature_layers', [-2, -5, -8, -11, 6], t.depth);
  const width = layers * t.h;
  const projector = 2 * width + (width * textHidden + textHidden) + (textHidden * textHidden + textHidden);
  return {
    description: `CLIP ${t.depth} × ${t.h}, ${t.image}px, patch ${t.patch}, ${layers} hidden states concatenated (${t.patches} tokens)`,
    params: t.params + projector,
    patchSize: t.patch,
    imageSize: t.image,
    flopsPerImage: t.flops + 2 * t.patches * (width * textHidden + textHidden * textHidden),
  };
}

/** ViP-LLaVA: the text model of `text_config` (llama by default), the CLIP tower and its projector. */
export function vipLlavaWrapper(familyOf: FamilyOf): Family {
  return wrapped(familyOf, { textType: 'llama', vision: readVipLlavaVision });
}

const SELECT_STRATEGIES = ['default', 'full'];

/**
 * Video-LLaVA's image tower and projector ({@link readLlavaVision}), linear_1 widened for a list of
 * feature layers, and the video tower: a second CLIP of the same shape.
 */
function readVideoLlavaVision(top: Fields, textHidden: number): VisionTowerSpec {
  const v = clipTower(top, 224, 'VideoLlavaModel');
  const strategy = top.string('vision_feature_select_strategy', 'default');
  if (!SELECT_STRATEGIES.includes(strategy))
    top.fail('vision_feature_select_strategy', `is '${strategy}'; VideoLlavaModel takes 'default' or 'full'`);
  const image = readLlavaVision(top, v, textHidden, false);
  const video = fixedVitTower(v, 'clip');
  const extraInputs = (featureLayerCount(top, 'vision_feature_layer', -2, video.depth) - 1) * video.h;
  const imageTokens = video.patches + (strategy === 'full' ? 1 : 0);
  return {
    ...image,
    description: `${image.description}; a second tower of that shape for video frames (${video.patches + 1} tokens each)`,
    params: image.params + video.params + extraInputs * textHidden,
    flopsPerImage:
      video.flops + 2 * imageTokens * ((video.h + extraInputs) * textHidden + textHidden * textHidden),
  };
}

/** Video-LLaVA: the text model of `text_config` (llama by default), image and video CLIP towers, the projector. */
export function videoLlavaWrapper(familyOf: FamilyOf): Family {
  return wrapped(familyOf, { textType: 'llama', vision: readVideoLlavaVision });
}
