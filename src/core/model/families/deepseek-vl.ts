/**
 * DeepSeek-VL in transformers format: `deepseek_vl` (deepseek-community/deepseek-vl-1.3b-chat, a
 * SigLIP tower) and `deepseek_vl_hybrid` (deepseek-community/deepseek-vl-7b-chat, SigLIP plus a
 * high-resolution SAM ViT-B). transformers `models/deepseek_vl/configuration_deepseek_vl.py`
 * (DeepseekVLConfig), `modular_deepseek_vl.py` → `modeling_deepseek_vl.py` (DeepseekVLAligner,
 * DeepseekVLModel over JanusModel without its generation modules, DeepseekVLForConditionalGeneration);
 * `models/deepseek_vl_hybrid/configuration_deepseek_vl_hybrid.py` (DeepseekVLHybridConfig),
 * `modular_deepseek_vl_hybrid.py` → `modeling_deepseek_vl_hybrid.py` (DeepseekVLSamVisionNeck,
 * DeepseekVLSamVisionProj, DeepseekVLHybridAligner, DeepseekVLHybridModel); `models/sam/
 * configuration_sam.py` (SamVisionConfig) and `modeling_sam.py` (SamVisionModel, SamVisionEncoder,
 * SamPatchEmbeddings, SamVisionLayer, SamVisionAttention, SamMLPBlock, SamVisionNeck); the shapes
 * of `convert_deepseek_vl_weights_to_hf.py` and `convert_deepseek_vl_hybrid_weights_to_hf.py`.
 * Both classes build:
 * - model.language_model: AutoModel of `text_config` (LlamaConfig() when absent), read by the family
 *   of its own `model_type`; lm_head (text hidden → vocab, no bias). The released checkpoints hold
 *   their own lm_head (the original LlamaForCausalLM's); a `tie_word_embeddings` the config sets is
 *   read (text_config's first), else the text config's default (untied), as for Janus.
 * - model.vision_model: AutoModel of `vision_config`, a SiglipVisionModel (patch Conv2d with bias, a
 *   learned table of (image/patch)² positions, blocks of layer_norm1, q/k/v/out_proj, layer_norm2,
 *   fc1/fc2, all biased, post_layernorm; the attention-pooling head — probe, in_proj h → 3h,
 *   out_proj, layernorm, mlp — unless `vision_use_head` is false, as the releases set).
 * Everything but the language model is counted apart as the vision tower:
 * - `deepseek_vl` model.aligner: linear1 (SigLIP width → text hidden) and linear2 (text → text),
 *   biased, GELU between.
 * - `deepseek_vl_hybrid` adds model.high_res_vision_model, AutoModel of `high_res_vision_config`, a
 *   SamVisionModel: patch_embed.projection (Conv2d channels → h, kernel = stride = patch, biased),
 *   pos_embed ((image/patch)² × h when `use_abs_pos`), `num_hidden_layers` blocks of layer_norm1,
 *   attn.qkv (h → 3h, bias per `qkv_bias`), attn.proj (biased), rel_pos_h and rel_pos_w (each
 *   (2·s − 1) × head_dim when `use_rel_pos`, s = `window_size` in windowed blocks and image/patch in
 *   the `global_attn_indexes` ones), layer_norm2, mlp lin1/lin2 (h ↔ `mlp_dim`, else
 *   int(h·`mlp_ratio`), biased), and the neck (conv1 1×1 h → `output_channels`, layer_norm1,
 *   conv2 3×3, layer_norm2; convs without bias); model.high_res_vision_neck (a second such neck,
 *   over the first global block's output); model.high_res_vision_proj (conv1 3×3 stride 2 c → 2c,
 *   conv2 3×3 stride 2 2c → 4c, no bias); model.high_res_vision_alpha (one scalar); and
 *   DeepseekVLHybridAligner in place of the aligner: vision_proj (SigLIP width → text/2),
 *   high_res_vision_proj (4c → text/2), proj (text → text), all biased.
 * FLOPs per image: the matmul weights of each tower and projector over its tokens, plus attention
 * scores (SAM's windowed blocks over their padded windows, sam-vit.ts).
 */
import { formatCount } from '../../format.js';
import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { VisionTowerSpec } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import type { Family } from './readers.js';
import { readSamVit, SAM_VIT_B_DEFAULTS } from './sam-vit.js';
import { fixedVitTower } from './vision.js';
import { builtSubConfig, type FamilyOf, textFamilies, wrapped } from './wrappers.js';

/** A k×k Conv2d without bias. */
const conv = (inputs: number, outputs: number, kernel: number) => inputs * outputs * kernel * kernel;

/** The SigLIP tower of `vision_config` (see the file comment): parameters, FLOPs and its token grid side. */
function readSiglip(top: Fields) {
  const v = builtSubConfig(top, 'vision_config', 'siglip_vision_model', {});
  const type = v.string('model_type', 'siglip_vision_model');
  if (type !== 'siglip_vision_model')
    v.fail('model_type', `is '${type}'; DeepSeek-VL is read over a 'siglip_vision_model' tower`);
  v.divide('hidden_size', 'num_attention_heads', MAX.hidden);
  const t = fixedVitTower(v, 'siglip');
  const inter = v.positiveInt('intermediate_size', { max: MAX.intermediate });
  const pooling = v.bool('vision_use_head', true);
  // SiglipMultiheadAttentionPoolingHead: probe, in_proj (h → 3h) and out_proj, layernorm, mlp.
  const head = pooling
    ? t.h + linear(t.h, 3 * t.h) + linear(t.h, t.h) + layerNorm(t.h) + linear(t.h, inter) + linear(inter, t.h)
    : 0;
  // The head attends one probe over every patch: k, v of each patch, q, out, mlp.
  const headFlops = pooling
    ? 2 * t.patches * 2 * t.h * t.h + 4 * t.h * t.patches + 2 * (2 * t.h * t.h + 2 * t.h * inter)
    : 0;
  return {
    h: t.h,
    params: t.params + head,
    flops: t.flops + headFlops,
    patches: t.patches,
    side: Math.floor(t.image / t.patch),
    t,
    name: `SigLIP ${t.depth} × ${t.h}, ${t.image}px, patch ${t.patch}${pooling ? ', pooling head' : ''} (${t.patches} tokens)`,
  };
}

/** The SAM ViT of `high_res_vision_config` with its own neck (see the file comment). */
function readSam(top: Fields) {
  const v = builtSubConfig(top, 'high_res_vision_config', 'sam_vision_model', SAM_VIT_B_DEFAULTS);
  const type = v.string('model_type', 'sam_vision_model');
  if (type !== 'sam_vision_model')
    v.fail('model_type', `is '${type}'; DeepSeek-VL hybrid is read over a 'sam_vision_model' tower`);
  const sam = readSamVit(v);
  const first = v.intList('global_attn_indexes', MAX.layers)[0];
  // DeepseekVLHybridModel feeds the output of block global_attn_indexes[0] to high_res_vision_neck.
  const depth = v.positiveInt('num_hidden_layers', { max: MAX.layers });
  if (first === undefined || first >= depth)
    v.fail('global_attn_indexes', `must name a block below num_hidden_layers (${depth}) first`);
  return sam;
}

/** The text model's width, which the hybrid aligner splits in two halves. */
function halfWidth(top: Fields, textHidden: number): number {
  if (textHidden % 2 !== 0)
    top.fail(
      'text_config',
      `hidden_size (${textHidden}) must be even: the hybrid aligner concatenates two projections of hidden_size // 2`,
    );
  return textHidden / 2;
}

/** The `deepseek_vl` tower: SigLIP and DeepseekVLAligner. */
function readDeepseekVlVision(top: Fields, textHidden: number): VisionTowerSpec {
  const s = readSiglip(top);
  const aligner = linear(s.h, textHidden) + linear(textHidden, textHidden);
  return {
    description: `${s.name} ${formatCount(s.params)}, aligner ${s.h} → ${textHidden} → ${textHidden} ${formatCount(aligner)}`,
    params: s.params + aligner,
    patchSize: s.t.patch,
    imageSize: s.t.image,
    flopsPerImage: s.flops + 2 * s.patches * (s.h * textHidden + textHidden * textHidden),
  };
}

/** The `deepseek_vl_hybrid` tower: SigLIP, the SAM ViT, its second neck and proj, alpha and the hybrid aligner. */
function readDeepseekVlHybridVision(top: Fields, textHidden: number): VisionTowerSpec {
  const s = readSiglip(top);
  const sam = readSam(top);
  const half = halfWidth(top, textHidden);
  const c = sam.out;
  const proj = conv(c, 2 * c, 3) + conv(2 * c, 4 * c, 3);
  const aligner = linear(s.h, half) + linear(4 * c, half) + linear(textHidden, textHidden);
  const highRes = sam.params + sam.neckParams + proj + 1;
  // high_res_vision_proj runs twice (last and global states): 3×3 convs to 2s × 2s, then s × s, s = SigLIP's side.
  const projFlops = 2 * (2 * (2 * s.side) ** 2 * 9 * c * 2 * c + 2 * s.side ** 2 * 9 * 2 * c * 4 * c);
  const alignerFlops = 2 * s.patches * (s.h * half + 4 * c * half + textHidden * textHidden);
  return {
    description: `${s.name} ${formatCount(s.params)}; ${sam.description} ${formatCount(sam.params)}, second neck, proj ${c} → ${2 * c} → ${4 * c} and alpha ${formatCount(highRes - sam.params)}; aligner ${s.h} + ${4 * c} → ${half} + ${half} → ${textHidden} ${formatCount(aligner)}`,
    params: s.params + highRes + aligner,
    patchSize: s.t.patch,
    imageSize: s.t.image,
    flopsPerImage: s.flops + sam.encoderFlops + 2 * sam.neckFlops + projFlops + alignerFlops,
  };
}

/** A wrapper over the text model of `text_config` (LlamaConfig's when absent) with `vision` as the tower. */
function deepseekVl(
  familyOf: FamilyOf,
  wrapperClass: string,
  vision: (top: Fields, textHidden: number) => VisionTowerSpec,
): Family {
  const inner = wrapped(textFamilies(familyOf, wrapperClass), { textType: 'llama', vision });
  return (top, name) =>
    inner(top.has('text_config') ? top : top.with({ text_config: { model_type: 'llama' } }), name);
}

/** The `deepseek_vl` family (see the file comment). */
export function deepseekVlWrapper(familyOf: FamilyOf): Family {
  return deepseekVl(familyOf, 'DeepseekVLConfig', readDeepseekVlVision);
}

/** The `deepseek_vl_hybrid` family (see the file comment). */
export function deepseekVlHybridWrapper(familyOf: FamilyOf): Family {
  return deepseekVl(familyOf, 'DeepseekVLHybridConfig', readDeepseekVlHybridVision);
}
