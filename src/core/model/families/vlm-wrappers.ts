/**
 * Vision-language wrappers over text models llmecon already reads, with their vision towers and
 * projectors counted apart (`VisionTowerSpec.params`, tower + projector):
 * - `kimi_vl` (Kimi-VL-A3B): a DeepSeek-V3 `text_config`, MoonViT and the KimiVL projector;
 * - `deepseek_vl_v2` (DeepSeek-VL2, -Small, -Tiny; DeepSeek-OCR): a DeepSeek-V2 MoE `language_config`,
 *   a timm SigLIP ViT (`vision_config`), or DeepSeek-OCR's DeepEncoder (deepseek-ocr.ts), and the
 *   MlpProjector (`projector_config`);
 * - `idefics3` and `smolvlm` (Idefics3, SmolVLM, SmolVLM2): a Llama `text_config`, the Idefics3
 *   SigLIP ViT and the pixel-shuffle connector.
 * Each module is named in its reader with the code it was read from. Images are tiled or kept at
 * their own size, so no wrapper here fixes FLOPs per image but DeepSeek-OCR's, for its global view.
 */

import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { ModelSpec, VisionTowerSpec } from '../spec.js';
import { deepseekMoeKeys } from './deepseek.js';
import { readDeepEncoder } from './deepseek-ocr.js';
import { Fields, type Json, MAX, shown } from './fields.js';
import { decoder, type Family, readGatedMlp, readGqa, withClassDefaults } from './readers.js';
import { readFixedVit, readMoonVitShape } from './vision.js';
import { type FamilyOf, subConfig, wrapped } from './wrappers.js';

/** A pre-norm ViT block: two LayerNorms, q/k/v/out (fused or not, all biased), fc1 and fc2 (biased). */
const vitBlock = (h: number, inter: number) =>
  2 * layerNorm(h) + 4 * linear(h, h) + linear(h, inter) + linear(inter, h);

// ---------------------------------------------------------------------------------------------
// Kimi-VL
// ---------------------------------------------------------------------------------------------

/** MoonViTConfig's `__init__` defaults (Kimi-VL-A3B-Instruct `configuration_kimi_vl.py`, as vLLM copies it). */
export const MOONVIT_DEFAULTS: Json = {
  patch_size: 14,
  init_pos_emb_height: 64,
  init_pos_emb_width: 64,
  num_attention_heads: 16,
  num_hidden_layers: 27,
  hidden_size: 1152,
  intermediate_size: 4304,
  merge_kernel_size: [2, 2],
};

/**
 * Kimi-VL's vision tower and projector (the checkpoint's `modeling_kimi_vl.py`, read in vLLM's port
 * `vllm/model_executor/models/moonvit.py` and `kimi_vl.py`, cross-checked against NVIDIA NeMo
 * Automodel's `components/models/kimivl/model.py`, which builds the same modules):
 * - MoonVitPretrainedModel (`vision_tower.*`): patch_embed.proj, a Conv2d 3 → h with bias over
 *   patch × patch pixels; patch_embed.pos_emb.weight, a learned init_pos_emb_height × width × h
 *   table (Learnable2DInterpPosEmb); `num_hidden_layers` MoonVitEncoderLayers of norm0 (LayerNorm)
 *   → wqkv (h → 3h) and wo (h → h), both biased (the encoder passes `attn_bias: True`) → norm1 →
 *   MLP2 fc0 (h → intermediate_size) and fc1 (back to h), biased; encoder.final_layernorm. The 2-D
 *   RoPE (Rope2DPosEmb) and patch_merger (a k₀ × k₁ regroup) have no parameters.
 * - KimiVLMultiModalProjector (`multi_modal_projector.*`): pre_norm LayerNorm(h), linear_1 (m → m)
 *   and linear_2 (m → text hidden), both biased, with m = h × merge_kernel_size[0] × [1].
 */
export function readKimiVlVision(vision: Fields, textHidden: number): VisionTowerSpec {
  const f = withClassDefaults(vision, MOONVIT_DEFAULTS);
  const { h, depth, inter, patch, posRows, merge } = readMoonVitShape(f, '');
  const heads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  if (h % heads !== 0) f.fail('num_attention_heads', `(${heads}) must divide hidden_size (${h})`);
  const [k0, k1] = merge;
  const tower = linear(3 * patch * patch, h) + posRows * h + depth * vitBlock(h, inter) + layerNorm(h);
  const m = h * k0 * k1;
  const projector = layerNorm(h) + linear(m, m) + linear(m, textHidden);
  return {
    description: `MoonViT ${depth} × ${h}, patch ${patch}, merge ${k0}×${k1}`,
    params: tower + projector,
    patchSize: patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/**
 * The `kimi_vl` family (KimiVLForConditionalGeneration): the text model by `text_config.model_type`
 * (KimiVLConfig builds it as DeepseekV3Config; vLLM runs it as DeepseekV2ForCausalLM, which builds
 * DeepSeek-V3's layers), the MoonViT tower and projector counted apart.
 */
export function kimiVlWrapper(familyOf: FamilyOf): Family {
  return wrapped(familyOf, {
    textType: 'deepseek_v3',
    vision: (top, textHidden) => {
      const v = subConfig(top, 'vision_config', 'moonvit');
      return v ? readKimiVlVision(v, textHidden) : null;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// DeepSeek-VL2
// ---------------------------------------------------------------------------------------------

/**
 * DeepseekV2Config's `__init__` defaults in DeepSeek-VL2's remote code (deepseek-ai/DeepSeek-VL2
 * `deepseek_vl2/models/configuration_deepseek.py`), which the released `language_config`s rely on:
 * deepseek-vl2 gives neither its 30 layers nor its 32 MLA heads.
 */
export const DEEPSEEK_VL2_LANGUAGE_DEFAULTS: Json = {
  vocab_size: 102_400,
  hidden_size: 4096,
  intermediate_size: 11_008,
  moe_intermediate_size: 1407,
  num_hidden_layers: 30,
  num_attention_heads: 32,
  num_key_value_heads: 32,
  kv_lora_rank: 512,
  q_lora_rank: 1536,
  qk_rope_head_dim: 64,
  v_head_dim: 128,
  qk_nope_head_dim: 128,
  topk_method: 'gready',
  moe_layer_freq: 1,
  first_k_dense_replace: 0,
  max_position_embeddings: 2048,
  tie_word_embeddings: false,
  use_mla: true,
};

/** VisionEncoderConfig's `__init__` defaults (`modeling_deepseek_vl_v2.py`). */
export const DEEPSEEK_VL2_VISION_DEFAULTS: Json = {
  model_name: 'siglip_large_patch16_384',
  image_size: 384,
  patch_size: 16,
  width: 1024,
  layers: 24,
  heads: 16,
  mlp_ratio: 4,
  global_pool: 'map',
  class_token: false,
};

/** MlpProjectorConfig's defaults (`modeling_deepseek_vl_v2.py`). */
export const DEEPSEEK_VL2_PROJECTOR_DEFAULTS: Json = {
  projector_type: 'downsample_mlp_gelu',
  input_dim: 1152,
  n_embed: 2048,
  depth: 2,
  mlp_ratio: 1,
  downsample_ratio: 2,
  token_pooling: false,
};

/**
 * DeepSeek-VL2's language model. With `use_mla` (the default) it is DeepSeek-V2's (MLA, shared +
 * routed experts), read by the family of its `model_type`. Without (DeepSeek-VL2-Tiny),
 * DeepseekV2DecoderLayer takes transformers' LlamaAttention (`mha_eager`): q, k, v and o of
 * hidden_size / num_attention_heads per head, biased by `attention_bias`; the MLP and MoE are the
 * same (dense below `first_k_dense_replace`, MoE where `layer % moe_layer_freq == 0`).
 */
function readDeepseekVl2Language(familyOf: FamilyOf, top: Fields, name: string): ModelSpec {
  const plain =
    top.child('language_config') ?? top.fail('language_config', 'is required: the language model');
  const lang = withClassDefaults(plain, DEEPSEEK_VL2_LANGUAGE_DEFAULTS);
  const type = lang.string('model_type', 'deepseek_v2');
  if (lang.bool('use_mla', true)) {
    const text = familyOf(type) ?? top.fail('language_config', `has an unsupported model_type '${type}'`);
    return text(lang, name);
  }
  const hasMoe = lang.has('n_routed_experts');
  const firstDense = lang.int('first_k_dense_replace', { max: MAX.layers });
  const freq = lang.positiveInt('moe_layer_freq', { max: MAX.layers });
  return decoder(lang, name, {
    attention: (f) => readGqa(f, { headDim: f.divide('hidden_size', 'num_attention_heads', MAX.hidden) }),
    mlp: readGatedMlp(lang),
    layerMlp: (i) => (hasMoe && i >= firstDense && i % freq === 0 ? 'moe' : 'dense'),
    moe: deepseekMoeKeys(lang),
    mtpKey: 'num_nextn_predict_layers',
  });
}

/**
 * DeepSeek-VL2's timm ViT (`deepseek_vl2/models/siglip_vit.py` VisionTransformer, built from
 * `vision_config` by DeepseekVLV2ForCausalLM): patch_embed.proj, a Conv2d 3 → width with bias;
 * pos_embed of (image/patch)² rows (+1 and cls_token with `class_token`); `layers` Blocks of norm1 →
 * attn.qkv (w → 3w) and attn.proj, both biased → norm2 → mlp.fc1 (w → int(w × mlp_ratio)) and fc2,
 * biased; the final norm (or fc_norm, with `global_pool` "avg"); and with `global_pool` "map" the
 * AttentionPoolLatent head (timm `layers/attention_pool.py`: latent, q, kv (w → 2w), proj, norm,
 * mlp), which the checkpoint stores (`vision.attn_pool.*`) though `ignore_head` skips it.
 */
function readDeepseekVl2Tower(v: Fields) {
  const w = v.positiveInt('width', { max: MAX.hidden });
  const depth = v.positiveInt('layers', { max: MAX.layers });
  const heads = v.positiveInt('heads', { max: MAX.heads });
  if (w % heads !== 0) v.fail('heads', `(${heads}) must divide width (${w})`);
  const patch = v.positiveInt('patch_size', { max: 4096 });
  const image = v.positiveInt('image_size', { max: 1_000_000 });
  if (image < patch) v.fail('image_size', `(${image}) must be at least patch_size (${patch})`);
  const ratio = v.positiveNumber('mlp_ratio', 1000);
  const inter = Math.floor(w * ratio);
  const pool = v.string('global_pool', 'map');
  if (!['map', 'avg', 'token', ''].includes(pool))
    v.fail('global_pool', `must be 'map', 'avg', 'token' or '', got '${pool}'`);
  const cls = v.bool('class_token', false) ? 1 : 0;
  if (pool === 'token' && !cls) v.fail('global_pool', "'token' needs class_token");
  const positions = Math.floor(image / patch) ** 2 + cls;
  const embedding = linear(3 * patch * patch, w) + positions * w + cls * w;
  const mlp = linear(w, inter) + linear(inter, w);
  // AttentionPoolLatent: latent (1 × 1 × w), q, kv, proj, norm and mlp, all biased.
  const head = pool === 'map' ? w + linear(w, w) + linear(w, 2 * w) + linear(w, w) + layerNorm(w) + mlp : 0;
  return {
    out: w,
    params: embedding + depth * vitBlock(w, inter) + layerNorm(w) + head,
    patchSize: patch,
    description: `SigLIP ${depth} × ${w}, ${image}px tiles, patch ${patch}`,
  };
}

/**
 * DeepSeek-VL2's MlpProjector (`projector.layers.*`) over the tower's `input_dim` features, as its
 * Linears [in, out], all biased: "identity"; "linear" (input → n_embed); "mlp_gelu" (input → n,
 * then depth − 1 of n → n); "downsample_mlp_gelu" (the r × r unfold: input·r² → n·mlp_ratio,
 * max(depth − 2, 0) of n·mlp_ratio → n·mlp_ratio, then → n); with `token_pooling` also
 * token_pooling_layer (4·input → input). `perToken`: each token passes every Linear once (no unfold,
 * no pooling).
 */
function readDeepseekVl2Projector(p: Fields): { linears: [number, number][]; perToken: boolean } {
  const type = p.string('projector_type', 'downsample_mlp_gelu');
  const input = p.positiveInt('input_dim', { max: MAX.hidden });
  const n = p.positiveInt('n_embed', { max: MAX.hidden });
  const depth = p.positiveInt('depth', { max: 64 });
  const pooling: [number, number][] = p.bool('token_pooling', false) ? [[4 * input, input]] : [];
  const perToken = pooling.length === 0 && type !== 'downsample_mlp_gelu';
  const of = (...linears: [number, number][]) => ({ linears: [...pooling, ...linears], perToken });
  if (type === 'identity') return of();
  if (type === 'linear') return of([input, n]);
  if (type === 'mlp_gelu') return of([input, n], ...Array<[number, number]>(depth - 1).fill([n, n]));
  if (type !== 'downsample_mlp_gelu')
    p.fail(
      'projector_type',
      `'${type}' is not supported; MlpProjector builds 'identity', 'linear', 'mlp_gelu' and 'downsample_mlp_gelu'`,
    );
  const r = p.positiveInt('downsample_ratio', { max: 64 });
  const mid = n * p.positiveInt('mlp_ratio', { max: 64 });
  return of([input * r * r, mid], ...Array<[number, number]>(Math.max(depth - 2, 0)).fill([mid, mid]), [
    mid,
    n,
  ]);
}

/** DeepSeek-VL2's SigLIP `vision_config` (VisionEncoderConfig's defaults under the keys it omits). */
function readSiglipTower(top: Fields) {
  const vision = withClassDefaults(
    top.child('vision_config') ?? top.fail('vision_config', 'is required: the SigLIP tower'),
    DEEPSEEK_VL2_VISION_DEFAULTS,
  );
  const model = vision.string('model_name', 'siglip_large_patch16_384');
  if (!model.startsWith('siglip'))
    vision.fail(
      'model_name',
      `'${model}' is not a SigLIP ViT; DeepSeek-VL2 builds a SigLIP tower (DeepSeek-OCR's needs architectures DeepseekOCRForCausalLM)`,
    );
  return { ...readDeepseekVl2Tower(vision), image: null, tokens: 0, flops: null };
}

/**
 * The `deepseek_vl_v2` family (deepseek-ai/DeepSeek-VL2 `modeling_deepseek_vl_v2.py`; vLLM
 * `deepseek_vl2.py`, `deepseek_ocr.py`): the language model of `language_config`, and counted apart
 * the vision encoder, the projector and, for `tile_tag` "2D", the image_newline and view_seperator
 * vectors (n_embed each). DeepseekVLV2ForCausalLM builds the SigLIP tower; DeepseekOCRForCausalLM
 * (DeepSeek-OCR, same model_type) the DeepEncoder, whose global view fixes FLOPs per image.
 */
export function deepseekVl2Family(familyOf: FamilyOf): Family {
  return (top, name) => {
    const arch = top.raw('architectures');
    const ocr = Array.isArray(arch) && arch.includes('DeepseekOCRForCausalLM');
    if (!ocr && Array.isArray(arch) && arch.some((a) => a !== 'DeepseekVLV2ForCausalLM'))
      top.fail(
        'architectures',
        `${shown(arch)} is not supported; model_type 'deepseek_vl_v2' is read as DeepseekVLV2ForCausalLM or DeepseekOCRForCausalLM`,
      );
    const spec = readDeepseekVl2Language(familyOf, top, name);
    // DeepseekVLV2Config's __init__ default is the string 'tile_tag', which the model refuses.
    const tag = top.string('tile_tag', '');
    if (tag !== '2D')
      top.fail('tile_tag', `${tag ? `is '${tag}'` : 'is absent'}; both models are built for '2D' only`);
    // MlpProjectorConfig(**{}) when the file has no projector_config: every key at its default.
    const projector = withClassDefaults(
      top.child('projector_config') ?? new Fields({}, top.modelType, ['projector_config']),
      DEEPSEEK_VL2_PROJECTOR_DEFAULTS,
    );
    const encoder = ocr
      ? readDeepEncoder(
          top.child('vision_config') ?? top.fail('vision_config', 'is required: the DeepEncoder'),
        )
      : readSiglipTower(top);
    const input = projector.positiveInt('input_dim', { max: MAX.hidden });
    if (input !== encoder.out)
      projector.fail(
        'input_dim',
        `(${input}) must equal vision_config's output, ${encoder.out} features per token`,
      );
    const n = projector.positiveInt('n_embed', { max: MAX.hidden });
    if (n !== spec.hiddenSize)
      projector.fail('n_embed', `(${n}) must equal the language model's hidden_size (${spec.hiddenSize})`);
    const { linears, perToken } = readDeepseekVl2Projector(projector);
    const weights = linears.reduce((sum, [a, b]) => sum + a * b, 0);
    const biases = linears.reduce((sum, [, b]) => sum + b, 0);
    return {
      ...spec,
      modelType: top.modelType,
      vision: {
        description: encoder.description,
        params: encoder.params + weights + biases + 2 * n,
        patchSize: encoder.patchSize,
        imageSize: encoder.image,
        flopsPerImage:
          encoder.flops === null || !perToken ? null : encoder.flops + 2 * encoder.tokens * weights,
      },
    };
  };
}

// ---------------------------------------------------------------------------------------------
// Idefics3 / SmolVLM
// ---------------------------------------------------------------------------------------------

/** Idefics3VisionConfig's (and SmolVLMVisionConfig's) `__init__` defaults. */
export const IDEFICS3_VISION_DEFAULTS: Json = {
  hidden_size: 1152,
  intermediate_size: 3072,
  num_hidden_layers: 12,
  num_attention_heads: 16,
  num_channels: 3,
  image_size: 224,
  patch_size: 32,
};

/**
 * The Idefics3 / SmolVLM vision side (transformers `models/idefics3/modeling_idefics3.py`;
 * `models/smolvlm/modular_smolvlm.py` reuses it unchanged):
 * - Idefics3VisionTransformer (`model.vision_model.*`): SigLIP's modules, a Conv2d patch embedding
 *   with bias, a position table of (image_size // patch_size)² rows, `num_hidden_layers` encoder
 *   layers (LayerNorm → q, k, v, out_proj with bias → LayerNorm → fc1, fc2 with bias) and
 *   post_layernorm;
 * - Idefics3Connector (`model.connector.*`): the pixel shuffle by `scale_factor` s (no parameters),
 *   then modality_projection.proj, a bias-free Linear(h·s² → text hidden).
 */
export function readIdefics3Vision(top: Fields, vision: Fields, textHidden: number): VisionTowerSpec {
  const { h, depth, inter, patch, image, channels, patches } = readFixedVit(
    withClassDefaults(vision, IDEFICS3_VISION_DEFAULTS),
  );
  const s = top.positiveInt('scale_factor', { fallback: 2, max: 64 });
  const side = Math.floor(image / patch);
  if (side % s !== 0)
    top.fail('scale_factor', `(${s}) must divide the ${side} × ${side} patch grid (image_size / patch_size)`);
  const tower = linear(channels * patch * patch, h) + patches * h + depth * vitBlock(h, inter) + layerNorm(h);
  const tokens = patches / (s * s);
  return {
    description: `SigLIP ${depth} × ${h}, ${image}px tiles, patch ${patch} (${patches} patches → ${tokens} tokens)`,
    params: tower + linear(h * s * s, textHidden, false),
    patchSize: patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/**
 * The `idefics3` and `smolvlm` families (Idefics3ForConditionalGeneration, SmolVLMForConditionalGeneration):
 * the Llama text model of `text_config` (or the family of its `model_type`), the tower and
 * connector counted apart.
 */
export function idefics3Wrapper(familyOf: FamilyOf, visionType: string): Family {
  return wrapped(familyOf, {
    textType: 'llama',
    vision: (top, textHidden) => {
      const v = subConfig(top, 'vision_config', visionType);
      return v ? readIdefics3Vision(top, v, textHidden) : null;
    },
  });
}
