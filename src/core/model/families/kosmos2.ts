/**
 * Kosmos-2 (`kosmos-2`: microsoft/kosmos-2-patch14-224; its language model `kosmos_2_text_model`), as
 * transformers builds Kosmos2ForConditionalGeneration (`models/kosmos2/modeling_kosmos2.py`,
 * `configuration_kosmos2.py`):
 * - text_model, Kosmos2TextForCausalLM: embed_tokens (`vocab_size` × `embed_dim`, scaled), sinusoidal
 *   positions (a buffer, no parameters), `layers` Kosmos2TextBlocks of self_attn_layer_norm →
 *   KosmosTextAttention (q, k, v, out_proj with biases; `attention_heads` heads; an inner_attn_ln
 *   LayerNorm of the width before out_proj) → final_layer_norm → Kosmos2TextFFN (fc1 → GELU →
 *   ffn_layernorm, a LayerNorm of `ffn_dim` → fc2, with biases), a final layer_norm, and lm_head tied to
 *   the embedding; encoder_attn when `add_cross_attention`, which Kosmos-2 never sets (refused);
 * - vision_model, Kosmos2VisionModel: CLIP's ViT (a bias-free Conv2d patch embedding, class embedding,
 *   position table, pre_layrnorm, encoder layers with biased q, k, v, out_proj, fc1, fc2, post_layernorm);
 * - image_to_text_projection, Kosmos2ImageToTextProjection: dense (vision width → embed_dim, biased) on
 *   every vision token, `latent_query_num` latent queries, and x_attn, a KosmosTextAttention (q, k, v,
 *   out_proj with biases, no inner LayerNorm) whose queries are the latents and whose keys and values
 *   are the projected vision tokens and the latents together.
 * An image of `image_size` becomes `latent_query_num` tokens of the text model's input.
 * The layer's norms: self_attn_layer_norm, inner_attn_ln and final_layer_norm of the width, and
 * ffn_layernorm of `ffn_dim`, the MLP's intermediate norm (`MlpSpec.intermediateNorm`).
 */
import { linearParams as linear } from '../mixer-params.js';
import type { ModelSpec, VisionTowerSpec } from '../spec.js';
import { readMha } from './early-decoders.js';
import { type Fields, type Json, MAX } from './fields.js';
import { baseSpec, type Family, readCommon, uniformLayers, withClassDefaults } from './readers.js';
import { CLIP_VIT_L14_336 } from './tower-config-defaults.js';
import { fixedVitTower } from './vision.js';
import { builtSubConfig } from './wrappers.js';

/** Kosmos2TextConfig's `__init__` defaults (microsoft/kosmos-2-patch14-224's shape). */
const TEXT_DEFAULTS: Json = {
  vocab_size: 65037,
  max_position_embeddings: 2048,
  embed_dim: 2048,
  layers: 24,
  ffn_dim: 8192,
  attention_heads: 32,
  activation_function: 'gelu',
  tie_word_embeddings: true,
  add_cross_attention: false,
};

/** Kosmos2VisionConfig's `__init__` defaults (CLIP ViT-L/14 at 224 px). */
const VISION_DEFAULTS: Json = { ...CLIP_VIT_L14_336, image_size: 224 };

/** The language model, Kosmos2TextForCausalLM (see the file comment). */
export const kosmos2Text: Family = (config, name) => {
  const f = withClassDefaults(config, TEXT_DEFAULTS);
  if (f.bool('add_cross_attention', false)) {
    f.fail('add_cross_attention', 'is true: Kosmos-2 builds no encoder_attn, and llmecon reads none');
  }
  const c = readCommon(f, name, {
    vocab: 'vocab_size',
    hidden: 'embed_dim',
    layers: 'layers',
    positions: 'max_position_embeddings',
  });
  const ffn = f.positiveInt('ffn_dim', { max: MAX.intermediate });
  const spec = baseSpec(f, c, {
    attention: readMha(f, c.hiddenSize, 'attention_heads', { bias: true }),
    mlp: { intermediateSize: ffn, gated: false, bias: true, intermediateNorm: true },
    layers: uniformLayers(c.numLayers, 'dense'),
  });
  return {
    ...spec,
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    norm: { kind: 'layernorm', perLayer: 3 },
    activation: f.string('activation_function', 'gelu'),
  };
};

/** The CLIP tower and the image-to-text projection (see the file comment). */
function readKosmos2Vision(top: Fields, text: ModelSpec): VisionTowerSpec {
  const t = fixedVitTower(
    builtSubConfig(top, 'vision_config', 'kosmos_2_vision_model', VISION_DEFAULTS),
    'clip',
  );
  const latents = top.positiveInt('latent_query_num', { fallback: 64, max: 1_000_000 });
  const h = text.hiddenSize;
  const tokens = t.patches + 1;
  const projection = linear(t.h, h) + latents * h + 4 * linear(h, h);
  // Per image: dense on every vision token, k and v over vision tokens and latents, q and out on the
  // latents, attention of the latents over both.
  const context = tokens + latents;
  const projectionFlops =
    2 * tokens * t.h * h + 2 * context * 2 * h * h + 2 * latents * 2 * h * h + 4 * h * latents * context;
  return {
    description: `CLIP ${t.depth} × ${t.h}, ${t.image}px, patch ${t.patch} (${tokens} vision tokens → ${latents} latent tokens)`,
    params: t.params + projection,
    patchSize: t.patch,
    imageSize: t.image,
    flopsPerImage: t.flops + projectionFlops,
  };
}

/** The `kosmos-2` family: its text model, the vision side counted apart. */
export const kosmos2: Family = (top, name) => {
  const text = builtSubConfig(top, 'text_config', 'kosmos_2_text_model', {});
  const spec = kosmos2Text(text, name);
  return { ...spec, modelType: top.modelType, vision: readKosmos2Vision(top, spec) };
};
