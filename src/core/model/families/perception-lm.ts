/**
 * Meta PerceptionLM (`perception_lm`; facebook/Perception-LM-1B, -3B, -8B). transformers
 * `models/perception_lm/configuration_perception_lm.py` (PerceptionLMConfig), `modular_perception_lm.py`
 * → `modeling_perception_lm.py` (PerceptionLMModel, PerceptionLMMultiModalProjector,
 * PerceptionLMAdaptiveAvgPooling, PerceptionLMForConditionalGeneration), the checkpoints' converter
 * `convert_perception_lm_weights_to_hf.py`, `models/timm_wrapper/modeling_timm_wrapper.py`
 * (TimmWrapperModel) and timm `timm/models/eva.py` (Eva, EvaBlock, the `vit_pe_*` registrations and
 * their `_pe_cfg` input sizes), `timm/layers/attention.py` (AttentionRope), `attention_pool.py`
 * (AttentionPoolLatent), `mlp.py` (Mlp), `patch_embed.py` (PatchEmbed), `pos_embed_sincos.py`:
 * - model.language_model: AutoModel of `text_config` (Llama 3.2 1B / 3B, Llama 3.1 8B), read by the
 *   family of its own `model_type`; lm_head (text hidden → vocab, no bias), tied to embed_tokens by the
 *   top-level `tie_word_embeddings`, which PerceptionLMConfig takes from text_config when unset.
 * - model.vision_tower.timm_model: `timm.create_model(vision_config.architecture, num_classes=0,
 *   **model_args)`, a Perception Encoder Eva: patch_embed.proj (Conv2d channels → h over patch², biased
 *   only without the pre-norm), cls_token (h) and reg_token (registers × h) when built, pos_embed
 *   ((patches + prefix tokens) × h), norm_pre (LayerNorm), `depth` EvaBlocks of norm1, attn (AttentionRope:
 *   fused qkv h → 3h and proj h → h, biased; EvaAttention's k carries no bias), gamma_1 (layer scale h,
 *   when `init_values`), norm2, mlp (fc1 h → ⌊h·mlp_ratio⌋, GELU, fc2, biased), gamma_2; norm
 *   (post-norm) and fc_norm as Eva resolves them; attn_pool (AttentionPoolLatent: latent, q, kv, proj,
 *   norm, mlp) when `global_pool` is 'map'; no head (num_classes 0). RoPE tables are non-persistent
 *   buffers, not parameters. Architecture settings the config's `model_args` omit are timm's.
 * - model.multi_modal_projector: linear_1 (model_args.embed_dim → text hidden) → GELU → linear_2 (text
 *   hidden → text hidden), both biased; then adaptive average pooling of the √tokens grid by
 *   `projector_pooling_ratio` (no parameters). The cls token is dropped first when `vision_use_cls_token`.
 * Images are cut into tiles of the tower's size (a thumbnail plus up to 36 by the processor) and videos
 * into frames, so FLOPs per image are not fixed by the config.
 */
import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { VisionTowerSpec } from '../spec.js';
import { type Fields, type Json, MAX, shown } from './fields.js';
import type { Family } from './readers.js';
import { type FamilyOf, subConfig, textFamilies, wrapped } from './wrappers.js';

/** Eva `__init__` defaults for the keys read here (timm `models/eva.py`). */
const EVA_DEFAULTS: Json = {
  in_chans: 3,
  global_pool: 'avg',
  qkv_bias: true,
  mlp_ratio: 4,
  attn_type: 'eva',
  class_token: true,
  num_reg_tokens: 0,
  no_embed_class: false,
  use_abs_pos_emb: true,
  use_pre_transformer_norm: false,
};

/** Eva settings this reader does not count, with the value under which the count above is exact. */
const UNREAD: Readonly<Record<string, unknown>> = {
  swiglu_mlp: false,
  scale_mlp: false,
  scale_attn_inner: false,
  use_post_norm: false,
  rope_type: 'cat',
  attn_head_dim: null,
};

/** A `vit_pe_*` registration: its model_args plus `img_size` from its default tag's `input_size`. */
const pe = (
  patch_size: number,
  embed_dim: number,
  depth: number,
  num_heads: number,
  img_size: number,
): Json => ({
  patch_size,
  embed_dim,
  depth,
  num_heads,
  img_size,
  attn_type: 'rope',
  use_pre_transformer_norm: true,
});
/** PE-Core: attention-pool head; PE-Lang and PE-Spatial: no post-norm, no fc_norm. */
const CORE: Json = { global_pool: 'map', attn_pool_num_heads: 8, attn_pool_mlp_ratio: 4 };
const PLAIN: Json = { use_post_transformer_norm: false, use_fc_norm: false };
const GIANT: Json = { mlp_ratio: 8960 / 1536, class_token: false };

/** The Perception Encoder architectures timm registers (`models/eva.py`), by name. */
const PE_ARCHITECTURES: Readonly<Record<string, Json>> = {
  vit_pe_core_tiny_patch16_384: { ...pe(16, 192, 12, 3, 384), ...CORE },
  vit_pe_core_small_patch16_384: { ...pe(16, 384, 12, 6, 384), ...CORE },
  vit_pe_core_base_patch16_224: { ...pe(16, 768, 12, 12, 224), ...CORE },
  vit_pe_core_large_patch14_336: { ...pe(14, 1024, 24, 16, 336), ...CORE },
  vit_pe_core_gigantic_patch14_448: { ...pe(14, 1536, 50, 16, 448), ...CORE, ...GIANT },
  vit_pe_lang_large_patch14_448: { ...pe(14, 1024, 23, 16, 448), ...PLAIN, init_values: 0.1 },
  vit_pe_lang_gigantic_patch14_448: { ...pe(14, 1536, 47, 16, 448), ...PLAIN, ...GIANT, init_values: 0.1 },
  vit_pe_spatial_tiny_patch16_512: { ...pe(16, 192, 12, 3, 512), ...PLAIN },
  vit_pe_spatial_small_patch16_512: { ...pe(16, 384, 12, 6, 512), ...PLAIN },
  vit_pe_spatial_base_patch16_512: { ...pe(16, 768, 12, 12, 512), ...PLAIN },
  vit_pe_spatial_large_patch14_448: { ...pe(14, 1024, 24, 16, 448), ...PLAIN },
  vit_pe_spatial_gigantic_patch14_448: { ...pe(14, 1536, 50, 16, 448), ...PLAIN, ...GIANT, init_values: 0.1 },
};

const GLOBAL_POOLS = ['', 'avg', 'avgmax', 'max', 'token', 'map'];

/** An int or an [a, b] pair (timm `to_2tuple`), as [a, b]. */
function pair(f: Fields, key: string): [number, number] {
  const value = f.raw(key);
  if (Array.isArray(value)) {
    const list = f.intList(key, 1_000_000);
    if (list.length !== 2 || list[0] === 0 || list[1] === 0)
      f.fail(key, `must be a positive integer or a list of two, got ${shown(value)}`);
    return [list[0] as number, list[1] as number];
  }
  const n = f.positiveInt(key, { max: 1_000_000 });
  return [n, n];
}

/** A nullable bool (Eva's `use_post_transformer_norm`, `use_fc_norm`): null when unset. */
const maybeBool = (f: Fields, key: string): boolean | null => (f.has(key) ? f.bool(key, false) : null);

/** AttentionPoolLatent(h, mlp_ratio) with out_features h: latent, q, kv, proj, norm, mlp. */
function attentionPoolParams(h: number, mlpRatio: number): number {
  const inner = Math.trunc(h * mlpRatio);
  return (
    h + linear(h, h) + linear(h, 2 * h) + linear(h, h) + layerNorm(h) + linear(h, inner) + linear(inner, h)
  );
}

/** The Eva tower TimmWrapperModel builds from `vision_config` (see the file comment), `params` exact. */
export function readPerceptionEncoder(v: Fields) {
  const type = v.string('model_type', 'timm_wrapper');
  if (type !== 'timm_wrapper')
    v.fail('model_type', `is '${type}'; PerceptionLM's projector reads a 'timm_wrapper' tower's model_args`);
  const arch = v.string('architecture', '');
  const base = PE_ARCHITECTURES[arch];
  if (!base)
    v.fail(
      'architecture',
      `(${shown(v.raw('architecture') ?? null)}) is not a Perception Encoder llmecon counts; known: ${Object.keys(PE_ARCHITECTURES).join(', ')}`,
    );
  // PerceptionLMMultiModalProjector reads model_args["embed_dim"]: without it the model is not built.
  const given = v.child('model_args');
  if (!given?.has('embed_dim')) v.fail('model_args', 'must give embed_dim (the projector reads it)');
  const a = v.child('model_args', { ...EVA_DEFAULTS, ...base }) as Fields;
  for (const [key, exact] of Object.entries(UNREAD)) {
    if (a.has(key) && a.raw(key) !== exact)
      a.fail(key, `(${shown(a.raw(key))}) changes the blocks in ways llmecon does not count`);
  }
  const h = a.positiveInt('embed_dim', { max: MAX.hidden });
  const depth = a.positiveInt('depth', { max: MAX.layers });
  const heads = a.positiveInt('num_heads', { max: MAX.heads });
  if (h % heads !== 0) a.fail('num_heads', `(${heads}) must divide embed_dim (${h})`);
  const mlpRatio = a.positiveNumber('mlp_ratio', 1_000);
  const [ph, pw] = pair(a, 'patch_size');
  const [ih, iw] = pair(a, 'img_size');
  if (ih < ph || iw < pw) a.fail('img_size', `(${ih} × ${iw}) must hold at least one patch (${ph} × ${pw})`);
  const channels = a.positiveInt('in_chans', { max: 64 });
  const pool = a.string('global_pool', 'avg');
  if (!GLOBAL_POOLS.includes(pool))
    a.fail('global_pool', `must be one of ${GLOBAL_POOLS.map((p) => `'${p}'`).join(', ')}`);
  const registers = a.int('num_reg_tokens', { max: 1_000 });
  const prefix = (a.bool('class_token', true) ? 1 : 0) + registers;
  const preNorm = a.bool('use_pre_transformer_norm', false);
  const fcNorm = maybeBool(a, 'use_fc_norm') ?? pool === 'avg';
  const postNorm = maybeBool(a, 'use_post_transformer_norm') ?? !fcNorm;
  const patches = Math.floor(ih / ph) * Math.floor(iw / pw);
  const positions = patches + (a.bool('no_embed_class', false) ? 0 : prefix);
  const qkvBias = a.bool('qkv_bias', true) ? (a.string('attn_type', 'eva') === 'rope' ? 3 * h : 2 * h) : 0;
  const inner = Math.trunc(h * mlpRatio);
  const layerScale = a.has('init_values') ? 2 * h : 0;
  const block =
    2 * layerNorm(h) + 3 * h * h + qkvBias + linear(h, h) + layerScale + linear(h, inner) + linear(inner, h);
  // Eva: AttentionPoolLatent(mlp_ratio=attn_pool_mlp_ratio or mlp_ratio).
  const poolRatio = a.has('attn_pool_mlp_ratio') ? a.positiveNumber('attn_pool_mlp_ratio', 1_000) : mlpRatio;
  const attnPool = pool === 'map' ? attentionPoolParams(h, poolRatio) : 0;
  const params =
    linear(channels * ph * pw, h, !preNorm) +
    prefix * h +
    (a.bool('use_abs_pos_emb', true) ? positions * h : 0) +
    (preNorm ? layerNorm(h) : 0) +
    depth * block +
    (postNorm ? layerNorm(h) : 0) +
    attnPool +
    (fcNorm ? layerNorm(h) : 0);
  return {
    arch,
    h,
    depth,
    patch: ph,
    image: ih === iw ? `${ih}px` : `${ih}×${iw}px`,
    patches,
    prefix,
    params,
  };
}

/** The PE tower, projector and pooling (see the file comment), given the text model's width. */
function readPerceptionLmVision(top: Fields, textHidden: number): VisionTowerSpec {
  // Without one, PerceptionLMConfig builds TimmWrapperConfig(), whose model_args the projector cannot read.
  const v =
    subConfig(top, 'vision_config', 'timm_wrapper') ??
    top.fail('vision_config', 'is required: the projector reads its model_args.embed_dim');
  const t = readPerceptionEncoder(v);
  const tokens = t.patches + t.prefix - (top.bool('vision_use_cls_token', true) ? 1 : 0);
  const ratio = top.positiveInt('projector_pooling_ratio', { fallback: 1, max: 64 });
  const side = Math.round(Math.sqrt(tokens));
  // PerceptionLMAdaptiveAvgPooling: the tokens must form a square grid, pooled to ⌊side / ratio⌋².
  if (ratio > 1 && side * side !== tokens)
    top.fail(
      'projector_pooling_ratio',
      `(${ratio}) pools a square grid, but each tile gives ${tokens} tokens`,
    );
  const pooled = ratio > 1 ? Math.floor(side / ratio) ** 2 : tokens;
  return {
    description: `Perception Encoder ${t.depth} × ${t.h} (${t.arch}), ${t.image} tiles, patch ${t.patch} (${t.patches} patches → ${pooled} tokens)`,
    params: t.params + linear(t.h, textHidden) + linear(textHidden, textHidden),
    patchSize: t.patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/**
 * The `perception_lm` family: the text model of `text_config` (LlamaConfig's defaults when absent, by
 * its own `model_type`), lm_head tied by the top-level `tie_word_embeddings` (else text_config's), and
 * the Perception Encoder tower with its projector counted apart ({@link readPerceptionEncoder}).
 */
export function perceptionLmWrapper(familyOf: FamilyOf): Family {
  const inner = wrapped(textFamilies(familyOf, 'PerceptionLMConfig'), {
    textType: 'llama',
    vision: readPerceptionLmVision,
  });
  return (config, name) => {
    const top = config.has('text_config') ? config : config.with({ text_config: {} });
    const spec = inner(top, name);
    return { ...spec, tieWordEmbeddings: top.bool('tie_word_embeddings', spec.tieWordEmbeddings) };
  };
}
