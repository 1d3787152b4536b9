/**
 * Perceptron Isaac (`isaac`, IsaacForConditionalGeneration: PerceptronAI/Isaac-0.1, -0.1-Base and
 * later Isaac releases). transformers `models/isaac/configuration_isaac.py` (IsaacConfig,
 * IsaacTextConfig, IsaacVisionConfig), `modular_isaac.py` and `modeling_isaac.py` (IsaacVisionModel,
 * IsaacVisionEmbeddings, IsaacVisionEncoderLayer, IsaacTextModel, IsaacMultiModalProjector,
 * IsaacModel, IsaacForConditionalGeneration) over `models/siglip2/modeling_siglip2.py` and
 * `models/qwen3_vl/modeling_qwen3_vl.py`; the release's remote code (perceptron-ai-inc/perceptron
 * `huggingface/modular_isaac.py`: IsaacConfig(Qwen3Config), Siglip2SequenceVisionTransformer) and
 * vLLM `model_executor/models/isaac.py` load the same tensors.
 *
 * - model.language_model: IsaacTextModel (Qwen3VLTextModel: q/k/v/o without bias, per-head q/k
 *   RMSNorms, SwiGLU, no sliding window) of `text_config`, which IsaacConfig always builds as
 *   IsaacTextConfig (Qwen3Config defaults, 32,768 positions) whatever its `model_type`. The release's
 *   remote-code config has no `text_config`: its Qwen3 keys sit at the top level (IsaacConfig
 *   subclasses Qwen3Config there) and are read by the `qwen3` family. lm_head (text hidden → vocab,
 *   no bias) is tied to embed_tokens by the top-level `tie_word_embeddings` (absent: untied).
 * - model.visual, counted apart (SigLIP2 NaFlex without head): embeddings.patch_embedding, a biased
 *   Linear of channels·patch² → h; embeddings.position_embedding, a √num_patches × √num_patches grid
 *   of h (resized per image); `num_hidden_layers` blocks of layer_norm1, q/k/v/out_proj (biased),
 *   layer_norm2, mlp fc1/fc2 (biased); post_layernorm; pixel shuffle by `pixel_shuffle_scale_factor`
 *   s (no parameters: s×s patches → one vector of h·s²).
 * - model.multimodal_projector: linear_1 h·s² → 4·h·s², SiLU, linear_2 → text hidden, no bias.
 * Images keep their aspect ratio up to a patch budget (the processor's `max_num_patches`, which the
 * remote-code config states as `vision_max_num_patches`): FLOPs per image are given at that budget
 * when the config states it, else null.
 */
import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { ModelSpec, VisionTowerSpec } from '../spec.js';
import { Fields, type Json, MAX } from './fields.js';
import { SIGLIP2_VISION_DEFAULTS } from './lfm2-vl.js';
import { qwen3 } from './qwen3.js';
import { decoder, type Family, withClassDefaults } from './readers.js';
import { SUB_CONFIG_DEFAULTS } from './sub-config-defaults.js';
import { readVitBlocks, vitForwardFlops } from './vision.js';

/** IsaacTextConfig's defaults: Qwen3Config's, with 32,768 positions. */
const ISAAC_TEXT_DEFAULTS: Json = { ...SUB_CONFIG_DEFAULTS.qwen3, max_position_embeddings: 32_768 };

/** IsaacVisionConfig's defaults: Siglip2VisionConfig's, no pixel shuffle. */
const ISAAC_VISION_DEFAULTS: Json = { ...SIGLIP2_VISION_DEFAULTS, pixel_shuffle_scale_factor: 1 };

/** IsaacTextModel: a Qwen3 decoder on every layer full attention (IsaacTextConfig has no sliding window). */
function readIsaacText(f: Fields, name: string): ModelSpec {
  return decoder(withClassDefaults(f, ISAAC_TEXT_DEFAULTS), name, {
    attention: { qkNorm: 'per-head', defaultHeadDim: 128 },
  });
}

/**
 * The vision tower, pixel shuffle and projector (see the file comment), `params` exact. `top` is the
 * IsaacConfig, whose `vision_config` takes IsaacVisionConfig's defaults for the keys it omits.
 */
export function readIsaacVision(top: Fields, textHidden: number): VisionTowerSpec {
  const given = top.child('vision_config') ?? new Fields({}, top.modelType, ['vision_config']);
  const v = withClassDefaults(given, ISAAC_VISION_DEFAULTS);
  const { h, inter, depth } = readVitBlocks(v);
  const channels = v.positiveInt('num_channels', { max: 64 });
  const patch = v.positiveInt('patch_size', { max: 4096 });
  // IsaacVisionEmbeddings: a Parameter of int(√num_patches)² positions, so num_patches must be a square.
  const positions = v.positiveInt('num_patches', { max: MAX.positions });
  const side = Math.round(Math.sqrt(positions));
  if (side * side !== positions)
    v.fail('num_patches', `(${positions}) must be a square: the position table is a √num_patches grid`);
  const s = v.positiveInt('pixel_shuffle_scale_factor', { max: 64 });
  const patchIn = channels * patch * patch;
  // Siglip2EncoderLayer: q, k, v, out_proj (h → h) and fc1, fc2, all biased; two LayerNorms.
  const layerMatmuls = 4 * h * h + 2 * h * inter;
  const block = layerMatmuls + 4 * h + inter + h + 2 * layerNorm(h);
  const tower = linear(patchIn, h) + positions * h + depth * block + layerNorm(h);
  const shuffled = h * s * s;
  const projector = linear(shuffled, 4 * shuffled, false) + linear(4 * shuffled, textHidden, false);
  const budget = top.has('vision_max_num_patches')
    ? top.positiveInt('vision_max_num_patches', { max: 1_000_000 })
    : null;
  const tokens = budget === null ? null : Math.floor(budget / (s * s));
  const flopsPerImage =
    budget === null || tokens === null
      ? null
      : 2 * budget * patchIn * h +
        vitForwardFlops(budget, depth, layerMatmuls, h) +
        2 * tokens * (shuffled * 4 * shuffled + 4 * shuffled * textHidden);
  const at = budget === null ? '' : ` (${budget} patches → ${tokens} tokens per image at the budget)`;
  return {
    description: `SigLIP2 NaFlex ${depth} × ${h}, patch ${patch}, ${s}×${s} pixel shuffle${at}`,
    params: tower + projector,
    patchSize: patch,
    imageSize: null,
    flopsPerImage,
  };
}

/**
 * The `isaac` family: the text model of `text_config` as IsaacTextModel (or, in the release's
 * remote-code layout, the top-level Qwen3 keys), lm_head tied by the top-level `tie_word_embeddings`,
 * and the vision tower and projector counted apart ({@link readIsaacVision}).
 */
export const isaac: Family = (top, name) => {
  const nested = top.child('text_config');
  const spec = nested
    ? readIsaacText(nested, name)
    : qwen3(withClassDefaults(top, SUB_CONFIG_DEFAULTS.qwen3!), name);
  return {
    ...spec,
    modelType: top.modelType,
    tieWordEmbeddings: top.bool('tie_word_embeddings', false),
    vision: readIsaacVision(top, spec.hiddenSize),
  };
};
