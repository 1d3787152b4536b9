/**
 * OpenBMB MiniCPM-V 4.6 (`minicpmv4_6`, MiniCPMV4_6ForConditionalGeneration: openbmb/MiniCPM-V-4.6
 * and its -Thinking twin). Shapes from transformers `models/minicpmv4_6/configuration_minicpmv4_6.py`
 * (MiniCPMV4_6Config, MiniCPMV4_6VisionConfig), `modular_minicpmv4_6.py` and
 * `modeling_minicpmv4_6.py` (MiniCPMV4_6Model, MiniCPMV4_6VisionModel, MiniCPMV4_6VisionEmbeddings,
 * MiniCPMV4_6VisionEncoderLayer, MiniCPMV4_6VisionAttention, MiniCPMV4_6ViTWindowAttentionMerger,
 * MiniCPMV4_6Merger, MiniCPMV4_6DownsampleMLP), `models/qwen3_5/configuration_qwen3_5.py`
 * (Qwen3_5TextConfig), checked against vLLM `model_executor/models/minicpmv4_6.py` and the release's
 * safetensors header (1,300,428,016 BF16 parameters).
 *
 * - model.language_model: AutoModel of `text_config` (Qwen3_5TextConfig when absent), read by the
 *   family of its own `model_type` (Qwen3_5TextConfig's defaults for the keys a `qwen3_5_text` config
 *   omits); lm_head tied to its embedding per `tie_word_embeddings`. Qwen3_5TextModel builds no MTP
 *   block and the release ships none, so `mtp_num_hidden_layers` is not counted (numMtpModules 0).
 * - model.vision_tower, counted apart (a SigLIP-so400m-like NaViT tower): embeddings.patch_embedding
 *   (Conv2d c → h, kernel = stride = patch, biased), embeddings.position_embedding of
 *   (image_size // patch_size)² rows of h (bucketed per image size); `num_hidden_layers` layers of
 *   layer_norm1, self_attn q/k/v/out_proj (h → h, biased), layer_norm2, mlp fc1/fc2 (biased);
 *   post_layernorm; vit_merger (applied after layer `insert_layer_id`, built either way):
 *   layer_norm1 (h), self_attn q/k/v/out_proj (h → h, biased) over 2×2 windows, pre_norm of h·k²
 *   (k² = `window_kernel_size` product), linear_1 h·k² → intermediate·k² and linear_2 → h (biased).
 * - model.merger: `merger_times` DownsampleMLPs of 4h inputs (a 2×2 merge; Merger reshapes by
 *   `merge_kernel_size`, so its product must be 4): pre_norm LayerNorm(4h), linear_1 4h → 4h,
 *   linear_2 → h for all but the last, → the text width for the last (biased).
 * `drop_vision_last_layer` is not read by transformers (every layer is built). Images are sliced at
 * native aspect ratio (NaViT packing), so FLOPs per image are not fixed by the config.
 */
import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { VisionTowerSpec } from '../spec.js';
import type { Fields, Json } from './fields.js';
import { type Family, withClassDefaults } from './readers.js';
import { TOWER_CONFIG_DEFAULTS } from './tower-config-defaults.js';
import { readVitBlocks, squarePatches } from './vision.js';
import { builtSubConfig, type FamilyOf, textFamilies, wrapped } from './wrappers.js';

/** MiniCPMV4_6VisionConfig's defaults: SiglipVisionConfig's, plus the window merger's kernel. */
const MINICPMV4_6_VISION_DEFAULTS: Json = {
  ...TOWER_CONFIG_DEFAULTS.siglip_vision_model,
  window_kernel_size: [2, 2],
};

/** MiniCPMV4_6Config's defaults for the merger keys. */
const MERGER_DEFAULTS: Json = { merge_kernel_size: [2, 2], merger_times: 1 };

/** A `(h, w)` kernel of two positive integers, as its product. */
function kernelArea(f: Fields, key: string): number {
  const kernel = f.intList(key, 64);
  if (kernel.length !== 2 || kernel.some((k) => k < 1)) f.fail(key, 'must be two positive integers (h, w)');
  return kernel[0]! * kernel[1]!;
}

/**
 * The vision tower, window-attention merger and MLP merger (see the file comment), `params` exact.
 * `top` is the MiniCPMV4_6Config; `vision_config` takes MiniCPMV4_6VisionConfig's defaults.
 */
function readMiniCpmV46Vision(top: Fields, textHidden: number): VisionTowerSpec {
  const v = builtSubConfig(top, 'vision_config', 'minicpmv4_6_vision', MINICPMV4_6_VISION_DEFAULTS);
  const { h, inter, depth } = readVitBlocks(v);
  const channels = v.positiveInt('num_channels', { max: 64 });
  const patch = v.positiveInt('patch_size', { max: 4096 });
  const image = v.positiveInt('image_size', { max: 1_000_000 });
  const positions = squarePatches(v, image, patch);
  const window = kernelArea(v, 'window_kernel_size');
  const m = withClassDefaults(top, MERGER_DEFAULTS);
  const merge = kernelArea(m, 'merge_kernel_size');
  if (merge !== 4)
    m.fail(
      'merge_kernel_size',
      'must cover 4 patches: MiniCPMV4_6DownsampleMLP takes 4 × hidden_size inputs',
    );
  const times = m.int('merger_times', { fallback: 1, max: 64 });
  const attention = 4 * linear(h, h);
  const block = 2 * layerNorm(h) + attention + linear(h, inter) + linear(inter, h);
  const vitMerger =
    layerNorm(h) +
    attention +
    layerNorm(h * window) +
    linear(h * window, inter * window) +
    linear(inter * window, h);
  const tower =
    linear(channels * patch * patch, h) + positions * h + depth * block + layerNorm(h) + vitMerger;
  // MiniCPMV4_6Merger: merger_times − 1 DownsampleMLPs back to h, then one to the text width.
  const downsample = (out: number) => layerNorm(4 * h) + linear(4 * h, 4 * h) + linear(4 * h, out);
  const merger = Math.max(times - 1, 0) * downsample(h) + downsample(textHidden);
  return {
    description: `SigLIP NaViT ${depth} × ${h}, patch ${patch}, ${positions} positions, window merger + ${Math.max(times, 1)} MLP merger(s)`,
    params: tower + merger,
    patchSize: patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/**
 * The `minicpmv4_6` family: the text model of `text_config` by its own `model_type` (Qwen3.5 by
 * default, without MTP) and the vision tower and mergers counted apart ({@link readMiniCpmV46Vision}).
 */
export function minicpmV46Wrapper(familyOf: FamilyOf): Family {
  const textOf = textFamilies(familyOf, 'MiniCPMV4_6Model');
  const minicpmText: FamilyOf = (type) => {
    const family = textOf(type);
    return (
      family &&
      ((f, name) => ({
        // Qwen3_5TextConfig's defaults come with the sub-config (sub-config-defaults.ts).
        ...family(f, name),
        numMtpModules: 0,
      }))
    );
  };
  const read = wrapped(minicpmText, { textType: 'qwen3_5_text', vision: readMiniCpmV46Vision });
  // MiniCPMV4_6Config builds Qwen3_5TextConfig() when text_config is absent.
  return (top, name) =>
    read(top.has('text_config') ? top : top.with({ text_config: { model_type: 'qwen3_5_text' } }), name);
}
