/**
 * InternVL (`internvl`, transformers `models/internvl/modeling_internvl.py`; and the original
 * `internvl_chat` format, OpenGVLab `modeling_intern_vit.py` and `modeling_internvl_chat.py`): a
 * language model (`text_config`, or `llm_config` in the original format) and InternViT with its
 * projector, counted apart. InternViT: a Conv2d patch embedding with bias, a class token and a
 * position table of patches + 1 rows; per layer two norms (LayerNorm or RMSNorm by `norm_type`),
 * q/k/v (bias per `attention_bias` / `qkv_bias`; fused `qkv` in the original, the same weights), an
 * output projection with bias, RMSNorms of the hidden width on q and k (`use_qk_norm` /
 * `qk_normalization`), two layer-scale vectors and an MLP (fc1, fc2 with bias); a final LayerNorm only
 * without mean pooling (HF `use_mean_pooling` false). The projector (`mlp1`): a LayerNorm of h·(1/r)²
 * after the pixel shuffle by `downsample_ratio` r, then Linear(h·(1/r)² → text) and Linear(text →
 * text), with bias. Images are tiled dynamically, so no fixed FLOPs per image.
 */
import type { VisionTowerSpec } from '../spec.js';
import { type Fields, MAX, shown } from './fields.js';
import type { Family } from './readers.js';
import { squarePatches } from './vision.js';
import { subConfig } from './wrappers.js';

/** A square size given as an int or [height, width] (HF `image_size`, `patch_size`). */
function side(f: Fields, key: string, fallback: number): number {
  const raw = f.raw(key);
  if (Array.isArray(raw)) {
    const [a, b] = f.intList(key, 1_000_000);
    if (raw.length !== 2 || a === undefined || a < 1 || a !== b) {
      f.fail(key, `must be a positive integer or a square [size, size], got ${shown(raw)}`);
    }
    return a;
  }
  return f.positiveInt(key, { fallback, max: 1_000_000 });
}

/** The pixel-shuffle factor k of `downsample_ratio` 1/k (0.5 merges 2 × 2 patches into one token). */
export function shuffleFactor(top: Fields): number {
  const ratio = top.raw('downsample_ratio') ?? 0.5;
  if (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1) || !Number.isInteger(1 / ratio)) {
    top.fail('downsample_ratio', `must be 1/k for a whole k (0.5 merges 2 × 2 patches), got ${shown(ratio)}`);
  }
  return 1 / ratio;
}

/**
 * One InternViT layer: q/k/v and the projection (its bias always, q/k/v biases with `qkvBias`), the
 * MLP fc1/fc2 with biases, the layer scales lambda_1/lambda_2, q/k norms with `qkNorm`, and two norms
 * of `normWeights` each (2h for LayerNorm, h for RMSNorm).
 */
export const internVitLayerParams = (
  h: number,
  inter: number,
  qkvBias: boolean,
  qkNorm: boolean,
  normWeights: number,
): number =>
  4 * h * h + 2 * h * inter + inter + (4 + (qkvBias ? 3 : 0) + (qkNorm ? 2 : 0)) * h + 2 * normWeights;

/** InternVL's mlp1 projector: a LayerNorm over the merged width, Linear merged → text, GELU, Linear text → text. */
export const internVlProjectorParams = (merged: number, textHidden: number): number =>
  2 * merged + merged * textHidden + textHidden + textHidden * textHidden + textHidden;

function readInternVision(
  top: Fields,
  v: Fields,
  textHidden: number,
  format: 'hf' | 'original',
): VisionTowerSpec {
  const h = v.positiveInt('hidden_size', { max: MAX.hidden });
  const inter = v.positiveInt('intermediate_size', { max: MAX.intermediate });
  const depth = v.positiveInt('num_hidden_layers', { max: MAX.layers });
  const channels = v.positiveInt('num_channels', { fallback: 3, max: 64 });
  const image = side(v, 'image_size', format === 'hf' ? 448 : 224);
  const patch = side(v, 'patch_size', 14);
  const patches = squarePatches(v, image, patch);
  const hf = format === 'hf';
  const qkvBias = v.bool(hf ? 'attention_bias' : 'qkv_bias', false);
  const qkNorm = v.bool(hf ? 'use_qk_norm' : 'qk_normalization', !hf);
  const normType = v.string('norm_type', hf ? 'layer_norm' : 'rms_norm');
  if (normType !== 'layer_norm' && normType !== 'rms_norm') {
    v.fail('norm_type', `must be 'layer_norm' or 'rms_norm', got '${normType}'`);
  }
  const norm = normType === 'layer_norm' ? 2 * h : h;
  const merged = h * shuffleFactor(top) ** 2;
  const embeddings = channels * patch * patch * h + h + h + (patches + 1) * h;
  const layer = internVitLayerParams(h, inter, qkvBias, qkNorm, norm);
  const finalNorm = hf && !v.bool('use_mean_pooling', true) ? 2 * h : 0;
  const projector = internVlProjectorParams(merged, textHidden);
  return {
    description: `InternViT ${depth} × ${h}, ${image}px tiles, patch ${patch}`,
    params: embeddings + depth * layer + finalNorm + projector,
    patchSize: patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/** InternVL: the text model of `text_config` (HF) or `llm_config` (original), InternViT counted apart. */
export function internvlFamily(
  familyOf: (modelType: string) => Family | undefined,
  format: 'hf' | 'original',
): Family {
  const textKey = format === 'hf' ? 'text_config' : 'llm_config';
  return (top, name) => {
    const t = subConfig(top, textKey, 'qwen2') ?? top.fail(textKey, 'is required: the language model');
    const textType = t.string('model_type', 'qwen2');
    const text = familyOf(textType) ?? top.fail(textKey, `has an unsupported model_type '${textType}'`);
    const spec = text(t, name);
    const v = subConfig(top, 'vision_config', format === 'hf' ? 'internvl_vision' : 'intern_vit_6b');
    return {
      ...spec,
      modelType: top.modelType,
      vision: v ? readInternVision(top, v, spec.hiddenSize, format) : null,
    };
  };
}
