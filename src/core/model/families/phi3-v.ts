/**
 * Phi-3-Vision (`phi3_v`: microsoft/Phi-3-vision-128k-instruct, microsoft/Phi-3.5-vision-instruct), the
 * release's remote code: `configuration_phi3_v.py` (Phi3VConfig, Phi-3-mini's defaults plus `embd_layer`),
 * `modeling_phi3_v.py` (Phi3VForCausalLM, Phi3VModel) and `image_embedding_phi3_v.py` (Phi3ImageEmbedding,
 * CLIP_VIT_LARGE_PATCH14_336_CONFIG), checked against vLLM `model_executor/models/phi3v.py`
 * (Phi3HDImageEmbedding, Phi3VForCausalLM) and transformers `models/clip/modeling_clip.py`
 * (CLIPVisionModel).
 *
 * - Decoder: Phi-3-mini's (fused qkv_proj and gate_up_proj, no biases, RMSNorms, lm_head untied by
 *   default), read by {@link phi3} on the top-level keys with Phi3VConfig's defaults under those a file
 *   omits. The image embedding's `wte` is the decoder's embed_tokens itself (one tensor, counted once).
 * - `spec.vision` (model.vision_embed_tokens, built only when `embd_layer` is an object; the class
 *   default "default" builds none): `img_processor` must name CLIP ViT-L/14-336, whose shape is fixed in
 *   code, not read from config.json: CLIPVisionModel's patch Conv2d (no bias), class embedding, 577
 *   positions, pre_layrnorm, 24 LayerNorm blocks (q/k/v/out and fc1/fc2, biased) and post_layernorm.
 *   Features come from the second-to-last layer (`layer_idx` −2), yet every layer is built, run by the
 *   remote code and held in the checkpoint (vLLM skips loading the last one), so all are counted. Then
 *   the HD transform's learned separators glb_GN and sub_GN (4·image_dim_out each, the 2×2-merged width)
 *   and img_projection: Linear(4·image_dim_out → hidden), GELU, Linear(hidden → hidden), biased.
 *   Only that build (use_hd_transform, with_learnable_separator, `sub_glb` order, `mlp` projection)
 *   takes images, so others are refused. An image is cut into 336px crops plus a global view, each
 *   encoded apart (the processor also pads the crops to its `num_crops`, in preprocessor_config.json,
 *   which the remote code encodes too), so FLOPs per image are not fixed by config.json.
 */
import { linearParams as linear } from '../mixer-params.js';
import type { VisionTowerSpec } from '../spec.js';
import { Fields, type Json, MAX, shown } from './fields.js';
import { phi3 } from './phi3.js';
import { type Family, withClassDefaults } from './readers.js';
import { CLIP_VIT_L14_336 } from './tower-config-defaults.js';
import { fixedVitTower } from './vision.js';

/** Phi3VConfig `__init__` defaults of the decoder's shape (num_key_value_heads None: one per query head). */
export const PHI3V_TEXT_DEFAULTS: Json = {
  vocab_size: 32_064,
  hidden_size: 3072,
  intermediate_size: 8192,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  max_position_embeddings: 4096,
  tie_word_embeddings: false,
};

/** The one tower Phi3ImageEmbedding builds (CLIP_VIT_LARGE_PATCH14_336_CONFIG). */
const CLIP_MODEL = 'openai/clip-vit-large-patch14-336';

type Setting = string | boolean;

/** Refuses `key` unless it is `value` (`fallback`, Phi3ImageEmbedding's default, when absent). */
function need(f: Fields, key: string, value: Setting, fallback: Setting): void {
  const got = f.raw(key) ?? fallback;
  if (got !== value) f.fail(key, `is ${shown(got)}; llmecon counts only the ${shown(value)} build`);
}

/** model.vision_embed_tokens (see the file comment), `params` exact; `embd` is the `embd_layer` object. */
function readPhi3VVision(top: Fields, embd: Fields, textHidden: number): VisionTowerSpec {
  const img =
    top.child('img_processor') ??
    top.fail('img_processor', 'must be an object: Phi3ImageEmbedding builds its tower from it');
  need(img, 'name', 'clip_vision_model', '');
  need(img, 'model_name', CLIP_MODEL, '');
  if (!img.has('num_img_tokens'))
    img.fail('num_img_tokens', 'must be given: Phi3ImageEmbedding asserts it for CLIPVisionModel');
  need(embd, 'use_hd_transform', true, false);
  need(embd, 'with_learnable_separator', true, false);
  need(embd, 'hd_transform_order', 'sub_glb', 'glb_sub');
  need(embd, 'projection_cls', 'mlp', 'linear');
  const t = fixedVitTower(new Fields(CLIP_VIT_L14_336, top.modelType, ['img_processor']), 'clip');
  const dim = img.positiveInt('image_dim_out', { max: MAX.hidden });
  // reshape_hd_patches_2x2merge asserts the features are the tower's width.
  if (dim !== t.h) img.fail('image_dim_out', `(${dim}) must be ${t.h}, the width of ${CLIP_MODEL}`);
  const merged = 4 * dim;
  // glb_GN [1, 1, 4d], sub_GN [1, 1, 1, 4d]; img_projection 4d → hidden → hidden (biased).
  const hd = 2 * merged + linear(merged, textHidden) + linear(textHidden, textHidden);
  // A 336px image: one crop and the global view, 12 × 12 each plus a separator per row, and glb_GN.
  const s = Math.sqrt(t.patches) / 2;
  return {
    description: `CLIP ViT-L/14 ${t.depth} × ${t.h}, ${t.image}px crops + a global view, each 2×2-merged to ${s}×${s} with row separators (${2 * s * (s + 1) + 1} tokens for a ${t.image}px image), projector ${merged} → ${textHidden} → ${textHidden}`,
    params: t.params + hd,
    patchSize: t.patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/**
 * The `phi3_v` family (Phi3VForCausalLM): the Phi-3 decoder with Phi3VConfig's defaults, and the CLIP
 * tower, HD separators and projector counted apart when `embd_layer` is an object.
 */
export const phi3V: Family = (top, name) => {
  const spec = phi3(withClassDefaults(top, PHI3V_TEXT_DEFAULTS), name);
  const raw = top.raw('embd_layer');
  const embd =
    raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? top.child('embd_layer') : null;
  return { ...spec, vision: embd ? readPhi3VVision(top, embd, spec.hiddenSize) : null };
};
