/**
 * Nemotron-H Omni (`nemotron_h_omni`, NemotronH_Omni_Reasoning_V3: nvidia/Nemotron-3-Nano-Omni-30B-A3B-Reasoning),
 * from transformers `models/nemotron_h_omni/configuration_nemotron_h_omni.py` and
 * `modular_nemotron_h_omni.py` / `modeling_nemotron_h_omni.py`, `models/radio/configuration_radio.py` and
 * `modular_radio.py` (over `models/dinov2/modeling_dinov2.py`), `models/parakeet/configuration_parakeet.py` and
 * `modular_parakeet.py` (over `models/fastspeech2_conformer`'s convolution module). The model builds:
 *
 * - language_model: AutoModelForCausalLM of `text_config` (released checkpoints: `llm_config`), a Nemotron-H
 *   model, read by the family of its `model_type` ({@link nemotronH} for `nemotron_h`).
 * - vision_model: RadioModel of `vision_config` (RadioConfig's defaults, C-RADIOv4-H, under the keys it
 *   omits). RadioPatchEmbeddings: patch_projection (C·P² → h, no bias); video_patch_projection
 *   (T·C·P² → h, no bias) when `video_temporal_patch_size` T is set (the omni config defaults it to 2);
 *   position_embedding of (max_img_size / P)² rows; cls_register_token of num_cls_tokens + num_registers rows.
 *   Per layer (Dinov2Layer): norm1 and norm2 LayerNorms; q/k/v projections h → h (bias = qkv_bias) and
 *   o_proj h → h with bias; two LayerScale vectors (lambda1, h each; built though the checkpoints omit
 *   them); the MLP fc1 h → ⌊h·mlp_ratio⌋ and fc2 back, with bias (or, with use_swiglu_ffn, Dinov2SwiGLUFFN:
 *   weights_in h → 2f and weights_out f → h with bias, f = ⌊(⌊⌊h·mlp_ratio⌋·2/3⌋ + 7) / 8⌋·8). No final
 *   norm; the input conditioner and summary_idxs are buffers.
 * - vision_final_layernorm: a LayerNorm(vision_hidden_size), only when the text model has MTP layers
 *   (`num_nextn_predict_layers` > 0).
 * - multi_modal_projector: RMSNorm(v·k²), Linear(v·k² → projector_hidden_size), ReLU², Linear(→ text
 *   hidden), no bias, v = `vision_hidden_size` (released: `vit_hidden_size`), k = int(1 / downsample_ratio).
 * - audio_tower (when `audio_config`, released: `sound_config`, is given): ParakeetEncoder, with
 *   attention_bias and scale_input false unless the config sets them, then ParakeetEncoderConfig's
 *   defaults. Subsampling: Conv2d(1 → c, s×s) with bias, then log2(subsampling_factor) − 1 pairs of a
 *   depthwise Conv2d(c, s×s) and a pointwise Conv2d(c → c) with bias, then Linear(c·⌊mels / stride^n⌋ → d)
 *   with bias. Per conformer block: two feed-forwards (linear1 d → ffn, linear2 ffn → d, bias =
 *   attention_bias); attention q/k/v/o d → d (bias = attention_bias), relative_k_proj d → d without bias,
 *   bias_u and bias_v (heads × head_dim each); the convolution module pointwise_conv1 d → 2d, depthwise
 *   conv (d, kernel conv_kernel_size), BatchNorm1d(d) (weight and bias; running stats are buffers),
 *   pointwise_conv2 d → d, the convolutions' bias = convolution_bias; five LayerNorms. The relative
 *   positional encoding is a buffer.
 * - embed_audio: the same projector shape, RMSNorm(d), Linear(d → projection_hidden_size), ReLU²,
 *   Linear(→ text hidden), bias = the audio config's projection_bias (both keys required: the model
 *   reads them and no class defaults them).
 *
 * Images and video frames are tiled to a dynamic patch budget, so no fixed FLOPs per image; audio FLOPs
 * depend on the clip (`spec.audio` has none).
 */
import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { ModelSpec, VisionTowerSpec } from '../spec.js';
import { type Fields, type Json, MAX, shown } from './fields.js';
import { type Family, withClassDefaults } from './readers.js';
import { builtSubConfig, type FamilyOf, subConfig } from './wrappers.js';

const fmt = (n: number) => n.toLocaleString('en-US');

/** RadioConfig's defaults (nvidia/C-RADIOv4-H), with the video patch size the omni config passes it. */
const RADIO_DEFAULTS: Json = {
  hidden_size: 1280,
  num_hidden_layers: 32,
  num_attention_heads: 16,
  mlp_ratio: 4.0,
  use_swiglu_ffn: false,
  qkv_bias: true,
  num_channels: 3,
  patch_size: 16,
  max_img_size: 2048,
  num_cls_tokens: 3,
  num_registers: 7,
  video_temporal_patch_size: 2,
};

/** The omni config's attention_bias override, then ParakeetEncoderConfig's defaults (those llmecon reads). */
const PARAKEET_DEFAULTS: Json = {
  attention_bias: false,
  hidden_size: 1024,
  num_hidden_layers: 24,
  num_attention_heads: 8,
  intermediate_size: 4096,
  convolution_bias: true,
  conv_kernel_size: 9,
  subsampling_factor: 8,
  subsampling_conv_channels: 256,
  num_mel_bins: 80,
  subsampling_conv_kernel_size: 3,
  subsampling_conv_stride: 2,
};

/** The key a current config names, else its released (legacy) name. */
const either = (f: Fields, key: string, legacy: string): string =>
  f.has(key) || !f.has(legacy) ? key : legacy;

/** RMSNorm(in) → Linear(in → hidden) → ReLU² → Linear(hidden → out): NemotronH_Omni_Reasoning_V3MultiModalProjector. */
const projectorParams = (input: number, hidden: number, out: number, bias: boolean): number =>
  input + linear(input, hidden, bias) + linear(hidden, out, bias);

/** The RADIO tower and its projector (see the file comment). */
function readRadioVision(top: Fields, v: Fields, textHidden: number, mtp: boolean): VisionTowerSpec {
  const h = v.positiveInt('hidden_size', { max: MAX.hidden });
  const depth = v.positiveInt('num_hidden_layers', { max: MAX.layers });
  const heads = v.positiveInt('num_attention_heads', { max: MAX.heads });
  if (h % heads !== 0) v.fail('num_attention_heads', `(${heads}) must divide hidden_size (${h})`);
  const ffn = Math.floor(h * v.positiveNumber('mlp_ratio', 1000));
  const channels = v.positiveInt('num_channels', { max: 64 });
  const patch = v.positiveInt('patch_size', { max: 4096 });
  const grid = Math.floor(v.positiveInt('max_img_size', { max: 1_000_000 }) / patch);
  if (grid < 1) v.fail('max_img_size', `must be at least patch_size (${patch})`);
  const prefix = v.int('num_cls_tokens', { max: 1024 }) + v.int('num_registers', { max: 1024 });
  const frames = v.has('video_temporal_patch_size')
    ? v.positiveInt('video_temporal_patch_size', { max: 1024 })
    : 0;
  const patchDim = channels * patch * patch;
  const embeddings = patchDim * h + frames * patchDim * h + grid * grid * h + prefix * h;

  let mlp: number;
  if (v.bool('use_swiglu_ffn', false)) {
    const f = Math.floor((Math.floor((ffn * 2) / 3) + 7) / 8) * 8;
    mlp = linear(h, 2 * f) + linear(f, h);
  } else {
    mlp = linear(h, ffn) + linear(ffn, h);
  }
  const qkvBias = v.bool('qkv_bias', true);
  const layer = 2 * layerNorm(h) + 3 * linear(h, h, qkvBias) + linear(h, h) + 2 * h + mlp;

  const ratio = top.raw('downsample_ratio') ?? 0.5;
  if (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1)) {
    top.fail(
      'downsample_ratio',
      `must be a number in (0, 1] (0.5 merges 2 × 2 patches), got ${shown(ratio)}`,
    );
  }
  const merge = Math.trunc(1 / ratio);
  const visionKey = either(top, 'vision_hidden_size', 'vit_hidden_size');
  const vision = top.positiveInt(visionKey, { fallback: 1280, max: MAX.hidden });
  const projHidden = top.positiveInt('projector_hidden_size', { fallback: 4096, max: MAX.intermediate });
  const projector = projectorParams(vision * merge * merge, projHidden, textHidden, false);
  const finalNorm = mtp ? layerNorm(vision) : 0;
  return {
    description: `C-RADIO ViT ${depth} × ${h}, patch ${patch}${frames ? `, ${frames}-frame video patches` : ''}; pixel shuffle ${merge}×${merge}, projector ${fmt(vision * merge * merge)} → ${fmt(projHidden)} → ${fmt(textHidden)}`,
    params: embeddings + depth * layer + finalNorm + projector,
    patchSize: patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/**
 * The language model of `text_config` (NVIDIA's remote-code releases: `llm_config`), read by the family of
 * its own `model_type` (`defaultType` when it names none).
 */
export function readLanguageModel(
  familyOf: FamilyOf,
  top: Fields,
  name: string,
  defaultType: string,
): { readonly spec: ModelSpec; readonly t: Fields } {
  const key = either(top, 'text_config', 'llm_config');
  const t = subConfig(top, key, defaultType) ?? top.fail(key, 'is required: the language model');
  const type = t.string('model_type', defaultType);
  const text = familyOf(type) ?? top.fail(key, `has an unsupported model_type '${type}'`);
  return { spec: text(t, name), t };
}

/** The Parakeet audio tower of `audio_config` (released: `sound_config`); null without one. */
export function readParakeetTower(top: Fields, textHidden: number): ModelSpec['audio'] {
  const a = top.child(either(top, 'audio_config', 'sound_config'));
  return a ? readParakeetAudio(withClassDefaults(a, PARAKEET_DEFAULTS), textHidden) : null;
}

/** The Parakeet (FastConformer) encoder and its projector (see the file comment). */
function readParakeetAudio(a: Fields, textHidden: number): NonNullable<ModelSpec['audio']> {
  const d = a.positiveInt('hidden_size', { max: MAX.hidden });
  const depth = a.positiveInt('num_hidden_layers', { max: MAX.layers });
  const heads = a.positiveInt('num_attention_heads', { max: MAX.heads });
  const qDim = heads * Math.floor(d / heads);
  if (qDim === 0) a.fail('num_attention_heads', `(${heads}) must be at most hidden_size (${d})`);
  const ffn = a.positiveInt('intermediate_size', { max: MAX.intermediate });
  const bias = a.bool('attention_bias', false);
  const convBias = a.bool('convolution_bias', true);
  const kernel = a.positiveInt('conv_kernel_size', { max: 1024 });
  const channels = a.positiveInt('subsampling_conv_channels', { max: MAX.hidden });
  const factor = a.positiveInt('subsampling_factor', { max: 1024 });
  const steps = Math.log2(factor);
  if (!Number.isInteger(steps) || steps < 1)
    a.fail('subsampling_factor', `must be a power of 2 from 2, got ${factor}`);
  const sk = a.positiveInt('subsampling_conv_kernel_size', { max: 1024 });
  const stride = a.positiveInt('subsampling_conv_stride', { max: 1024 });
  const mels = a.positiveInt('num_mel_bins', { max: 100_000 });
  const melsOut = Math.floor(mels / stride ** steps);
  if (melsOut < 1) a.fail('num_mel_bins', `(${mels}) must be at least subsampling_conv_stride^${steps}`);
  if (!a.has('projection_hidden_size'))
    a.fail('projection_hidden_size', 'is required: the audio projector width');
  const projHidden = a.positiveInt('projection_hidden_size', { max: MAX.intermediate });
  if (!a.has('projection_bias'))
    a.fail('projection_bias', 'is required: whether the audio projector has biases');
  const projBias = a.bool('projection_bias', false);

  const subsampling =
    channels * sk * sk +
    channels +
    (steps - 1) * (channels * sk * sk + channels + linear(channels, channels)) +
    linear(channels * melsOut, d);
  const feedForward = linear(d, ffn, bias) + linear(ffn, d, bias);
  const attention = 3 * linear(d, qDim, bias) + linear(qDim, d, bias) + d * qDim + 2 * qDim;
  const conv = linear(d, 2 * d, convBias) + d * kernel + (convBias ? d : 0) + 2 * d + linear(d, d, convBias);
  const layer = 2 * feedForward + attention + conv + 5 * layerNorm(d);
  const projector = projectorParams(d, projHidden, textHidden, projBias);
  return {
    description: `Parakeet FastConformer ${depth} × ${d}, ${factor}× subsampling of ${mels} mel bins; projector ${fmt(d)} → ${fmt(projHidden)} → ${fmt(textHidden)}`,
    params: subsampling + depth * layer + projector,
  };
}

/** Nemotron-H Omni: the Nemotron-H text model, the RADIO tower and the Parakeet encoder counted apart. */
export function nemotronHOmniFamily(familyOf: FamilyOf): Family {
  return (top, name) => {
    const { spec, t } = readLanguageModel(familyOf, top, name, 'nemotron_h');
    const mtp = t.int('num_nextn_predict_layers', { fallback: 0, max: MAX.layers }) > 0;
    const v = builtSubConfig(top, 'vision_config', 'radio', RADIO_DEFAULTS);
    return {
      ...spec,
      modelType: top.modelType,
      vision: readRadioVision(top, v, spec.hiddenSize, mtp),
      audio: readParakeetTower(top, spec.hiddenSize),
    };
  };
}
