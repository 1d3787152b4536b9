/**
 * BLIP-2 (`blip-2`: Salesforce/blip2-opt-2.7b, -6.7b and their -coco fine-tunes), as transformers
 * builds Blip2ForConditionalGeneration (`models/blip_2/modeling_blip_2.py`, `configuration_blip_2.py`):
 * - vision_model, Blip2VisionModel (EVA ViT-g): a biased Conv2d patch embedding of 3 channels, a class
 *   embedding and a position table of (image_size / patch_size)² + 1 rows, `num_hidden_layers` layers
 *   of LayerNorm → qkv (h → 3h, its bias a 3h parameter when `qkv_bias`: q and v biases and a zero k
 *   slice) → projection (biased) → LayerNorm → fc1, fc2 (biased), and a post_layernorm;
 * - query_tokens: `num_query_tokens` learned queries of the Q-Former width;
 * - qformer, Blip2QFormerModel: a LayerNorm, then `num_hidden_layers` BERT layers of self-attention
 *   (query, key, value and output dense with biases, a LayerNorm), in every `cross_attention_frequency`-th
 *   layer (from layer 0) a cross-attention whose key and value read the vision width
 *   (`encoder_hidden_size`, which Blip2Config sets to the vision hidden_size), and the queries' FFN
 *   (intermediate_query, output_query with a LayerNorm); the text FFN (intermediate, output) only
 *   with `use_qformer_text_input`;
 * - language_projection: Q-Former width → text width, with bias;
 * - language_model: the decoder of `text_config` (OPT by default, OPTConfig's defaults for the keys it
 *   omits), read by llmecon's family of its `model_type`. Blip2Config builds an encoder–decoder
 *   (AutoModelForSeq2SeqLM) for a T5 text_config, which llmecon does not read.
 * An image of `image_size` becomes `num_query_tokens` tokens of the text model's input.
 */
import { linearParams as linear } from '../mixer-params.js';
import type { VisionTowerSpec } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import { type Family, withClassDefaults } from './readers.js';
import { readFixedVit, vitForwardFlops } from './vision.js';
import { builtSubConfig, type FamilyOf, textFamilies } from './wrappers.js';

/** OPTConfig's `__init__` defaults (a blip-2 text_config is written without them). */
const OPT_DEFAULTS: Json = {
  vocab_size: 50272,
  hidden_size: 768,
  num_hidden_layers: 12,
  ffn_dim: 3072,
  max_position_embeddings: 2048,
  do_layer_norm_before: true,
  num_attention_heads: 12,
  enable_bias: true,
  activation_function: 'relu',
  tie_word_embeddings: true,
};

/** Blip2VisionConfig's `__init__` defaults (EVA ViT-g at 224 px). */
const VISION_DEFAULTS: Json = {
  hidden_size: 1408,
  intermediate_size: 6144,
  num_hidden_layers: 39,
  num_attention_heads: 16,
  image_size: 224,
  patch_size: 14,
  qkv_bias: true,
};

/** Blip2QFormerConfig's `__init__` defaults. */
const QFORMER_DEFAULTS: Json = {
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  cross_attention_frequency: 2,
  use_qformer_text_input: false,
};

/** Text models Blip2Config builds as encoder–decoders (AutoModelForSeq2SeqLM). */
const ENCODER_DECODER = new Set(['t5', 'mt5', 'umt5']);

/** The EVA ViT-g tower: its parameters, forward FLOPs per image, width and tokens (patches + class). */
function readEvaVit(v: Fields) {
  // The patch Conv2d takes 3 channels whatever `num_channels` says (Blip2VisionEmbeddings).
  const { h, depth, inter, patch, image, patches } = readFixedVit(v);
  const qkvBias = v.bool('qkv_bias', true) ? 3 * h : 0;
  const layerMatmuls = 4 * h * h + 2 * h * inter;
  const layer = layerMatmuls + qkvBias + h + inter + h + 2 * 2 * h;
  const tokens = patches + 1;
  const params = 3 * patch * patch * h + h + h + tokens * h + depth * layer + 2 * h;
  const flops = 2 * patches * 3 * patch * patch * h + vitForwardFlops(tokens, depth, layerMatmuls, h);
  return { h, depth, patch, image, tokens, params, flops };
}

/** The vision tower, query tokens, Q-Former and language projection (see the file comment). */
function readBlip2Vision(top: Fields, textHidden: number): VisionTowerSpec {
  const vit = readEvaVit(builtSubConfig(top, 'vision_config', 'blip_2_vision_model', VISION_DEFAULTS));
  const q = builtSubConfig(top, 'qformer_config', 'blip_2_qformer', QFORMER_DEFAULTS);
  const w = q.positiveInt('hidden_size', { max: MAX.hidden });
  const depth = q.positiveInt('num_hidden_layers', { max: MAX.layers });
  const heads = q.positiveInt('num_attention_heads', { max: MAX.heads });
  if (w % heads !== 0) q.fail('num_attention_heads', `(${heads}) must divide the hidden size (${w})`);
  const inter = q.positiveInt('intermediate_size', { max: MAX.intermediate });
  const frequency = q.positiveInt('cross_attention_frequency', { max: MAX.layers });
  const textFfn = q.bool('use_qformer_text_input', false);
  const queries = top.positiveInt('num_query_tokens', { fallback: 32, max: 1_000_000 });
  // Blip2QFormerAttention: the attention's projections, then the output dense and its LayerNorm.
  const output = linear(w, w) + 2 * w;
  const selfAttention = 3 * linear(w, w) + output;
  const crossAttention = linear(w, w) + 2 * linear(vit.h, w) + output;
  const ffn = linear(w, inter) + linear(inter, w) + 2 * w;
  const crossLayers = Math.ceil(depth / frequency);
  const qformer = 2 * w + depth * (selfAttention + ffn * (textFfn ? 2 : 1)) + crossLayers * crossAttention;
  const projection = linear(w, textHidden);
  // Per image: the queries through every layer; each cross layer projects the vision tokens' k and v.
  const qformerFlops =
    depth * (2 * queries * (4 * w * w + 2 * w * inter) + 4 * w * queries * queries) +
    crossLayers * (2 * queries * 2 * w * w + 2 * vit.tokens * 2 * vit.h * w + 4 * w * queries * vit.tokens);
  return {
    description: `EVA ViT-g ${vit.depth} × ${vit.h}, ${vit.image}px, patch ${vit.patch}, Q-Former ${depth} × ${w} (${vit.tokens} vision tokens → ${queries} tokens)`,
    params: vit.params + queries * w + qformer + projection,
    patchSize: vit.patch,
    imageSize: vit.image,
    flopsPerImage: vit.flops + qformerFlops + 2 * queries * w * textHidden,
  };
}

/** The `blip-2` family: the decoder of `text_config` (OPT-2.7B's shape by default), the vision side counted apart. */
export function blip2Wrapper(familyOf: FamilyOf): Family {
  const families = textFamilies(familyOf, 'Blip2ForConditionalGeneration');
  return (top, name) => {
    const plain = builtSubConfig(top, 'text_config', 'opt', {});
    const type = plain.string('model_type', 'opt');
    if (ENCODER_DECODER.has(type)) {
      plain.fail(
        'model_type',
        `('${type}') is an encoder–decoder language model (BLIP-2 builds it with AutoModelForSeq2SeqLM); llmecon reads decoder-only text models`,
      );
    }
    const text = type === 'opt' ? withClassDefaults(plain, OPT_DEFAULTS) : plain;
    const spec = (families(type) as Family)(text, name);
    return { ...spec, modelType: top.modelType, vision: readBlip2Vision(top, spec.hiddenSize) };
  };
}
