/**
 * PaliGemma and PaliGemma 2 (`paligemma`: google/paligemma-3b-*, google/paligemma2-{3b,10b,28b}-*).
 * transformers `models/paligemma/configuration_paligemma.py` (PaliGemmaConfig) and
 * `modeling_paligemma.py` (PaliGemmaModel, PaliGemmaMultiModalProjector), checked against vLLM
 * `model_executor/models/paligemma.py`: model.language_model is the decoder of `text_config` (`gemma`
 * when it names none: PaliGemma 1 is Gemma 2B, PaliGemma 2 nests `gemma2`), keys it omits taking that
 * class's defaults; model.vision_tower is a SigLIP ViT without its pooling head (`vision_use_head`
 * false); model.multi_modal_projector is one biased Linear from the vision width to `projection_dim`,
 * which must be the text width, since each of an image's (image/patch)² tokens replaces a token
 * embedding. The prefix (image and prompt) attends bidirectionally (`use_bidirectional_attention`),
 * the same FLOPs as the causal count bounds from above.
 */

import { linearParams as linear } from '../mixer-params.js';
import type { VisionTowerSpec } from '../spec.js';
import { Fields, type Json, MAX } from './fields.js';
import type { Family } from './readers.js';
import { fixedVitTower } from './vision.js';
import { type FamilyOf, subConfig, wrapped } from './wrappers.js';

/** The text model PaliGemmaConfig builds without a `text_config`: GemmaConfig with Gemma 2B's shape. */
const PALIGEMMA_TEXT: Json = {
  model_type: 'gemma',
  hidden_size: 2048,
  num_hidden_layers: 18,
  intermediate_size: 16_384,
  num_attention_heads: 8,
  num_key_value_heads: 1,
  vocab_size: 257_152,
};

/** The tower PaliGemmaConfig builds without a `vision_config`: SigLIP so400m at 224 px, no head. */
const PALIGEMMA_TOWER: Json = {
  model_type: 'siglip_vision_model',
  intermediate_size: 4096,
  hidden_size: 1152,
  patch_size: 14,
  image_size: 224,
  num_hidden_layers: 27,
  num_attention_heads: 16,
  num_channels: 3,
};

/** The SigLIP tower and projector (see the file comment), `params` exact; FLOPs for one image of `image_size`. */
function readPaligemmaVision(top: Fields, textHidden: number): VisionTowerSpec {
  const v =
    subConfig(top, 'vision_config', 'siglip_vision_model') ??
    new Fields(PALIGEMMA_TOWER, top.modelType, ['vision_config']);
  const type = v.string('model_type', 'siglip_vision_model');
  if (type !== 'siglip_vision_model')
    v.fail('model_type', `is '${type}'; PaliGemma is read with a SigLIP tower ('siglip_vision_model')`);
  if (v.bool('vision_use_head', false))
    v.fail('vision_use_head', 'must be false: PaliGemma feeds the patch tokens, not the pooled one');
  const t = fixedVitTower(v, 'siglip');
  // PaliGemmaConfig sets vision_config.projection_dim to its own projection_dim (default 2048).
  const projection = top.positiveInt('projection_dim', { fallback: 2048, max: MAX.hidden });
  if (projection !== textHidden)
    top.fail(
      'projection_dim',
      `(${projection}) must equal the text model's hidden_size (${textHidden}): each image token replaces a token embedding`,
    );
  return {
    description: `SigLIP ${t.depth} × ${t.h}, ${t.image}px, patch ${t.patch} (${t.patches} tokens)`,
    params: t.params + linear(t.h, projection),
    patchSize: t.patch,
    imageSize: t.image,
    flopsPerImage: t.flops + 2 * t.patches * t.h * projection,
  };
}

/** The `paligemma` family: the text model of `text_config` (Gemma 2B's when absent) and the tower counted apart. */
export function paligemmaWrapper(familyOf: FamilyOf): Family {
  const inner = wrapped(familyOf, { textType: 'gemma', vision: readPaligemmaVision });
  return (top, name) => inner(top.has('text_config') ? top : top.with({ text_config: PALIGEMMA_TEXT }), name);
}
