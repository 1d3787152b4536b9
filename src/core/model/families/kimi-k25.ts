/**
 * Kimi-K2.5 (`model_type` "kimi_k25"; also Kimi-K2.6 and Kimi-K2.7-Code, which ship the same
 * KimiK25ForConditionalGeneration): a DeepSeek-V3 text model in `text_config` (`kimi_k2` or
 * `deepseek_v3`), a MoonViT3d vision tower and a PatchMerger projector in `vision_config`.
 *
 * The modules are those the checkpoint's remote code builds (moonshotai/Kimi-K2.5
 * `modeling_kimi_k25.py`, read in the copy Ascend/MindSpeed-MM keeps at
 * `mindspeed_mm/fsdp/models/kimik2_5/modeling_kimi_k25.py`; cross-checked against vLLM
 * `vllm/model_executor/models/kimi_k25_vit.py`, MoonViT3dPretrainedModel and
 * KimiK25MultiModalProjector, whose defaults build the same shapes from these configs).
 */
import type { VisionTowerSpec } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import type { Family } from './readers.js';
import { readMoonVitShape } from './vision.js';
import { subConfig, wrapped } from './wrappers.js';

/** Input channels of MoonVision3dPatchEmbed's Conv2d (`in_dim: int = 3`, not taken from the config). */
const PATCH_CHANNELS = 3;

/**
 * Kimi-K2.5's vision tower and projector, from `vision_config` (KimiK25ForConditionalGeneration):
 * - MoonViT3dPretrainedModel (`vision_tower.*`): patch_embed.proj, a Conv2d 3 → h with bias over
 *   patch × patch pixels; patch_embed.pos_emb.weight, a learned init_pos_emb_height × width × h table
 *   (Learnable2DInterpPosEmbDivided_fixed; its sin-cos time table is a non-persistent buffer);
 *   `vt_num_hidden_layers` MoonViTEncoderLayers of norm0 (LayerNorm h) → wqkv (h → 3h) → wo (h → h),
 *   both biased (`attn_bias: True` in the block config) → norm1 (LayerNorm h) → MLP2 fc0 (h →
 *   vt_intermediate_size) and fc1 (back to h), both biased; encoder.final_layernorm (LayerNorm h).
 *   The 2D RoPE (Rope2DPosEmbRepeated) and the sd2_tpool merge (temporal mean, 2×2 regroup) have no
 *   parameters.
 * - PatchMergerMLP (`mm_projector.*`, `mm_projector_type` "patchmerger"): pre_norm LayerNorm
 *   (mm_hidden_size), proj.0 Linear (m → m) and proj.2 Linear (m → text_hidden_size), both biased,
 *   with m = mm_hidden_size × merge_kernel_size[0] × merge_kernel_size[1]; "mlp" (pre_norm, Linear
 *   mm_hidden_size → text, Linear text → text, biased) and "identity" (none) are the other types the
 *   remote code builds.
 * The remote code reads no bias, norm or qkv-width keys for the tower (Kimi K3's `attn_bias`,
 * `norm_type`, `qkv_hidden_size`, … are not Kimi-K2.5 keys): it always builds the shapes above.
 * Images keep their own size (the processor picks the patch grid), so FLOPs per image are not fixed.
 */
export function readKimiK25Vision(f: Fields, textHidden: number): VisionTowerSpec {
  const need = (key: string, value: string) => {
    const got = f.string(key, value);
    if (got !== value)
      f.fail(key, `'${got}' is not supported; Kimi-K2.5's vision tower is built with '${value}'`);
  };
  need('pos_emb_type', 'divided_fixed');
  need('merge_type', 'sd2_tpool');
  need('video_attn_type', 'spatial_temporal');
  const projectorType = f.string('mm_projector_type', 'patchmerger');
  if (projectorType !== 'patchmerger' && projectorType !== 'mlp' && projectorType !== 'identity')
    f.fail(
      'mm_projector_type',
      `'${projectorType}' is not supported; Kimi-K2.5 builds 'patchmerger', 'mlp' or 'identity'`,
    );
  const { h, depth, inter, patch, posRows, merge } = readMoonVitShape(f);
  // The projector's pre_norm normalizes the tower's output patches, so its width is the tower's.
  const mm = f.positiveInt('mm_hidden_size', { fallback: h, max: MAX.hidden });
  if (mm !== h)
    f.fail('mm_hidden_size', `(${mm}) must equal vt_hidden_size (${h}), the tower's output width`);
  // The projector writes into the text model's embedding stream.
  const text = f.positiveInt('text_hidden_size', { fallback: textHidden, max: MAX.hidden });
  if (text !== textHidden)
    f.fail('text_hidden_size', `(${text}) must equal the text model's hidden_size (${textHidden})`);

  const layerNorm = 2 * h;
  const block = 2 * layerNorm + (h * 3 * h + 3 * h) + (h * h + h) + (h * inter + inter) + (inter * h + h);
  const tower = PATCH_CHANNELS * patch * patch * h + h + posRows * h + depth * block + layerNorm;
  const merged = mm * merge[0] * merge[1];
  const projector =
    projectorType === 'patchmerger'
      ? 2 * mm + (merged * merged + merged) + (merged * text + text)
      : projectorType === 'mlp'
        ? 2 * mm + (mm * text + text) + (text * text + text)
        : 0;
  return {
    description: `MoonViT3d ${depth} × ${h}, patch ${patch}, merge ${merge[0]}×${merge[1]}, ${projectorType} projector`,
    params: tower + projector,
    patchSize: patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/**
 * The `kimi_k25` family: the text model by `text_config.model_type` (`kimi_k2` and `deepseek_v3`
 * are DeepSeek-V3's family; vLLM's KimiK25Config reads text_config as DeepseekV3Config), the tower
 * and projector counted apart as the vision tower.
 */
export function kimiK25Wrapper(familyOf: (modelType: string) => Family | undefined): Family {
  return wrapped(familyOf, {
    textType: 'deepseek_v3',
    vision: (top, textHidden) => {
      const v = subConfig(top, 'vision_config', 'kimi_k25_vision');
      return v ? readKimiK25Vision(v, textHidden) : null;
    },
  });
}
