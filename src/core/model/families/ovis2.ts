/**
 * AIDC-AI Ovis2 in transformers format (`ovis2`: thisisiron/Ovis2-1B-hf, Ovis2-2B-hf, converted from
 * AIDC-AI/Ovis2-* by `models/ovis2/convert_ovis2_weights_to_hf.py`). transformers
 * `models/ovis2/configuration_ovis2.py` (Ovis2Config, Ovis2VisionConfig), `modular_ovis2.py` and
 * `modeling_ovis2.py` (Ovis2VisionEmbeddings, Ovis2VisionEncoderLayer = Aimv2EncoderLayer,
 * Ovis2VisionTransformer, Ovis2VisionModel, Ovis2VisualEmbeddingTable, Ovis2Model,
 * Ovis2ForConditionalGeneration):
 * - model.language_model: AutoModel of `text_config` (Qwen2 when it names none), read by the family of
 *   its own `model_type`; lm_head (hidden_size → vocab_size, no bias), tied to embed_tokens when the
 *   top-level `tie_word_embeddings` (class default true) says so: transformers 5 ties by the
 *   wrapper's config.
 * - model.vision_tower, the visual tokenizer: embeddings (patch_embedding Conv2d with bias,
 *   rms_norm, a learned position table of (image/patch)² rows), `num_hidden_layers` AIMv2 blocks
 *   (rms_norm1 → q/k/v/out_proj, biased when `qkv_bias` → rms_norm2 → SwiGLU gate/up/down, biased when
 *   `mlp_bias`), a final rms_norm; the hidden-stride merge (s×s neighbours concatenated, no weights);
 *   head_linear (h·s² → vocab − indicators, no bias) and head_norm (LayerNorm of vocab − indicators),
 *   whose softmax is a probability over the visual vocabulary.
 * - model.visual_embeddings_table: `vision_config.vocab_size` rows × the top-level `hidden_size`;
 *   each visual token is its probabilities (indicator columns zero) times the table, and the last
 *   `num_visual_indicator_tokens` rows embed the image-layout tokens.
 * Vision keys a config omits take Ovis2VisionConfig's defaults, whatever its `model_type` says.
 */
import type { VisionTowerSpec } from '../spec.js';
import { Fields, type Json, MAX } from './fields.js';
import { type Family, withClassDefaults } from './readers.js';
import { squarePatches, vitForwardFlops } from './vision.js';
import { type FamilyOf, textFamilies, wrapped } from './wrappers.js';

/** Ovis2VisionConfig's defaults (an AIMv2-large tower at 224 px, a 16,384-token visual vocabulary). */
const OVIS2_VISION_DEFAULTS: Json = {
  hidden_size: 1024,
  intermediate_size: 2816,
  num_hidden_layers: 24,
  num_attention_heads: 8,
  num_channels: 3,
  image_size: 224,
  patch_size: 14,
  qkv_bias: false,
  mlp_bias: false,
  vocab_size: 16_384,
  hidden_stride: 1,
  num_visual_indicator_tokens: 5,
};

/** Ovis2Config's top-level defaults: the width of the visual table and lm_head, and lm_head's rows. */
const OVIS2_TOP_DEFAULTS: Json = { hidden_size: 1536, vocab_size: 151_643, tie_word_embeddings: true };

/** The visual tokenizer and visual embedding table (see the file comment); FLOPs for one `image_size` tile. */
function readOvis2Vision(top: Fields, textHidden: number): VisionTowerSpec {
  const v =
    top.child('vision_config', OVIS2_VISION_DEFAULTS) ??
    new Fields(OVIS2_VISION_DEFAULTS, top.modelType, ['vision_config']);
  const h = v.positiveInt('hidden_size', { max: MAX.hidden });
  v.divide('hidden_size', 'num_attention_heads', MAX.hidden);
  const depth = v.positiveInt('num_hidden_layers', { max: MAX.layers });
  const inter = v.positiveInt('intermediate_size', { max: MAX.intermediate });
  const channels = v.positiveInt('num_channels', { max: 64 });
  const patch = v.positiveInt('patch_size', { max: 4096 });
  const image = v.positiveInt('image_size', { max: 1_000_000 });
  const patches = squarePatches(v, image, patch);
  const stride = v.positiveInt('hidden_stride', { max: 64 });
  const vocab = v.positiveInt('vocab_size', { max: MAX.vocab });
  const indicators = v.int('num_visual_indicator_tokens', { max: MAX.vocab });
  if (indicators >= vocab)
    v.fail('num_visual_indicator_tokens', `(${indicators}) must be below vocab_size (${vocab})`);
  const width = top.positiveInt('hidden_size', { max: MAX.hidden });
  if (width !== textHidden)
    top.fail(
      'hidden_size',
      `(${width}) must equal the text model's hidden_size (${textHidden}): visual tokens replace token embeddings`,
    );
  const qkvBias = v.bool('qkv_bias', false) ? 4 * h : 0;
  const mlpBias = v.bool('mlp_bias', false) ? 2 * inter + h : 0;
  const layerMatmuls = 4 * h * h + 3 * h * inter;
  const block = layerMatmuls + qkvBias + mlpBias + 2 * h;
  const embeddings = channels * patch * patch * h + h + patches * h + h;
  const heads = vocab - indicators;
  const head = h * stride * stride * heads + 2 * heads;
  const table = vocab * width;
  // The s×s merge pads the patch grid's side up to a multiple of s.
  const tokens = Math.ceil(Math.sqrt(patches) / stride) ** 2;
  const flopsPerImage =
    2 * patches * channels * patch * patch * h +
    vitForwardFlops(patches, depth, layerMatmuls, h) +
    2 * tokens * (h * stride * stride * heads + vocab * width);
  return {
    description: `Ovis2 ViT ${depth} × ${h}, ${image}px, patch ${patch} (${patches} patches → ${tokens} visual tokens), visual vocab ${vocab}`,
    params: embeddings + depth * block + h + head + table,
    patchSize: patch,
    imageSize: image,
    flopsPerImage,
  };
}

/** The `ovis2` family (see the file comment); `familyOf` reads the text model by its `model_type`. */
export function ovis2Wrapper(familyOf: FamilyOf): Family {
  const inner = wrapped(textFamilies(familyOf, 'Ovis2Config'), {
    textType: 'qwen2',
    vision: readOvis2Vision,
  });
  return (config, name) => {
    const top = withClassDefaults(config, OVIS2_TOP_DEFAULTS);
    const spec = inner(top.has('text_config') ? top : top.with({ text_config: {} }), name);
    const tie = top.bool('tie_word_embeddings', true);
    const vocab = top.positiveInt('vocab_size', { max: MAX.vocab });
    if (!tie && vocab !== spec.vocabSize)
      top.fail(
        'vocab_size',
        `(${vocab}) must equal the text model's vocab_size (${spec.vocabSize}) when lm_head is untied: llmecon sizes the head as the token embedding`,
      );
    return { ...spec, tieWordEmbeddings: tie };
  };
}
