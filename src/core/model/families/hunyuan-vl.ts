/**
 * HunyuanOCR (`hunyuan_vl`, transformers `models/hunyuan_vl/modular_hunyuan_vl.py`): a Hunyuan dense
 * text model (`hunyuan_vl_text`: HunYuanDenseV1's layer, q/k RMSNorms of head_dim, XD-RoPE without
 * parameters) in `text_config`, or flat at the top level as Tencent's released configs keep it
 * (HunYuanVLConfig folds those keys into the text config), and its vision tower counted apart.
 */
import type { VisionTowerSpec } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { readKvHeads } from './readers.js';

/**
 * HunYuanVLVisionTransformer: a Conv2d patch embedding with bias, a learned table of
 * (max_image_size / patch)² + 1 positions (interpolated to each image's grid), `num_hidden_layers`
 * blocks of LayerNorm → attention (q, k, v, o with bias over `num_key_value_heads`) → LayerNorm →
 * MLP (dense_h_to_4h, dense_4h_to_h with bias), and the perceive merger: RMSNorm(h), Conv2d(h → 2h,
 * kernel m) with bias, GELU, Conv2d(2h → 4h, 1) with bias, a per-row image_newline (4h), mlp
 * (4h → text) with bias, image_begin/end/sep (text each) and RMSNorm(text). Images keep their own
 * size, so no fixed FLOPs per image.
 */
export function readHunyuanVlVision(f: Fields, textHidden: number): VisionTowerSpec {
  const h = f.positiveInt('hidden_size', { max: MAX.hidden });
  const depth = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const inter = f.positiveInt('intermediate_size', { max: MAX.intermediate });
  const heads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  if (h % heads !== 0) f.fail('num_attention_heads', `(${heads}) must divide hidden_size (${h})`);
  const kvHeads = readKvHeads(f, heads);
  const patch = f.positiveInt('patch_size', { max: 4096 });
  const channels = f.positiveInt('num_channels', { fallback: 3, max: 64 });
  const maxImage = f.positiveInt('max_image_size', { max: 1_000_000 });
  const merge = f.positiveInt('spatial_merge_size', { max: 64 });
  const side = Math.floor(maxImage / patch);
  const kv = kvHeads * (h / heads);
  const attention = 2 * (h * h + h) + 2 * (h * kv + kv);
  const block = attention + 2 * h * inter + inter + h + 2 * 2 * h;
  const embedding = channels * patch * patch * h + h + (side * side + 1) * h;
  const merger =
    h +
    (h * 2 * h * merge * merge + 2 * h) +
    (2 * h * 4 * h + 4 * h) +
    4 * h +
    (4 * h * textHidden + textHidden) +
    3 * textHidden +
    textHidden;
  return {
    description: `HunyuanOCR ViT ${depth} × ${h}, patch ${patch}, up to ${maxImage}px (native resolution)`,
    params: embedding + depth * block + merger,
    patchSize: patch,
    imageSize: null,
    flopsPerImage: null,
  };
}
