/**
 * Molmo (`molmo`, remote-code MolmoForCausalLM: allenai/Molmo-7B-D-0924, Molmo-7B-O-0924, Molmo-72B-0924).
 * Shapes from the release's remote code as stored: `config_molmo.py` (MolmoConfig, its `__init__`
 * defaults) and `modeling_molmo.py` (MolmoForCausalLM builds a FullMolmoConfig with a fixed
 * VisionBackboneConfig: `image_num_layers` 23, `vit_layers` [-2, -9], `image_pooling_2d`
 * "attention-meanq", `image_padding_embed` "pad_and_partial_pad", `additional_vocab_size` 128,
 * `include_bias` false; VisionTransformer, MultiHeadDotProductAttention, MLP, OLMoVisionBackbone),
 * checked against vLLM `model_executor/models/molmo.py` (VisionBackboneConfig, MolmoAttention,
 * MolmoMLP, MolmoVisionBackbone, MolmoModel, MolmoForCausalLM and its weight mapper).
 *
 * - Decoder (model.transformer): wte.embedding [embedding_size, d] plus wte.new_embedding
 *   [128, d] (the image-token rows, held as `lookupTableParams`: looked up like the embedding, never
 *   a head row); per block att_proj (d → (heads + 2·kv)·head_dim, biased when `qkv_bias`),
 *   attn_out (no bias), with `attention_layer_norm` q_norm RMSNorm(d) and k_norm RMSNorm(kv·head_dim),
 *   ff_proj d → `intermediate_size` (the fused gate and up halves), ff_out `intermediate_size`/2 → d,
 *   attn_norm and ff_norm (RMSNorm, weight only; `norm_after` moves them, same parameters); ln_f;
 *   ff_out [embedding_size, d] unless `weight_tying`. head_dim = d / heads, RoPE.
 * - `spec.vision` (model.vision_backbone), fixed in code, not read from config.json: OpenAI CLIP
 *   ViT-L/14-336 as image_vit: patch_embedding Linear(14·14·3 → 1024, no bias), class_embedding,
 *   577 positions, pre_ln, and only the 23 resblocks up to the deepest feature used (layer −2; the
 *   checkpoint holds 23), each attention_norm, wq/wk/wv/wo (biased), ffn_norm, w1/w2 (biased), no
 *   post-LayerNorm; pad_embed [2, 2·1024]; image_pooling_2d: wq/wk/wv 2·1024 → 1024 and wo 1024 →
 *   1024 (biased) pooling 2×2 patches with a mean query; image_projector: w1 and w3 (1024 →
 *   `intermediate_size`/2), w2 (`intermediate_size`/2 → d), no biases. An image is a global view plus
 *   up to `max_crops` overlapping 336px crops (preprocessor_config.json), so FLOPs per image are not
 *   fixed by config.json.
 * MolmoE-1B (`moe_num_experts`, an OLMoE decoder) is refused.
 */
import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { VisionTowerSpec } from '../spec.js';
import { Fields, type Json, MAX } from './fields.js';
import { decoder, type Family, withClassDefaults } from './readers.js';
import { CLIP_VIT_L14_336 } from './tower-config-defaults.js';
import { fixedVitTower } from './vision.js';

/** MolmoConfig `__init__` defaults (config_molmo.py); `num_key_value_heads` None: one per query head. */
export const MOLMO_DEFAULTS: Json = {
  vocab_size: 50_304,
  embedding_size: 50_304,
  hidden_size: 4096,
  intermediate_size: 11_008,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  max_position_embeddings: 2048,
  qkv_bias: false,
  weight_tying: false,
  attention_layer_norm: false,
  layer_norm_type: 'rms',
};

/** FullMolmoConfig `additional_vocab_size`, set in MolmoForCausalLM (vLLM ADDITIONAL_VOCAB_SIZE). */
const ADDITIONAL_VOCAB_SIZE = 128;
/** The ViT features concatenated per patch (`vit_layers` [-2, -9]). */
const VIT_LAYERS = 2;
/** The deepest feature used is layer −2 of CLIP-L's 24, so 23 resblocks are built. */
const CLIP_VIT_LARGE_PATCH14_336: Json = { ...CLIP_VIT_L14_336, num_hidden_layers: 23 };

/** model.vision_backbone (see the file comment), `params` exact; `mlpHalf` is `intermediate_size`/2. */
function readMolmoVision(top: Fields, textHidden: number, mlpHalf: number): VisionTowerSpec {
  const t = fixedVitTower(new Fields(CLIP_VIT_LARGE_PATCH14_336, top.modelType), 'clip');
  // Molmo's VisionTransformer has no post-LayerNorm; its Linear patch embedding counts as CLIP's conv.
  const tower = t.params - layerNorm(t.h);
  const features = VIT_LAYERS * t.h;
  const padEmbed = 2 * features;
  const pooling = 3 * linear(features, t.h) + linear(t.h, t.h);
  const projector = 2 * linear(t.h, mlpHalf, false) + linear(mlpHalf, textHidden, false);
  const s = Math.ceil(Math.sqrt(t.patches) / 2);
  return {
    description: `CLIP ViT-L/14 ${t.depth} × ${t.h} (layers −2 and −9 concatenated), ${t.image}px crops + a global view, attention-pooled 2×2 to ${s}×${s} per crop, projector SwiGLU ${t.h} → ${mlpHalf} → ${textHidden}`,
    params: tower + padEmbed + pooling + projector,
    patchSize: t.patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/**
 * The `molmo` family (MolmoForCausalLM): the OLMo-style decoder read from the flat config with
 * MolmoConfig's defaults, the 128 extra embedding rows as a lookup table, and the fixed CLIP tower,
 * pooling attention and projector counted apart ({@link readMolmoVision}).
 */
export const molmo: Family = (top, name) => {
  const f = withClassDefaults(top, MOLMO_DEFAULTS);
  const experts = f.int('moe_num_experts', { fallback: 0, max: 1_000_000 });
  if (experts > 0)
    f.fail('moe_num_experts', `(${experts}): MolmoE's OLMoE decoder is not read, only dense Molmo`);
  const normType = f.string('layer_norm_type', 'rms');
  if (normType !== 'rms')
    f.fail('layer_norm_type', `is '${normType}'; MolmoForCausalLM builds RMSNorms only ("rms")`);
  // The head and wte.embedding have `embedding_size` rows (`vocab_size` when it is null).
  const rows =
    f.raw('embedding_size') === null
      ? f.positiveInt('vocab_size', { max: MAX.vocab })
      : f.positiveInt('embedding_size', { max: MAX.vocab });
  const fused = f.positiveInt('intermediate_size', { max: MAX.intermediate });
  if (fused % 2 !== 0)
    f.fail('intermediate_size', `(${fused}) must be even: ff_proj holds the gate and up halves`);
  const qkNorm = f.bool('attention_layer_norm', false) ? 'full' : 'none';
  const spec = decoder(f.with({ embedding_size: rows }), name, {
    keys: {
      vocab: 'embedding_size',
      hidden: 'hidden_size',
      layers: 'num_hidden_layers',
      positions: 'max_position_embeddings',
    },
    attention: { qkvBias: f.bool('qkv_bias', false), outputBias: false, qkNorm },
    mlp: { intermediateSize: fused / 2, gated: true, bias: false },
  });
  return {
    ...spec,
    tieWordEmbeddings: f.bool('weight_tying', false),
    lookupTableParams: ADDITIONAL_VOCAB_SIZE * spec.hiddenSize,
    vision: readMolmoVision(f, spec.hiddenSize, fused / 2),
  };
};
