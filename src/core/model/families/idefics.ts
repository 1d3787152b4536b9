/**
 * IDEFICS v1 (`idefics`: HuggingFaceM4/idefics-9b, idefics-80b and their -instruct versions), as
 * transformers builds it (`models/idefics/configuration_idefics.py` IdeficsConfig,
 * IdeficsVisionConfig, IdeficsPerceiverConfig; `modeling_idefics.py` IdeficsModel,
 * IdeficsForVisionText2Text; `perceiver.py`; `vision.py`), the perceiver checked against TGI's port
 * (`server/text_generation_server/models/custom_modeling/idefics_perceiver.py`):
 * - embed_tokens, IdeficsDecoupledEmbedding: `vocab_size` rows plus an `additional_vocab_size` table
 *   trained apart; lm_head, IdeficsDecoupledLinear (no bias): the same rows out; read as one
 *   vocabulary of both, untied unless `tie_word_embeddings`;
 * - layers: `num_hidden_layers` LLaMA layers (IdeficsDecoderLayer: RMSNorm, bias-free q/k/v/o of
 *   `num_attention_heads` full heads with RoPE, RMSNorm, SwiGLU of `intermediate_size`) and the final
 *   RMSNorm;
 * - gated_cross_attn_layers: `num_hidden_layers` / `cross_layer_interval` IdeficsGatedCrossAttentionLayers,
 *   one run before every `cross_layer_interval`-th layer from the first: RMSNorm, q_proj (h → h),
 *   k_proj and v_proj from the vision width `vision_config.embed_dim`, o_proj, per-head q/k RMSNorms
 *   when `qk_layer_norms`, no RoPE; RMSNorm, the layer's SwiGLU; tanh gates alpha_cross_attn and
 *   alpha_dense of 1 (`alpha_type` "float") or h ("vector") each. Read as `cross` layers
 *   (spec.ts `CrossAttentionSpec`: `contextWidth`, `qkNorm`, `gateWidth`);
 * - vision_model, IdeficsVisionTransformer: CLIP's ViT without head (a bias-free Conv2d patch
 *   embedding, class token, (patches + 1) positions, pre- and post-LayerNorms, biased q/k/v/out and
 *   fc1/fc2), counted apart as the vision tower with:
 * - perceiver_resampler when the top-level `use_resampler` (IdeficsPerceiverResampler):
 *   `resampler_n_latents` latents of the vision width E, `resampler_depth` blocks of
 *   IdeficsPerceiverAttention (LayerNorms on context and latents, LayerNorms of `resampler_head_dim` on
 *   q and k when `qk_layer_norms_perceiver`, bias-free q/k/v E → heads·head_dim and output_proj back;
 *   keys and values over context and latents) and a ReLU MLP (LayerNorm, fc E → 4E, c_proj, no bias),
 *   and a final LayerNorm.
 * The cross layers attend to one image's tokens (the latents with the resampler, else the ViT's
 * patches and class token); transformers recomputes their keys and values every forward, llmecon
 * costs them once per image, cached per sequence, like Mllama's.
 */
import type { LayerSpec, VisionTowerSpec } from '../spec.js';
import { Fields, type Json, MAX } from './fields.js';
import { llama } from './llama.js';
import { type Family, withClassDefaults } from './readers.js';
import { fixedVitTower } from './vision.js';

/** IdeficsConfig's `__init__` defaults (the idefics-9b shape). */
const IDEFICS_DEFAULTS: Json = {
  vocab_size: 32000,
  additional_vocab_size: 0,
  hidden_size: 4096,
  intermediate_size: 11008,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  hidden_act: 'silu',
  alpha_type: 'float',
  rms_norm_eps: 1e-6,
  tie_word_embeddings: false,
  cross_layer_interval: 1,
  qk_layer_norms: false,
  use_resampler: false,
};

/** IdeficsVisionConfig's `__init__` defaults. */
const VISION_DEFAULTS: Json = {
  embed_dim: 768,
  image_size: 224,
  intermediate_size: 5120,
  patch_size: 14,
  num_hidden_layers: 32,
  num_attention_heads: 16,
  num_channels: 3,
};

/** IdeficsPerceiverConfig's `__init__` defaults. */
const PERCEIVER_DEFAULTS: Json = {
  resampler_n_latents: 64,
  resampler_depth: 6,
  resampler_n_heads: 16,
  resampler_head_dim: 96,
  qk_layer_norms_perceiver: false,
};

/** The perceiver resampler's parameters and forward FLOPs per image of `context` vision tokens. */
function perceiver(p: Fields, e: number, context: number) {
  const latents = p.positiveInt('resampler_n_latents', { max: 1_000_000 });
  const depth = p.positiveInt('resampler_depth', { max: MAX.layers });
  const inner =
    p.positiveInt('resampler_n_heads', { max: MAX.heads }) *
    p.positiveInt('resampler_head_dim', { max: MAX.headDim });
  const qkNorms = p.bool('qk_layer_norms_perceiver', false)
    ? 2 * 2 * p.positiveInt('resampler_head_dim', { max: MAX.headDim })
    : 0;
  // Attention: two LayerNorms, q/k/v and output_proj; MLP: LayerNorm, fc (E → 4E), c_proj.
  const block = 2 * 2 * e + qkNorms + 4 * e * inner + 2 * e + 2 * 4 * e * e;
  const keys = context + latents;
  const flopsPerBlock =
    2 * (latents * 2 * e * inner + 2 * keys * e * inner + latents * 2 * 4 * e * e) +
    4 * latents * keys * inner;
  return { latents, params: latents * e + depth * block + 2 * e, flops: depth * flopsPerBlock };
}

/** The `idefics` family: the decoder with its gated cross-attention layers; the ViT and resampler apart. */
export const idefics: Family = (config, name) => {
  const f = withClassDefaults(config, IDEFICS_DEFAULTS);
  const text = llama(f, name);
  const n = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const interval = f.positiveInt('cross_layer_interval', { max: MAX.layers });
  // IdeficsModel builds n // interval cross layers but runs one before every interval-th layer.
  if (n % interval !== 0) {
    f.fail(
      'cross_layer_interval',
      `(${interval}) must divide num_hidden_layers (${n}): IdeficsModel builds ${Math.floor(n / interval)} gated cross-attention layers but runs one before each of ${Math.ceil(n / interval)} layers`,
    );
  }
  const alphaType = f.string('alpha_type', 'float');
  if (alphaType !== 'float' && alphaType !== 'vector') {
    f.fail('alpha_type', `must be "float" or "vector" (IdeficsGatedCrossAttentionLayer), got "${alphaType}"`);
  }
  const v =
    f.child('vision_config', VISION_DEFAULTS) ?? new Fields(VISION_DEFAULTS, f.modelType, ['vision_config']);
  const e = v.positiveInt('embed_dim', { max: MAX.hidden });
  const tower = fixedVitTower(v.with({ hidden_size: e }), 'clip');
  const p =
    f.child('perceiver_config', PERCEIVER_DEFAULTS) ??
    new Fields(PERCEIVER_DEFAULTS, f.modelType, ['perceiver_config']);
  const resampler = f.bool('use_resampler', false) ? perceiver(p, e, tower.patches + 1) : null;
  const imageTokens = resampler ? resampler.latents : tower.patches + 1;

  const layers: LayerSpec[] = text.layers.flatMap((l, i) =>
    i % interval === 0 ? [{ attention: 'cross', mlp: 'dense' }, l] : [l],
  );
  const crossLayers = n / interval;
  const a = text.attention;
  const kvWidth = a.kind === 'gqa' ? a.numKvHeads * a.headDim : text.hiddenSize;
  const vision: VisionTowerSpec = {
    description: `CLIP ViT ${tower.depth} × ${e}, ${tower.image}px, patch ${tower.patch}${resampler ? `, perceiver → ${resampler.latents} latents` : ''} (${imageTokens} tokens per image)`,
    params: tower.params + (resampler?.params ?? 0),
    patchSize: tower.patch,
    imageSize: tower.image,
    // The ViT, the resampler and every cross layer's k_proj and v_proj on the image's tokens.
    flopsPerImage: tower.flops + (resampler?.flops ?? 0) + 2 * imageTokens * crossLayers * e * 2 * kvWidth,
  };
  return {
    ...text,
    vocabSize: text.vocabSize + f.int('additional_vocab_size', { max: MAX.vocab }),
    numLayers: layers.length,
    layers,
    crossAttention: {
      contextTokens: imageTokens,
      contextWidth: e,
      qkNorm: f.bool('qk_layer_norms', false) ? 'per-head' : 'none',
      gateWidth: alphaType === 'vector' ? text.hiddenSize : 1,
    },
    vision,
    warnings: [
      ...(text.warnings ?? []),
      `idefics: each sequence's ${crossLayers} gated cross-attention layers attend to one image (${imageTokens} vision tokens), their keys and values costed once and cached per sequence (transformers recomputes them every forward); more images per sequence scale that part`,
    ],
  };
};
