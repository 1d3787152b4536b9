/**
 * The Pixtral vision tower and its two projectors (Mistral 3's patch merger, LLaVA's MLP), read by the
 * mistral3, lighton_ocr and llava (pixtral tower) readers. Split out of vision.ts.
 */
import type { VisionTowerSpec } from '../spec.js';
import type { Fields } from './fields.js';
import { readFixedVit, vitForwardFlops } from './vision.js';

/**
 * Pixtral vision tower (transformers `models/pixtral/modeling_pixtral.py`): Conv2d patch embedding without
 * bias, ln_pre RMSNorm, `num_hidden_layers` blocks of RMSNorm → attention (q, k, v, o, no bias) → RMSNorm
 * → SwiGLU MLP (no bias); then Mistral 3's projector (`models/mistral3/modeling_mistral3.py`: RMSNorm,
 * patch merger h·m² → h, no bias, linear_1 h → text and linear_2 text → text, biased when
 * `multimodal_projector_bias`, default false) or, under LLaVA (`llava` with a `pixtral` tower:
 * mistral-community/pixtral-12b, Apriel 1.5/1.6), LlavaMultiModalProjector on every patch: linear_1
 * h → text, GELU, linear_2 text → text, biased unless `multimodal_projector_bias` is false.
 */
export function readPixtralVision(
  top: Fields,
  f: Fields,
  textHidden: number,
  projector: 'mistral3' | 'llava' = 'mistral3',
): VisionTowerSpec {
  // `f` carries PixtralVisionConfig's defaults (tower-config-defaults.ts) for the keys it omits.
  const { h, depth, inter, patch, image, channels, patches } = readFixedVit(f);
  const llava = projector === 'llava';
  const merge = llava ? 1 : top.positiveInt('spatial_merge_size', { fallback: 2, max: 64 });
  const bias = top.bool('multimodal_projector_bias', llava);
  const side = image / patch;
  const layerMatmuls = 4 * h * h + 3 * h * inter;
  // Mistral 3: the RMSNorm (h) and the merger (h·m² → h) before linear_1; LLaVA: linear_1 on each patch.
  const merger = llava ? 0 : h + h * merge * merge * h;
  const projectorParams = merger + h * textHidden + textHidden * textHidden + (bias ? 2 * textHidden : 0);
  const params = channels * patch * patch * h + h + depth * (layerMatmuls + 2 * h) + projectorParams;
  const tokens = Math.floor(side / merge) ** 2;
  const mergeFlops = llava ? 0 : h * merge * merge * h;
  const flopsPerImage =
    2 * patches * channels * patch * patch * h +
    vitForwardFlops(patches, depth, layerMatmuls, h) +
    2 * tokens * (mergeFlops + h * textHidden + textHidden * textHidden);
  return {
    description: `Pixtral ViT ${depth} × ${h}, ${image}px, patch ${patch} (${patches} patches → ${tokens} tokens)`,
    params,
    patchSize: patch,
    imageSize: image,
    flopsPerImage,
  };
}
