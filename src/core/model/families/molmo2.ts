/**
 * Molmo 2 (`molmo2`, remote-code Molmo2ForConditionalGeneration: allenai/Molmo2-4B, Molmo2-8B on
 * Qwen3, Molmo2-O-7B on OLMo 3). Shapes from the released checkpoints' layout (`vit_config`,
 * `adapter_config`, `text_config`) as built by the hub's remote code, stored as an early transformers
 * port of `models/molmo2/configuration_molmo2.py` (Molmo2VitConfig, Molmo2AdapterConfig,
 * Molmo2TextConfig `__init__` defaults) and `modeling_molmo2.py` (Molmo2VisionTransformer,
 * Molmo2VisionBlock, ViTMultiHeadDotProductAttention, ViTMLP, ImageProjectorMLP, Molmo2VisionBackbone,
 * Molmo2Attention, LanguageModelMLP, Molmo2DecoderLayer, Molmo2Embedding, Molmo2TextModel), checked
 * against today's transformers `modeling_molmo2.py` (Molmo2GQAAttention, Molmo2ImageProjectorMLP,
 * Molmo2Config's trim of the ViT to the deepest `vit_layers` entry) and Molmo2-4B's
 * model.safetensors.index.json (4,850,869,200 parameters).
 *
 * - Decoder (model.transformer): wte.embedding [vocab_size, d] plus wte.new_embedding
 *   [`additional_vocab_size`, d] (the image and frame tokens, held as `lookupTableParams`: looked up
 *   like the embedding, never a head row); per block att_proj d → (heads + 2·kv)·head_dim (biased when
 *   `qkv_bias`), attn_out (no bias), with `use_qk_norm` q_norm and k_norm RMSNorms of head_dim
 *   (`qk_norm_type` "qwen3") or of all heads (q heads·head_dim, k kv·head_dim; "olmo"), ff_proj
 *   d → 2·`intermediate_size` (up and gate halves), ff_out `intermediate_size` → d, attn_norm and
 *   ff_norm (RMSNorm; `norm_after` moves them, same parameters); ln_f; lm_head [vocab_size, d] unless
 *   `tie_word_embeddings`. RoPE (`rope_scaling_layers` picks which layers scale it; no parameters).
 * - `spec.vision` (model.vision_backbone): the SigLIP 2 so400m ViT as image_vit, patch_embedding
 *   Linear(patch²·3 → h, biased), positional_embedding [`image_num_pos`, h], no class token, no pre- or
 *   post-LayerNorm, and only the resblocks up to the deepest `vit_layers` entry (25 of the declared 27
 *   for [-3, -9]), each attention_norm, wq/wk/wv/wo (biased), ffn_norm, w1/w2 (biased);
 *   image_pooling_2d: wq/wk/wv of the concatenated `vit_layers` features (h·len) → adapter heads and
 *   wo → adapter `hidden_size` (biased), a masked-mean query over each pooling window; image_projector:
 *   w1 and w3 (adapter `hidden_size` → adapter `intermediate_size`), w2 (→ `text_hidden_size`), no
 *   biases. An image is a low-resolution global view plus up to `max_crops` overlapping crops and a
 *   video frame one view (preprocessor_config.json), so FLOPs per image are not fixed by config.json.
 * The transformers-native layout (`vision_config`, other defaults) is refused rather than misread.
 */
import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { VisionTowerSpec } from '../spec.js';
import { type Fields, type Json, MAX, shown } from './fields.js';
import { decoder, type Family, readKvHeads } from './readers.js';
import { builtSubConfig } from './wrappers.js';

/** Molmo2TextConfig `__init__` defaults (remote code); `num_key_value_heads` None: one per query head. */
export const MOLMO2_TEXT_DEFAULTS: Json = {
  hidden_size: 3584,
  num_attention_heads: 28,
  num_key_value_heads: 4,
  head_dim: 128,
  vocab_size: 152_064,
  additional_vocab_size: 128,
  qkv_bias: true,
  num_hidden_layers: 48,
  intermediate_size: 18_944,
  hidden_act: 'silu',
  max_position_embeddings: 4096,
  use_qk_norm: false,
  qk_norm_type: 'olmo',
};

/** Molmo2VitConfig `__init__` defaults (remote code). */
export const MOLMO2_VIT_DEFAULTS: Json = {
  hidden_size: 1152,
  intermediate_size: 4304,
  num_hidden_layers: 27,
  num_attention_heads: 16,
  num_key_value_heads: 16,
  head_dim: 72,
  image_default_input_size: [378, 378],
  image_patch_size: 14,
  image_num_pos: 577,
};

/** Molmo2AdapterConfig `__init__` defaults (remote code). */
export const MOLMO2_ADAPTER_DEFAULTS: Json = {
  vit_layers: [-3, -9],
  hidden_size: 1152,
  num_attention_heads: 16,
  num_key_value_heads: 16,
  head_dim: 72,
  intermediate_size: 18_944,
  text_hidden_size: 3584,
};

/**
 * ViTMultiHeadDotProductAttention: biased wq (input → heads·head_dim), wk and wv (input →
 * kv·head_dim) and wo (heads·head_dim → `hidden_size`); its parameters and the q width.
 */
function dotProductAttention(f: Fields, input: number): { params: number; width: number } {
  const hidden = f.positiveInt('hidden_size', { max: MAX.hidden });
  const heads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  const kv = readKvHeads(f, heads);
  const headDim = f.positiveInt('head_dim', { max: MAX.headDim });
  const params =
    linear(input, heads * headDim) + 2 * linear(input, kv * headDim) + linear(heads * headDim, hidden);
  return { params, width: heads * headDim };
}

/**
 * `vit_layers` as block indices (a negative one counts back from the declared depth, as
 * Molmo2VisionBackbone resolves it), each within the declared `num_hidden_layers`.
 */
function readVitLayers(adapter: Fields, declared: number): number[] {
  const raw = adapter.raw('vit_layers');
  if (!Array.isArray(raw) || raw.length === 0 || !raw.every((v) => Number.isInteger(v))) {
    return adapter.fail('vit_layers', `must be a non-empty list of integers, got ${shown(raw)}`);
  }
  return (raw as number[]).map((layer) => {
    if (layer < -declared || layer >= declared) {
      adapter.fail('vit_layers', `(${layer}) must index the ${declared} layers of vit_config`);
    }
    return layer < 0 ? layer + declared : layer;
  });
}

/** model.vision_backbone (see the file comment), `params` exact. */
function readMolmo2Vision(top: Fields, textHidden: number): VisionTowerSpec {
  const vit = builtSubConfig(top, 'vit_config', 'molmo2', MOLMO2_VIT_DEFAULTS);
  const adapter = builtSubConfig(top, 'adapter_config', 'molmo2', MOLMO2_ADAPTER_DEFAULTS);
  const h = vit.positiveInt('hidden_size', { max: MAX.hidden });
  const inter = vit.positiveInt('intermediate_size', { max: MAX.intermediate });
  const declared = vit.positiveInt('num_hidden_layers', { max: MAX.layers });
  const patch = vit.positiveInt('image_patch_size', { max: 4096 });
  const positions = vit.positiveInt('image_num_pos', { max: MAX.positions });
  const size = vit.intList('image_default_input_size', 1_000_000);
  if (size.length !== 2 || size.some((s) => s < patch)) {
    vit.fail(
      'image_default_input_size',
      `must be [height, width], each at least image_patch_size (${patch})`,
    );
  }
  const layers = readVitLayers(adapter, declared);
  const depth = Math.max(...layers) + 1;
  const attention = dotProductAttention(vit, h);
  if (attention.width !== h) {
    vit.fail('head_dim', `× num_attention_heads (${attention.width}) must equal hidden_size (${h})`);
  }
  const block = 2 * layerNorm(h) + attention.params + linear(h, inter) + linear(inter, h);
  const tower = linear(patch * patch * 3, h) + positions * h + depth * block;
  const pooling = dotProductAttention(adapter, layers.length * h).params;
  const poolHidden = adapter.positiveInt('hidden_size', { max: MAX.hidden });
  const mlp = adapter.positiveInt('intermediate_size', { max: MAX.intermediate });
  const out = adapter.positiveInt('text_hidden_size', { max: MAX.hidden });
  if (out !== textHidden) {
    adapter.fail('text_hidden_size', `(${out}) must equal text_config.hidden_size (${textHidden})`);
  }
  const projector = 2 * linear(poolHidden, mlp, false) + linear(mlp, out, false);
  return {
    description: `SigLIP 2 ViT ${depth} of ${declared} × ${h} (layers ${layers.join(' and ')} concatenated), ${size[0]}×${size[1]}px crops + a global view, attention pooling, projector SwiGLU ${poolHidden} → ${mlp} → ${out}`,
    params: tower + pooling + projector,
    patchSize: patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/**
 * The `molmo2` family (Molmo2ForConditionalGeneration): the decoder of `text_config` with
 * Molmo2TextConfig's defaults, the extra embedding rows as a lookup table, and the SigLIP 2 tower,
 * pooling attention and projector counted apart ({@link readMolmo2Vision}).
 */
export const molmo2: Family = (top, name) => {
  if (top.has('vision_config') && !top.has('vit_config')) {
    top.fail(
      'vision_config',
      "is transformers' native Molmo2 layout; llmecon reads the released checkpoints' vit_config layout",
    );
  }
  const t = builtSubConfig(top, 'text_config', 'molmo2_text', MOLMO2_TEXT_DEFAULTS);
  const normType = t.string('qk_norm_type', 'olmo');
  if (normType !== 'qwen3' && normType !== 'olmo') {
    t.fail('qk_norm_type', `is '${normType}'; Molmo2Attention builds "qwen3" or "olmo" q/k norms`);
  }
  const qkNorm = t.bool('use_qk_norm', false) ? (normType === 'qwen3' ? 'per-head' : 'full') : 'none';
  const spec = decoder(t, name, {
    attention: { qkvBias: t.bool('qkv_bias', true), outputBias: false, qkNorm },
  });
  const extra = t.int('additional_vocab_size', { fallback: 0, max: MAX.vocab });
  return {
    ...spec,
    modelType: top.modelType,
    tieWordEmbeddings: top.bool('tie_word_embeddings', spec.tieWordEmbeddings),
    ...(extra > 0 ? { lookupTableParams: extra * spec.hiddenSize } : {}),
    vision: readMolmo2Vision(top, spec.hiddenSize),
  };
};
