/**
 * VideoLLaMA3 (`video_llama_3`; DAMO-NLP-SG/VideoLLaMA3-7B, -2B in transformers' format).
 * transformers `models/video_llama_3/configuration_video_llama_3.py` (VideoLlama3Config,
 * VideoLlama3VisionConfig) and `modular_video_llama_3.py` / `modeling_video_llama_3.py`
 * (VideoLlama3ForConditionalGeneration, VideoLlama3Model, VideoLlama3VisionModel,
 * VideoLlama3VisionEmbeddings, VideoLlama3VisionEncoderLayer, VideoLlama3VisionAttention,
 * VideoLlama3VisionMLP, VideoLlama3Projector). Modules:
 *
 * - language_model: `AutoModel` of `text_config` by its own `model_type` (Qwen2Config() without a
 *   text_config); lm_head tied when the top-level or the text config's `tie_word_embeddings` is set
 *   (`__post_init__` forwards the text config's).
 * - vision_model: the SigLIP-NaViT encoder: patch_embedding Conv2d(num_channels → h, patch, with
 *   bias), no position table (2-D rotary positions), `num_hidden_layers` blocks of layer_norm1 →
 *   q/k/v/out_proj (h → h, with bias) → layer_norm2 → fc1 (h → intermediate) and fc2 (back), with
 *   bias, and post_layernorm; pixel_unshuffle interpolates merge_size² patches into one token without
 *   parameters.
 * - projector: readout linear (h → text hidden), GELU, linear (text → text), both with bias.
 *
 * Images and videos keep their own resolution and each has its own merge size, so FLOPs per image
 * are not fixed by the config.
 */
import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { VisionTowerSpec } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import type { Family } from './readers.js';
import { builtSubConfig, type FamilyOf, textFamilies, wrapped } from './wrappers.js';

/** VideoLlama3VisionConfig's defaults, under the keys a vision_config omits. */
export const VIDEO_LLAMA_3_VISION_DEFAULTS: Json = {
  hidden_size: 768,
  intermediate_size: 3072,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  num_channels: 3,
  patch_size: 16,
};

/** The vision encoder and projector of `top` (see the file comment). */
export function readVideoLlama3Vision(top: Fields, textHidden: number): VisionTowerSpec {
  const v = builtSubConfig(top, 'vision_config', 'video_llama_3_vision', VIDEO_LLAMA_3_VISION_DEFAULTS);
  const type = v.string('model_type', 'video_llama_3_vision');
  if (type !== 'video_llama_3_vision') {
    v.fail(
      'model_type',
      `is '${type}'; VideoLlama3Config builds its vision_config as 'video_llama_3_vision'`,
    );
  }
  const h = v.positiveInt('hidden_size', { max: MAX.hidden });
  const depth = v.positiveInt('num_hidden_layers', { max: MAX.layers });
  const inter = v.positiveInt('intermediate_size', { max: MAX.intermediate });
  const heads = v.positiveInt('num_attention_heads', { max: MAX.heads });
  if (h % heads !== 0) v.fail('num_attention_heads', `(${heads}) must divide hidden_size (${h})`);
  const patch = v.positiveInt('patch_size', { max: 4096 });
  const channels = v.positiveInt('num_channels', { max: 64 });
  const block = 2 * layerNorm(h) + 4 * linear(h, h) + linear(h, inter) + linear(inter, h);
  const encoder = channels * patch * patch * h + h + depth * block + layerNorm(h);
  const projector = linear(h, textHidden) + linear(textHidden, textHidden);
  return {
    description: `SigLIP-NaViT ${depth} × ${h}, patch ${patch}, projector ${h} → ${textHidden} → ${textHidden}`,
    params: encoder + projector,
    patchSize: patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/** The `video_llama_3` family (VideoLlama3ForConditionalGeneration). */
export function videoLlama3Wrapper(familyOf: FamilyOf): Family {
  const read = wrapped(textFamilies(familyOf, 'VideoLlama3ForConditionalGeneration'), {
    textType: 'qwen2',
    vision: readVideoLlama3Vision,
    ownTie: true,
  });
  return (top, name) => {
    const spec = read(
      top.has('text_config') ? top : top.with({ text_config: { model_type: 'qwen2' } }),
      name,
    );
    return { ...spec, tieWordEmbeddings: spec.tieWordEmbeddings || top.bool('tie_word_embeddings', false) };
  };
}
