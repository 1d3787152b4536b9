/**
 * The GLM-4.1V / GLM-4.5V vision tower (transformers `models/glm4v/modeling_glm4v.py`
 * Glm4vVisionModel; `Glm4vMoeVisionModel` is its copy), counted apart from the language model: a
 * Conv3d patch embedding with bias (channels × temporal × patch²), an RMSNorm, a learned position
 * table of (image / patch)² rows, `depth` blocks of RMSNorm → attention (fused qkv, with bias only per
 * `attention_bias`; proj without) → RMSNorm → a SwiGLU MLP of `out_hidden_size` (gate, up, down without
 * bias), a post RMSNorm, a Conv2d downsample (hidden → out, kernel and stride `spatial_merge_size`, with
 * bias), and the patch merger (proj out → out, a LayerNorm with bias, a SwiGLU of `intermediate_size`,
 * all without bias). Images are resized freely (the position table is interpolated), so no fixed FLOPs.
 */
import type { VisionTowerSpec } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { squarePatches } from './vision.js';

export function readGlm4vVision(f: Fields): VisionTowerSpec {
  const h = f.positiveInt('hidden_size', { max: MAX.hidden });
  const depth = f.positiveInt('depth', { max: MAX.layers });
  const out = f.positiveInt('out_hidden_size', { max: MAX.hidden });
  const inter = f.positiveInt('intermediate_size', { max: MAX.intermediate });
  const patch = f.positiveInt('patch_size', { max: 4096 });
  const image = f.positiveInt('image_size', { max: 1_000_000 });
  const temporal = f.positiveInt('temporal_patch_size', { fallback: 2, max: 64 });
  const channels = f.positiveInt('in_channels', { fallback: 3, max: 64 });
  const merge = f.positiveInt('spatial_merge_size', { fallback: 2, max: 64 });
  const qkvBias = f.bool('attention_bias', false);
  const positions = squarePatches(f, image, patch);
  const stem = channels * temporal * patch * patch * h + h + h + positions * h;
  const block = 2 * h + (3 * h * h + (qkvBias ? 3 * h : 0)) + h * h + 3 * h * out;
  const downsample = out * h * merge * merge + out;
  const merger = out * out + 2 * out + 3 * out * inter;
  return {
    description: `GLM-4V ViT ${depth} × ${h}, patch ${patch}, merge ${merge}×${merge}`,
    params: stem + depth * block + h + downsample + merger,
    patchSize: patch,
    imageSize: null,
    flopsPerImage: null,
  };
}
