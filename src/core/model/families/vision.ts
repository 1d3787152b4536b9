/**
 * Vision encoders of multimodal wrappers, counted apart from the language model: parameters from
 * the modules each encoder builds, and forward FLOPs per image when the config fixes the image size.
 */
import type { VisionTowerSpec } from '../spec.js';
import { type Fields, MAX, shown } from './fields.js';

/**
 * Forward FLOPs of a ViT over `patches` tokens: 2 FLOPs per multiply-add on every matmul weight
 * (Kaplan et al. 2020, Sec. 2.1) plus bidirectional attention, Q·Kᵀ and softmax·V, 2·2·hidden per
 * (query, key) pair over all patches² pairs.
 */
export function vitForwardFlops(
  patches: number,
  depth: number,
  matmulWeightsPerLayer: number,
  hidden: number,
): number {
  return depth * (2 * patches * matmulWeightsPerLayer + 4 * hidden * patches * patches);
}

/**
 * Qwen3-VL / Qwen3.5 vision tower (transformers `models/qwen3_vl/modeling_qwen3_vl.py`,
 * Qwen3VLVisionModel): Conv3d patch embedding with bias, a learned position table, `depth` blocks of
 * LayerNorm → attention (fused qkv and proj, with bias) → LayerNorm → MLP (fc1, fc2, with bias), a
 * patch merger (LayerNorm(h), fc1 of h·m² → h·m², fc2 → out_hidden_size, with bias) and one
 * deepstack merger per `deepstack_visual_indexes` entry (post-shuffle LayerNorm(h·m²)). Images have
 * dynamic resolution, so FLOPs per image are not fixed by the config.
 */
export function readQwenVision(f: Fields): VisionTowerSpec {
  const h = f.positiveInt('hidden_size', { max: MAX.hidden });
  const depth = f.positiveInt('depth', { max: MAX.layers });
  const inter = f.positiveInt('intermediate_size', { max: MAX.intermediate });
  const patch = f.positiveInt('patch_size', { max: 4096 });
  const temporal = f.positiveInt('temporal_patch_size', { fallback: 2, max: 64 });
  const channels = f.positiveInt('in_channels', { fallback: 3, max: 64 });
  const positions = f.int('num_position_embeddings', { fallback: 0, max: MAX.positions });
  const merge = f.positiveInt('spatial_merge_size', { fallback: 2, max: 64 });
  const out = f.positiveInt('out_hidden_size', { max: MAX.hidden });
  const deepstack = f.intList('deepstack_visual_indexes', MAX.layers).length;
  const block = 2 * 2 * h + (h * 3 * h + 3 * h) + (h * h + h) + (h * inter + inter) + (inter * h + h);
  const merged = h * merge * merge;
  const merger = (normWidth: number) => 2 * normWidth + (merged * merged + merged) + (merged * out + out);
  const embedding = channels * temporal * patch * patch * h + h + positions * h;
  const params = embedding + depth * block + merger(h) + deepstack * merger(merged);
  return {
    description: `ViT ${depth} × ${h}, patch ${patch}, merge ${merge}×${merge}${deepstack > 0 ? `, ${deepstack} deepstack mergers` : ''}`,
    params,
    patchSize: patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/**
 * Qwen2-VL and Qwen2.5-VL vision towers (transformers `modeling_qwen2_vl.py` Qwen2VisionTransformerPretrainedModel,
 * `modeling_qwen2_5_vl.py` Qwen2_5_VisionTransformerPretrainedModel): a bias-free Conv3d patch embedding
 * (channels × temporal × patch²), no position table (2D RoPE), `depth` blocks of norm → attention (fused
 * qkv and proj, with bias) → norm → MLP, and the patch merger (norm of the width, fc of w·m² → w·m², fc
 * → the text width, with bias). Qwen2-VL: `embed_dim` wide, LayerNorms, an MLP of `mlp_ratio` × width
 * (fc1, fc2 with bias), the merger's output `hidden_size`; Qwen2.5-VL: `hidden_size` wide, RMSNorms, a
 * SwiGLU MLP of `intermediate_size` (gate, up, down with bias), the output `out_hidden_size`.
 * Dynamic resolution, so no fixed FLOPs per image.
 */
export function readQwen2Vision(f: Fields, textHidden: number, version: '2' | '2.5'): VisionTowerSpec {
  const v2 = version === '2';
  const w = f.positiveInt(v2 ? 'embed_dim' : 'hidden_size', { fallback: 1280, max: MAX.hidden });
  const depth = f.positiveInt('depth', { fallback: 32, max: MAX.layers });
  const patch = f.positiveInt('patch_size', { fallback: 14, max: 4096 });
  const temporal = f.positiveInt('temporal_patch_size', { fallback: 2, max: 64 });
  const channels = f.positiveInt(f.has('in_chans') ? 'in_chans' : 'in_channels', { fallback: 3, max: 64 });
  const merge = f.positiveInt('spatial_merge_size', { fallback: 2, max: 64 });
  const outKey = v2 ? 'hidden_size' : 'out_hidden_size';
  const out = f.positiveInt(outKey, { fallback: textHidden, max: MAX.hidden });
  const norm = v2 ? 2 * w : w;
  // Qwen2-VL: fc1 and fc2 of mlp_ratio × width; Qwen2.5-VL: gate, up and down of intermediate_size.
  const inter = v2
    ? w * f.positiveInt('mlp_ratio', { fallback: 4, max: 64 })
    : f.positiveInt('intermediate_size', { fallback: 3420, max: MAX.intermediate });
  const mlp = (v2 ? 1 : 2) * (w * inter + inter) + inter * w + w;
  const block = 2 * norm + (w * 3 * w + 3 * w) + (w * w + w) + mlp;
  const merged = w * merge * merge;
  const merger = norm + (merged * merged + merged) + (merged * out + out);
  return {
    description: `Qwen${version}-VL ViT ${depth} × ${w}, patch ${patch}, merge ${merge}×${merge}`,
    params: channels * temporal * patch * patch * w + depth * block + merger,
    patchSize: patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/**
 * Patches of a square image: the patch Conv (stride = kernel = patch, no padding) floors, so
 * SigLIP-so400m at 384 px, patch 14, has 27 × 27 = 729. The image must hold at least one patch.
 */
export function squarePatches(f: Fields, image: number, patch: number): number {
  if (image < patch) f.fail('image_size', `(${image}) must be at least patch_size (${patch})`);
  return Math.floor(image / patch) ** 2;
}

/** The shape of a ViT with a fixed square image (SigLIP, Pixtral `vision_config` keys). */
export function readFixedVit(f: Fields) {
  const h = f.positiveInt('hidden_size', { max: MAX.hidden });
  const depth = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const inter = f.positiveInt('intermediate_size', { max: MAX.intermediate });
  const patch = f.positiveInt('patch_size', { max: 4096 });
  const image = f.positiveInt('image_size', { max: 1_000_000 });
  const channels = f.positiveInt('num_channels', { fallback: 3, max: 64 });
  return { h, depth, inter, patch, image, channels, patches: squarePatches(f, image, patch) };
}

/** A ViT block's width, MLP, depth and heads (read in that order); the heads must divide the width. */
export function readVitBlocks(f: Fields) {
  const h = f.positiveInt('hidden_size', { max: MAX.hidden });
  const inter = f.positiveInt('intermediate_size', { max: MAX.intermediate });
  const depth = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const heads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  if (h % heads !== 0) f.fail('num_attention_heads', `(${heads}) must divide hidden_size (${h})`);
  return { h, inter, depth, heads };
}

/**
 * A fixed-size ViT without head, CLIP's or SigLIP's (transformers `models/clip/modeling_clip.py`
 * CLIPVisionModel, `models/siglip/modeling_siglip.py` SiglipVisionModel): a Conv2d patch embedding
 * (SigLIP with bias, CLIP without but with a class token and its position), a learned position table,
 * CLIP's pre-LayerNorm, `num_hidden_layers` blocks of LayerNorm → attention (q, k, v, out with bias)
 * → LayerNorm → MLP (fc1, fc2 with bias), and a post-LayerNorm. Its parameters and forward FLOPs.
 */
export function fixedVitTower(f: Fields, kind: 'clip' | 'siglip') {
  const { h, depth, inter, patch, image, channels, patches } = readFixedVit(f);
  const layerMatmuls = 4 * h * h + 2 * h * inter;
  const block = 2 * 2 * h + layerMatmuls + 4 * h + inter + h;
  const clip = kind === 'clip';
  const positions = patches + (clip ? 1 : 0);
  // CLIP: class embedding (h) and pre_layrnorm (2h); SigLIP: the patch conv's bias (h).
  const embedding = channels * patch * patch * h + h + positions * h + (clip ? 2 * h : 0);
  return {
    h,
    depth,
    patch,
    image,
    patches,
    params: embedding + depth * block + 2 * h,
    flops: 2 * patches * channels * patch * patch * h + vitForwardFlops(positions, depth, layerMatmuls, h),
  };
}

/**
 * SigLIP vision tower of Gemma 3 ({@link fixedVitTower}, and `models/gemma3/modeling_gemma3.py`
 * Gemma3MultiModalProjector): the projector (RMSNorm of the vision width, a vision → text matrix)
 * applied to `mm_tokens_per_image` pooled tokens.
 */
export function readSiglipVision(f: Fields, textHidden: number, tokensPerImage: number): VisionTowerSpec {
  const t = fixedVitTower(f, 'siglip');
  const projector = t.h + t.h * textHidden;
  return {
    description: `SigLIP ${t.depth} × ${t.h}, ${t.image}px, patch ${t.patch} (${t.patches} patches → ${tokensPerImage} tokens)`,
    params: t.params + projector,
    patchSize: t.patch,
    imageSize: t.image,
    flopsPerImage: t.flops + 2 * tokensPerImage * t.h * textHidden,
  };
}

/**
 * The vision side of LLaVA (`models/llava/modeling_llava.py` LlavaMultiModalProjector; LLaVA-NeXT
 * and LLaVA-OneVision): a CLIP or SigLIP tower by its `vision_config.model_type`
 * ({@link fixedVitTower}), the projector linear_1 (vision → text) → GELU → linear_2 (text → text),
 * biased when `multimodal_projector_bias` (default true), and with `anyres` (LLaVA-NeXT, OneVision)
 * the `image_newline` vector (text hidden). A LLaVA 1.5 image is one token per patch
 * (`vision_feature_select_strategy` "default" drops the class token; "full" keeps it); an anyres image
 * is tiled by its size, so it has no fixed FLOPs.
 */
export function readLlavaVision(
  top: Fields,
  f: Fields,
  textHidden: number,
  anyres: boolean,
  defaultType = 'clip_vision_model',
): VisionTowerSpec {
  const type = f.string('model_type', defaultType);
  if (type !== 'clip_vision_model' && type !== 'siglip_vision_model')
    f.fail(
      'model_type',
      `is '${type}'; the LLaVA readers know 'clip_vision_model' and 'siglip_vision_model'`,
    );
  const kind = type === 'clip_vision_model' ? 'clip' : 'siglip';
  const t = fixedVitTower(f, kind);
  const bias = top.bool('multimodal_projector_bias', true) ? 1 : 0;
  const projector = t.h * textHidden + textHidden * textHidden + bias * 2 * textHidden;
  const full = kind === 'clip' && top.string('vision_feature_select_strategy', 'default') === 'full';
  const tokens = t.patches + (full ? 1 : 0);
  const name = `${kind === 'clip' ? 'CLIP' : 'SigLIP'} ${t.depth} × ${t.h}, ${t.image}px, patch ${t.patch}`;
  return {
    description: anyres ? `${name} (anyres tiles of ${tokens} tokens)` : `${name} (${tokens} tokens)`,
    params: t.params + projector + (anyres ? textHidden : 0),
    patchSize: t.patch,
    imageSize: anyres ? null : t.image,
    flopsPerImage: anyres ? null : t.flops + 2 * tokens * (t.h * textHidden + textHidden * textHidden),
  };
}

/**
 * Llama 4 vision tower (transformers `models/llama4/modeling_llama4.py`: Llama4VisionModel and
 * Llama4MultiModalProjector): an unfold patch embedding (a bias-free linear of channels·patch² → h),
 * a class embedding, a learned position table of (image/patch)² + 1 rows, LayerNorms before and after
 * the encoder, `num_hidden_layers` blocks of LayerNorm → attention (q, k, v, o with bias) →
 * LayerNorm → MLP (fc1, fc2 with bias), the pixel-shuffle adapter (Llama4VisionMLP2: fc1
 * intermediate → projector_input_dim and fc2 projector_output_dim², no bias; the shuffle turns
 * (image/patch)² tokens of h into ratio² as many of h/ratio²), and the projector
 * (vision_output_dim → text hidden, no bias).
 */
export function readLlama4Vision(f: Fields, textHidden: number): VisionTowerSpec {
  const { h, depth, inter, patch, image, channels, patches } = readFixedVit(f);
  const ratio = f.raw('pixel_shuffle_ratio');
  if (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1))
    f.fail('pixel_shuffle_ratio', `must be a number in (0, 1], got ${shown(ratio)}`);
  const projectorIn = f.positiveInt('projector_input_dim', { max: MAX.hidden });
  const projectorOut = f.positiveInt('projector_output_dim', { max: MAX.hidden });
  const visionOut = f.positiveInt('vision_output_dim', { max: MAX.hidden });
  const layerMatmuls = 4 * h * h + 2 * h * inter;
  const block = layerMatmuls + 4 * h + inter + h + 2 * 2 * h;
  const adapter = inter * projectorIn + projectorOut * projectorOut;
  const projector = visionOut * textHidden;
  const params =
    channels * patch * patch * h + h + (patches + 1) * h + 2 * 2 * h + depth * block + adapter + projector;
  const tokens = Math.round(patches * ratio * ratio);
  const flopsPerImage =
    2 * patches * channels * patch * patch * h +
    vitForwardFlops(patches + 1, depth, layerMatmuls, h) +
    2 * tokens * (adapter + projector);
  return {
    description: `Llama 4 ViT ${depth} × ${h}, ${image}px, patch ${patch} (${patches} patches → ${tokens} tokens)`,
    params,
    patchSize: patch,
    imageSize: image,
    flopsPerImage,
  };
}

/**
 * MiniMax-M3 VL vision tower (transformers `models/minimax_m3_vl/modular_minimax_m3_vl.py`
 * MiniMaxM3VLVisionModel and MiniMaxM3VLMultiModalProjector; vLLM `minimax_m3/common/vision_tower.py`):
 * a bias-free Conv3d patch embedding (channels × temporal × patch²), pre_layrnorm, `num_hidden_layers`
 * CLIP blocks (LayerNorm → q, k, v, out with bias, 3D RoPE → LayerNorm → fc1, fc2 with bias), no post
 * norm, then the projector: linear_1 (h → projector_hidden_size) and linear_2 (→ text hidden) per
 * patch, and merge_linear_1 (text hidden · m² → projector_hidden_size) and merge_linear_2 (→ text
 * hidden) per merged token, all biased when `multimodal_projector_bias`. Dynamic resolution, so no
 * fixed FLOPs per image.
 */
export function readMinimaxM3Vision(top: Fields, f: Fields, textHidden: number): VisionTowerSpec {
  const h = f.positiveInt('hidden_size', { max: MAX.hidden });
  const depth = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const inter = f.positiveInt('intermediate_size', { max: MAX.intermediate });
  const patch = f.positiveInt('patch_size', { max: 4096 });
  const channels = f.positiveInt('num_channels', { fallback: 3, max: 64 });
  const compression = f.child('img_token_compression_config') ?? top.child('img_token_compression_config');
  const temporal = compression?.positiveInt('temporal_patch_size', { fallback: 2, max: 64 }) ?? 2;
  const merge = compression?.positiveInt('spatial_merge_size', { fallback: 2, max: 64 }) ?? 2;
  const mid = top.positiveInt('projector_hidden_size', { fallback: textHidden, max: MAX.hidden });
  const bias = top.bool('multimodal_projector_bias', true) ? 1 : 0;
  const block = 2 * 2 * h + 4 * (h * h + h) + (h * inter + inter) + (inter * h + h);
  const projector = h * mid + textHidden * mid + bias * (mid + textHidden);
  const merger = textHidden * merge * merge * mid + mid * textHidden + bias * (mid + textHidden);
  return {
    description: `ViT ${depth} × ${h}, patch ${patch}, merge ${merge}×${merge}`,
    params: channels * temporal * patch * patch * h + 2 * h + depth * block + projector + merger,
    patchSize: patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/**
 * MoonViT's shape (Kimi-VL's, Kimi K2.5's and K3's towers): width `vt_hidden_size` (Kimi-VL's
 * `hidden_size`, `prefix` ''), `vt_num_hidden_layers` blocks with an MLP of `vt_intermediate_size`,
 * `patch_size`, the init_pos_emb_height × width position rows and the 2-D `merge_kernel_size`.
 */
export function readMoonVitShape(f: Fields, prefix: 'vt_' | '' = 'vt_') {
  const h = f.positiveInt(`${prefix}hidden_size`, { max: MAX.hidden });
  const depth = f.positiveInt(`${prefix}num_hidden_layers`, { max: MAX.layers });
  const inter = f.positiveInt(`${prefix}intermediate_size`, { max: MAX.intermediate });
  const patch = f.positiveInt('patch_size', { max: 4096 });
  const posRows =
    f.positiveInt('init_pos_emb_height', { max: 100_000 }) *
    f.positiveInt('init_pos_emb_width', { max: 100_000 });
  const merge = f.intList('merge_kernel_size', 64);
  if (merge.length !== 2 || merge.some((m) => m < 1))
    f.fail('merge_kernel_size', 'must be two positive integers');
  return { h, depth, inter, patch, posRows, merge: [merge[0]!, merge[1]!] as const };
}

/**
 * Kimi K3 vision tower (MoonViT3d) and projector (sglang `models/kimi_k3_vl.py`, a port of the
 * checkpoint's modeling_kimi_k3.py: KimiK3VisionTower, KimiK3MultiModalProjector): a Conv2d patch
 * embedding (bias when `patch_embed_proj_bias`), a learned init_pos_emb_height × width position
 * table of h (its time table is a fixed buffer), `vt_num_hidden_layers` blocks of norm0 → wqkv (h →
 * 3·qkv_hidden_size) → wo → norm1 → MLP2 fc0/fc1 (biases per `attn_bias` / `linear_bias`, RMSNorm
 * or LayerNorm per `norm_type`), a final norm, the parameter-free temporal-pool 2×2 merge, then
 * PatchMergerMLPV2: proj.0 (h·m² → h·m²), proj.2 (→ text hidden), both bias-free, and a post RMSNorm.
 * Dynamic resolution, so no fixed FLOPs per image.
 */
export function readKimiK3Vision(f: Fields, textHidden: number): VisionTowerSpec {
  const need = (key: string, value: string) => {
    const got = f.string(key, value);
    if (got !== value)
      f.fail(key, `'${got}' is not supported; Kimi K3's vision tower is built with '${value}'`);
  };
  need('merge_type', 'sd2_tpool');
  need('pos_emb_type', 'divided_fixed');
  need('mm_projector_type', 'patchmergerv2');
  need('mlp_type', 'mlp2');
  const { h, depth, inter, patch, posRows, merge } = readMoonVitShape(f);
  const qkv = f.positiveInt('qkv_hidden_size', { fallback: h, max: MAX.hidden });
  const mm = f.positiveInt('mm_hidden_size', { fallback: h, max: MAX.hidden });
  const norm = f.string('norm_type', 'layernorm');
  if (norm !== 'rmsnorm' && norm !== 'layernorm')
    f.fail('norm_type', `must be 'rmsnorm' or 'layernorm', got '${norm}'`);
  const normParams = (norm === 'layernorm' ? 2 : 1) * h;
  const attnBias = f.bool('attn_bias', true);
  const linearBias = f.bool('linear_bias', true);
  const block =
    2 * normParams +
    h * 3 * qkv +
    qkv * h +
    (attnBias ? 3 * qkv + h : 0) +
    2 * h * inter +
    (linearBias ? inter + h : 0);
  const merged = mm * merge[0] * merge[1];
  const projector = merged * merged + merged * textHidden + textHidden;
  const params =
    3 * patch * patch * h +
    (f.bool('patch_embed_proj_bias', true) ? h : 0) +
    posRows * h +
    depth * block +
    normParams +
    projector;
  return {
    description: `MoonViT3d ${depth} × ${h}, patch ${patch}, merge ${merge[0]}×${merge[1]}`,
    params,
    patchSize: patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/**
 * Gemma 4 vision tower (transformers `models/gemma4/modeling_gemma4.py`: Gemma4VisionModel and the
 * `embed_vision` Gemma4MultimodalEmbedder): a bias-free patch projection (3·patch² → h), a learned
 * 2 × `position_embedding_size` × h table (x and y positions, a lookup), `num_hidden_layers` blocks
 * of four RMSNorms, attention (q, k, v, o without bias; q/k RMSNorms of `head_dim`, a weightless
 * v norm) and a gated MLP (gate, up, down), no final norm; the pooler averages k×k patches
 * (`pooling_kernel_size`) into soft tokens without parameters, and `embed_vision` (weightless
 * RMSNorm, h → text hidden) projects them. Images keep their aspect ratio up to a patch budget, so
 * FLOPs per image are given at the config's default budget: `vision_soft_tokens_per_image` soft
 * tokens of k² patches each. Clipped linears' bounds and `standardize`'s bias/scale are buffers.
 */
export function readGemma4Vision(top: Fields, f: Fields, textHidden: number): VisionTowerSpec {
  const h = f.positiveInt('hidden_size', { max: MAX.hidden });
  const depth = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const inter = f.positiveInt('intermediate_size', { max: MAX.intermediate });
  const heads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  const kvHeads = f.positiveInt('num_key_value_heads', { fallback: heads, max: MAX.heads });
  if (heads % kvHeads !== 0)
    f.fail('num_key_value_heads', `(${kvHeads}) must divide num_attention_heads (${heads})`);
  const headDim = f.positiveInt('head_dim', { max: MAX.headDim });
  const patch = f.positiveInt('patch_size', { max: 4096 });
  const positions = f.positiveInt('position_embedding_size', { max: MAX.positions });
  const pool = f.positiveInt('pooling_kernel_size', { max: 64 });
  const fallback = f.positiveInt('default_output_length', { fallback: 280, max: 1_000_000 });
  const tokens = top.positiveInt('vision_soft_tokens_per_image', { fallback, max: 1_000_000 });
  const layerMatmuls = h * (heads + 2 * kvHeads) * headDim + heads * headDim * h + 3 * h * inter;
  const block = layerMatmuls + 2 * headDim + 4 * h;
  const patchIn = 3 * patch * patch * h;
  const params = patchIn + 2 * positions * h + depth * block + h * textHidden;
  const patches = tokens * pool * pool;
  // Bidirectional attention over the image's patches: 2·2·heads·head_dim FLOPs per (query, key) pair.
  const attentionFlops = depth * 4 * heads * headDim * patches * patches;
  const flopsPerImage =
    2 * patches * patchIn + 2 * patches * depth * layerMatmuls + attentionFlops + 2 * tokens * h * textHidden;
  return {
    description: `Gemma 4 ViT ${depth} × ${h}, patch ${patch}, ${pool}×${pool} pooling (${patches} patches → ${tokens} tokens per image at the default budget)`,
    params,
    patchSize: patch,
    imageSize: null,
    flopsPerImage,
  };
}
