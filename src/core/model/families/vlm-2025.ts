/**
 * Two 2025 vision-language wrappers over text families llmecon reads, each tower and projector
 * counted apart (`VisionTowerSpec.params`, tower + projector):
 *
 * - `cohere2_vision`, Command A Vision (CohereLabs/command-a-vision-07-2025). transformers
 *   `models/cohere2_vision/configuration_cohere2_vision.py` (Cohere2VisionConfig),
 *   `modeling_cohere2_vision.py` (Cohere2VisionModel, Cohere2VisionMultiModalProjector) and
 *   `image_processing_cohere2_vision_fast.py`, checked against vLLM
 *   `model_executor/models/cohere2_vision.py`. model.language_model is the Cohere2Model of
 *   `text_config` (the `cohere2` family, Cohere2Config's defaults for the keys it omits; lm_head tied);
 *   model.vision_tower is `AutoModel.from_config(vision_config)`, a SiglipVisionModel (vLLM builds one
 *   whatever the type says), at a fixed `image_size`; model.multi_modal_projector pixel-shuffles f×f
 *   patches into one vector of h·f² (`downsample_factor`), then linear_1 h·f² → A
 *   (`alignment_intermediate_size`), a SwiGLU over its two halves, linear_2 A/2 → text hidden, both
 *   biased. Images are cut into 1–12 tiles of `image_size` plus a thumbnail when more than one, so
 *   FLOPs per image are given for one tile (an image of `image_size`, which is one tile).
 * - `paddleocr_vl`, PaddleOCR-VL (PaddlePaddle/PaddleOCR-VL, -1.5, -1.6). transformers
 *   `models/paddleocr_vl/configuration_paddleocr_vl.py` (PaddleOCRVLConfig, PaddleOCRTextConfig,
 *   PaddleOCRVisionConfig) and `modeling_paddleocr_vl.py` (PaddleOCRVLModel, PaddleOCRProjector,
 *   PaddleOCRVisionTransformer), checked against vLLM `model_executor/models/paddleocr_vl.py`. The
 *   released config.json is flat: the ERNIE-4.5-0.3B text keys sit at the top level (PaddleOCRVLConfig
 *   pops them into a PaddleOCRTextConfig), or in `text_config`; either way the text model is
 *   PaddleOCRTextModel, ERNIE 4.5's dense decoder (the `ernie4_5` family, PaddleOCRTextConfig's
 *   defaults for omitted keys). model.visual is a NaViT-style SigLIP (patch Conv2d, a
 *   (image_size/patch)² position table bilinearly resized per image, 2-D RoPE without parameters,
 *   post_layernorm); model.projector is pre_norm LayerNorm(h), an m×m merge
 *   (`spatial_merge_size`) into h·m², linear_1 h·m² → h·m², GELU, linear_2 → text hidden, biased.
 *   The checkpoint also stores `packing_position_embedding` (32768 × h) and a SigLIP pooling head,
 *   which transformers (`_keys_to_ignore_on_load_unexpected`) and vLLM skip: not counted. Images keep
 *   their aspect ratio up to a pixel budget (smart_resize), so FLOPs per image are given at the
 *   release's budget (`preprocessor_config.json` max_pixels 28²·1280 = 1,003,520).
 */

import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { VisionTowerSpec } from '../spec.js';
import { Fields, type Json, MAX } from './fields.js';
import { type Family, withClassDefaults } from './readers.js';
import { SIGLIP_SO400M_14_384 } from './tower-config-defaults.js';
import { readFixedVit, vitForwardFlops } from './vision.js';
import { type FamilyOf, subConfig, textFamilies, wrapped } from './wrappers.js';

// ---------------------------------------------------------------------------------------------
// The SigLIP tower both wrap
// ---------------------------------------------------------------------------------------------

/**
 * A fixed-grid SigLIP tower (transformers `models/siglip/modeling_siglip.py` SiglipVisionTransformer;
 * PaddleOCRVisionTransformer has the same modules): parameters and forward FLOPs over `patches`.
 * With `head`, SiglipMultiheadAttentionPoolingHead (probe, in_proj h → 3h, out_proj, layernorm, mlp).
 */
function siglipTower(v: Fields, head: boolean) {
  const { h, depth, inter, patch, image, channels, patches } = readFixedVit(v);
  const heads = v.positiveInt('num_attention_heads', { max: MAX.heads });
  if (h % heads !== 0) v.fail('num_attention_heads', `(${heads}) must divide hidden_size (${h})`);
  const patchIn = channels * patch * patch;
  // Each encoder layer: q, k, v, out_proj (h → h) and mlp fc1 (h → I), fc2 (I → h), all biased.
  const layerMatmuls = 4 * h * h + 2 * h * inter;
  const block = 2 * layerNorm(h) + 4 * linear(h, h) + linear(h, inter) + linear(inter, h);
  const mlp = linear(h, inter) + linear(inter, h);
  const headParams = h + linear(h, 3 * h) + linear(h, h) + layerNorm(h) + mlp;
  // embeddings.patch_embedding (Conv2d, biased) and position_embedding ((image/patch)² rows), post_layernorm.
  const params = linear(patchIn, h) + patches * h + depth * block + layerNorm(h) + (head ? headParams : 0);
  /** Forward FLOPs over `n` patches: patch embedding, encoder, and the head's one probe over all patches. */
  const flops = (n: number) =>
    2 * n * patchIn * h +
    vitForwardFlops(n, depth, layerMatmuls, h) +
    (head ? 2 * (2 * n * h * h + 2 * h * h + 2 * h * inter) + 4 * h * n : 0);
  return { h, depth, patch, image, patches, params, flops };
}

// ---------------------------------------------------------------------------------------------
// Command A Vision (cohere2_vision)
// ---------------------------------------------------------------------------------------------

/**
 * Cohere2Config's defaults (transformers `models/cohere2/configuration_cohere2.py`) that the `cohere2`
 * family does not fill itself: transformers writes a nested `text_config` without the keys equal to
 * them, and Command A's 256,000-token vocabulary is the class default. (sliding_window 4096, every
 * 4th layer full and tied embeddings are the family's own defaults.)
 */
export const COHERE2_TEXT_DEFAULTS: Json = {
  vocab_size: 256_000,
  hidden_size: 8192,
  intermediate_size: 22_528,
  num_hidden_layers: 40,
  num_attention_heads: 64,
  max_position_embeddings: 8192,
};

/** The SiglipVisionConfig Cohere2VisionConfig builds when `vision_config` is absent (with SigLIP's own defaults). */
const COHERE2_VISION_DEFAULT_TOWER: Json = {
  hidden_size: 1152,
  intermediate_size: 3072,
  image_size: 512,
  num_hidden_layers: 27,
  num_attention_heads: 12,
  num_channels: 3,
  patch_size: 16,
};

/**
 * What distinguishes a pixel-shuffle SwiGLU projector: its owner, A's default (null: the text width,
 * as AyaVisionMultiModalProjector's `getattr(config, "alignment_intermediate_size", text hidden)`), a
 * LayerNorm first.
 */
export interface ShuffleProjector {
  readonly owner: string;
  readonly alignment: number | null;
  readonly layerNorm: boolean;
}

const COMMAND_A_PROJECTOR: ShuffleProjector = {
  owner: 'Cohere2VisionForConditionalGeneration',
  alignment: 36_864,
  layerNorm: false,
};

/**
 * Aya Vision (`aya_vision`, transformers `models/aya_vision/modeling_aya_vision.py`
 * AyaVisionMultiModalProjector): Command A Vision's projector with a LayerNorm (`adapter_layer_norm_eps`)
 * over the shuffled vector first; `alignment_intermediate_size` is not an AyaVisionConfig field, so
 * without it in the config A is the text width.
 */
const AYA_PROJECTOR: ShuffleProjector = {
  owner: 'AyaVisionForConditionalGeneration',
  alignment: null,
  layerNorm: true,
};

/**
 * The Command A Vision tower and projector (see the file comment), `params` exact. `top` is the
 * Cohere2VisionConfig, `vision` its `vision_config` (SiglipVisionConfig defaults filled). FLOPs per
 * image of `image_size`: one tile, (image/patch)² patches → (image/patch/f)² tokens.
 */
export function readCohere2Vision(
  top: Fields,
  vision: Fields,
  textHidden: number,
  projector: ShuffleProjector = COMMAND_A_PROJECTOR,
): VisionTowerSpec {
  const type = vision.string('model_type', 'siglip_vision_model');
  if (type !== 'siglip_vision_model') {
    vision.fail(
      'model_type',
      `is '${type}'; ${projector.owner} is read with a fixed-size SigLIP tower ('siglip_vision_model')`,
    );
  }
  // SiglipVisionTransformer builds the pooling head unless vision_use_head is false.
  const t = siglipTower(vision, vision.bool('vision_use_head', true));
  const f = top.positiveInt('downsample_factor', { fallback: 2, max: 64 });
  // pixel_shuffle reshapes the √patches side into side/f blocks of f.
  const side = Math.floor(t.image / t.patch);
  if (side % f !== 0) {
    top.fail('downsample_factor', `(${f}) must divide the ${side}-patch side of a ${t.image}px tile`);
  }
  const a = top.positiveInt('alignment_intermediate_size', {
    fallback: projector.alignment ?? textHidden,
    max: MAX.intermediate,
  });
  // linear_1's output is chunked in two (x, gate) for the SwiGLU; linear_2 reads one half.
  if (a % 2 !== 0)
    top.fail('alignment_intermediate_size', `(${a}) must be even: linear_1's output is split in two halves`);
  const shuffled = t.h * f * f;
  // Aya Vision normalises the shuffled vector first (a LayerNorm with bias of its width).
  const params =
    (projector.layerNorm ? layerNorm(shuffled) : 0) + linear(shuffled, a) + linear(a / 2, textHidden);
  const tokens = (side / f) ** 2;
  return {
    description: `SigLIP ${t.depth} × ${t.h}, ${t.image}px tiles, patch ${t.patch}, ${f}×${f} pixel shuffle (${t.patches} patches → ${tokens} tokens per tile)`,
    params: t.params + params,
    patchSize: t.patch,
    imageSize: t.image,
    flopsPerImage: t.flops(t.patches) + 2 * tokens * (shuffled * a + (a / 2) * textHidden),
  };
}

/** The `vision_config` of a Cohere2VisionConfig, or the tower Cohere2VisionConfig builds without one. */
function cohere2VisionConfig(top: Fields): Fields {
  return (
    subConfig(top, 'vision_config', 'siglip_vision_model') ??
    new Fields(COHERE2_VISION_DEFAULT_TOWER, top.modelType, ['vision_config'])
  );
}

/**
 * The `cohere2_vision` family (Cohere2VisionForConditionalGeneration): the text model of
 * `text_config` (`cohere2` with Cohere2Config's defaults; another `model_type` by its own family, and
 * refused when llmecon has none, since AutoModel would build that model), the SigLIP tower and
 * projector counted apart ({@link readCohere2Vision}).
 */
export function cohere2VisionWrapper(familyOf: FamilyOf): Family {
  return wrapped(cohereTextFamilies(familyOf, 'Cohere2VisionModel'), {
    textType: 'cohere2',
    vision: (top, textHidden) => readCohere2Vision(top, cohere2VisionConfig(top), textHidden),
  });
}

/**
 * The `aya_vision` family (AyaVisionForConditionalGeneration: Aya Vision 8B and 32B): the text model as
 * Command A Vision's (`cohere2` by default), its SigLIP tower and {@link AYA_PROJECTOR} counted apart.
 */
export function ayaVisionWrapper(familyOf: FamilyOf): Family {
  return wrapped(cohereTextFamilies(familyOf, 'AyaVisionModel'), {
    textType: 'cohere2',
    vision: (top, textHidden) => {
      const v = subConfig(top, 'vision_config', 'siglip_vision_model');
      return v ? readCohere2Vision(top, v, textHidden, AYA_PROJECTOR) : null;
    },
  });
}

/** Text families by `text_config`'s model_type: `cohere2` with Cohere2Config's defaults, none refused by name. */
function cohereTextFamilies(familyOf: FamilyOf, owner: string): FamilyOf {
  return (type) => {
    const family = familyOf(type);
    if (family && type === 'cohere2') {
      return (f, name) => family(withClassDefaults(f, COHERE2_TEXT_DEFAULTS), name);
    }
    return textFamilies(familyOf, owner)(type);
  };
}

// ---------------------------------------------------------------------------------------------
// PaddleOCR-VL (paddleocr_vl)
// ---------------------------------------------------------------------------------------------

/**
 * PaddleOCRTextConfig's defaults (ERNIE-4.5-0.3B's shape), for the text keys a config omits. Unlike
 * Ernie4_5Config, `head_dim` defaults to 128 (not hidden / heads); the release sets
 * `tie_word_embeddings` false (a separate lm_head), the class default is true.
 */
export const PADDLEOCR_TEXT_DEFAULTS: Json = {
  vocab_size: 103_424,
  hidden_size: 1024,
  intermediate_size: 3072,
  num_hidden_layers: 18,
  num_attention_heads: 16,
  num_key_value_heads: 2,
  head_dim: 128,
  max_position_embeddings: 131_072,
  tie_word_embeddings: true,
  use_bias: false,
};

/** PaddleOCRVisionConfig's defaults, which are the release's tower (SigLIP so400m at 384 px, patch 14). */
export const PADDLEOCR_VISION_DEFAULTS: Json = { ...SIGLIP_SO400M_14_384, spatial_merge_size: 2 };

/** The release's pixel budget per image (`preprocessor_config.json` max_pixels, vLLM's smart_resize default). */
export const PADDLEOCR_MAX_PIXELS = 28 * 28 * 1280;

/**
 * The PaddleOCR-VL vision side (see the file comment), `params` exact as transformers and vLLM build
 * it. `vision` is the `vision_config` (PaddleOCRVisionConfig's class, whatever its `model_type`).
 * FLOPs per image at the release's pixel budget: ⌊max_pixels / (patch·m)²⌋ tokens of m² patches.
 */
export function readPaddleOcrVision(vision: Fields, textHidden: number): VisionTowerSpec {
  const v = withClassDefaults(vision, PADDLEOCR_VISION_DEFAULTS);
  // PaddleOCRVisionTransformer builds no head (the checkpoint's is skipped on load).
  const t = siglipTower(v, false);
  const m = v.positiveInt('spatial_merge_size', { max: 64 });
  const merged = t.h * m * m;
  const projector = layerNorm(t.h) + linear(merged, merged) + linear(merged, textHidden);
  const tokens = Math.floor(PADDLEOCR_MAX_PIXELS / (t.patch * m) ** 2);
  const patches = tokens * m * m;
  const flopsPerImage =
    tokens === 0 ? null : t.flops(patches) + 2 * tokens * (merged * merged + merged * textHidden);
  return {
    description: `SigLIP NaViT ${t.depth} × ${t.h}, patch ${t.patch}, ${m}×${m} merge (${patches} patches → ${tokens} tokens per image at the release's ${PADDLEOCR_MAX_PIXELS.toLocaleString('en-US')}-pixel budget)`,
    params: t.params + projector,
    patchSize: t.patch,
    imageSize: null,
    flopsPerImage,
  };
}

/**
 * The `paddleocr_vl` family (PaddleOCRVLForConditionalGeneration): the ERNIE 4.5 text model of the
 * flat top-level keys or of `text_config` (read by the `ernie4_5` family with PaddleOCRTextConfig's
 * defaults, whatever `text_config.model_type` says: PaddleOCRVLConfig always builds
 * PaddleOCRTextConfig), the SigLIP tower and projector counted apart ({@link readPaddleOcrVision}).
 */
export function paddleOcrVlFamily(familyOf: FamilyOf): Family {
  const text: Family = (f, name) => {
    const ernie = familyOf('ernie4_5');
    if (!ernie) return f.fail('model_type', "needs the 'ernie4_5' text family");
    return ernie(withClassDefaults(f, PADDLEOCR_TEXT_DEFAULTS), name);
  };
  return wrapped(() => text, {
    textType: 'ernie4_5',
    vision: (top, textHidden) =>
      readPaddleOcrVision(
        top.child('vision_config') ?? new Fields({}, top.modelType, ['vision_config']),
        textHidden,
      ),
  });
}
