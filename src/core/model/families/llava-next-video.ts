/**
 * LLaVA-NeXT-Video (`llava_next_video`, LlavaNextVideoForConditionalGeneration:
 * llava-hf/LLaVA-NeXT-Video-7B-hf, -7B-DPO-hf, -34B-hf). Shapes from transformers
 * `models/llava_next_video/modular_llava_next_video.py` (LlavaNextVideoPooler, LlavaNextVideoModel,
 * get_video_features), `configuration_llava_next_video.py` (LlavaNextVideoConfig) and
 * `models/llava_next/modeling_llava_next.py` (LlavaNextModel, LlavaNextMultiModalProjector), checked
 * against vLLM `model_executor/models/llava_next_video.py` (which loads average and max pooling only).
 *
 * The same modules as LLaVA-NeXT, read as index.ts's `llavaFamily('llama', 'clip_vision_model', true)`
 * does (`wrapped` and `readLlavaVision`): model.language_model is the text model of `text_config`
 * (LlamaConfig's by default); counted apart are model.vision_tower (CLIPVisionModel, all its layers
 * and post_layernorm), model.multi_modal_projector (linear_1, GELU, linear_2, biased per
 * `multimodal_projector_bias`) and model.image_newline (text hidden, always built). What the video
 * model adds or changes:
 * - model.vision_resampler (LlavaNextVideoPooler) pools each frame's patch grid by
 *   `spatial_pool_stride`: AvgPool2d or MaxPool2d, without parameters, or with `spatial_pool_mode`
 *   "conv" a Conv2d (vision hidden → `spatial_pool_out_channels`, kernel = stride = s, with bias);
 * - a `vision_feature_layer` list concatenates that many hidden states before the pooler, so
 *   linear_1 takes vision hidden × the count (LlavaNextMultiModalProjector's num_feature_layers).
 * Images are tiled by their size (anyres), so there are no fixed FLOPs per image.
 */

import type { VisionTowerSpec } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { featureLayerCount } from './llava-variants.js';
import type { Family } from './readers.js';
import { readFixedVit, readLlavaVision } from './vision.js';
import { type FamilyOf, subConfig, wrapped } from './wrappers.js';

const POOL_MODES = ['average', 'max', 'conv'] as const;

/**
 * The LLaVA-NeXT tower, projector and image_newline ({@link readLlavaVision}), the projector's
 * linear_1 widened for concatenated feature layers, and the frame pooler's conv when it has one.
 */
function readLlavaNextVideoVision(top: Fields, v: Fields, textHidden: number): VisionTowerSpec {
  const base = readLlavaVision(top, v, textHidden, true);
  const h = v.positiveInt('hidden_size', { max: MAX.hidden });
  const layers = featureLayerCount(top, 'vision_feature_layer', -2, readFixedVit(v).depth);
  const mode = top.string('spatial_pool_mode', 'average');
  if (!(POOL_MODES as readonly string[]).includes(mode))
    top.fail('spatial_pool_mode', `is '${mode}'; LlavaNextVideoPooler builds 'average', 'max' or 'conv'`);
  const stride = top.positiveInt('spatial_pool_stride', { fallback: 2, max: 64 });
  let pooler = 0;
  if (mode === 'conv') {
    const out = top.positiveInt('spatial_pool_out_channels', { fallback: h, max: MAX.hidden });
    // The conv takes vision hidden channels and the projector takes its output: both must be h·layers.
    if (layers !== 1)
      top.fail(
        'vision_feature_layer',
        `must be one layer with spatial_pool_mode 'conv' (its in_channels are ${h})`,
      );
    if (out !== h)
      top.fail(
        'spatial_pool_out_channels',
        `(${out}) must equal vision_config.hidden_size (${h}), linear_1's input`,
      );
    pooler = h * out * stride * stride + out;
  }
  const side = Math.floor(v.positiveInt('image_size', { max: 1_000_000 }) / base.patchSize);
  if (stride > side)
    top.fail('spatial_pool_stride', `(${stride}) must be at most the ${side}×${side} patch grid of a frame`);
  const frameTokens = Math.floor(side / stride) ** 2;
  return {
    ...base,
    description: `${base.description}; video frames pooled ${stride}×${stride} (${mode}) to ${frameTokens} tokens`,
    params: base.params + (layers - 1) * h * textHidden + pooler,
  };
}

/** LLaVA-NeXT-Video: a `llava_next` wrapper (llama text, CLIP tower, anyres) plus the frame pooler. */
export function llavaNextVideoWrapper(familyOf: FamilyOf): Family {
  return wrapped(familyOf, {
    textType: 'llama',
    vision: (top, textHidden) => {
      const v = subConfig(top, 'vision_config', 'clip_vision_model');
      return v ? readLlavaNextVideoVision(top, v, textHidden) : null;
    },
  });
}
