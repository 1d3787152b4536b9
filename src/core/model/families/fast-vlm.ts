/**
 * Apple FastVLM (`fast_vlm`; apple/FastVLM-0.5B, -1.5B, -7B, converted by transformers'
 * `models/fast_vlm/convert_fastvlm_weights_to_hf.py`). transformers `models/fast_vlm/modular_fast_vlm.py`
 * (FastVlmConfig, FastVlmMultiModalProjector, FastVlmModel = LlavaModel) and
 * `models/timm_wrapper/modeling_timm_wrapper.py` (TimmWrapperModel: `timm.create_model(architecture,
 * num_classes=0, **model_args)`); the tower itself is timm's `timm/models/fastvit.py` (FastVit,
 * `fastvit_mci3` = FastViTHD, `fastvit_mci4`). Modules:
 *
 * - language_model: `text_config` by its own `model_type` (Qwen2); without a text_config FastVlmConfig
 *   builds Qwen2Config(hidden 3584, vocab 152128, intermediate 18944, 28 heads, 4 KV heads, 28 layers).
 * - vision_tower: a TimmWrapperConfig; the stage table is not in the config but in timm's registration
 *   of `architecture` (class defaults, {@link FASTVIT_STAGES}). With `model_args.inference_mode` (the
 *   converter's, the only layout the checkpoints load into) every MobileOne / large-kernel / RepMixer /
 *   RepCPE branch is one reparameterized conv with bias: stem (3×3 full conv stride 2, 3×3 depthwise
 *   stride 2, 1×1 full conv); per stage but the first a PatchEmbed (7×7 conv of groups = the input
 *   width to the stage width, 1×1 full conv); stages with RepCPE a 7×7 depthwise conv; RepMixer
 *   blocks (3×3 depthwise conv, ConvMlp, layer scale) or attention blocks (LayerNorm2d, qkv without
 *   bias, proj with bias, two layer scales, ConvMlp); ConvMlp is a 7×7 depthwise conv without bias +
 *   BatchNorm (weight, bias; running statistics are buffers), fc1 d → 4d and fc2 4d → d 1×1 convs
 *   with bias; final_conv a 3×3 conv of groups = d to 2d with bias and an SE module (fc1 2d → 2d/16,
 *   fc2 back, with bias); the classifier head holds nothing (num_classes 0).
 * - multi_modal_projector: linear_1 (vision hidden_size → text hidden), GELU, linear_2 (text →
 *   text), biased when `multimodal_projector_bias` (default true).
 *
 * Images are cropped to a size set in the processor (1024 px, 64× downsampling: 256 tokens), not in
 * the config, so FLOPs per image are not given.
 */
import type { VisionTowerSpec } from '../spec.js';
import type { Fields, Json } from './fields.js';
import type { Family } from './readers.js';
import { type FamilyOf, textFamilies, wrapped } from './wrappers.js';

/** FastVlmConfig's text_config when it has none (FastVLM-7B's Qwen2; Qwen2Config defaults beneath). */
export const FAST_VLM_TEXT_DEFAULTS: Json = {
  model_type: 'qwen2',
  hidden_size: 3584,
  vocab_size: 152_128,
  intermediate_size: 18_944,
  num_attention_heads: 28,
  num_key_value_heads: 4,
  num_hidden_layers: 28,
};

/** FastVlmConfig's vision_config when it has none: timm's FastViTHD, reparameterized. */
export const FAST_VLM_VISION_DEFAULTS: Json = {
  model_type: 'timm_wrapper',
  architecture: 'fastvit_mci3',
  do_pooling: true,
  global_pool: 'avg',
  hidden_size: 3072,
  model_args: { inference_mode: true },
};

type Mixer = 'repmixer' | 'attention';

interface FastVitStages {
  readonly layers: readonly number[];
  readonly dims: readonly number[];
  readonly mixers: readonly Mixer[];
  /** Stages with a RepConditionalPosEnc (7×7) after their downsample. */
  readonly posEmb: readonly boolean[];
}

const MCI_BIG_MIXERS: readonly Mixer[] = ['repmixer', 'repmixer', 'repmixer', 'attention', 'attention'];
const MCI_BIG_POS = [false, false, false, true, true];

/**
 * timm `fastvit.py` registrations (the config names only the architecture): MLP ratio 4 everywhere,
 * a downsample before every stage but the first, no SE in the downsamples, attention head_dim 32.
 */
export const FASTVIT_STAGES: Readonly<Record<string, FastVitStages>> = {
  fastvit_mci3: {
    layers: [2, 12, 24, 4, 2],
    dims: [96, 192, 384, 768, 1536],
    mixers: MCI_BIG_MIXERS,
    posEmb: MCI_BIG_POS,
  },
  fastvit_mci4: {
    layers: [2, 12, 24, 4, 4],
    dims: [128, 256, 512, 1024, 2048],
    mixers: MCI_BIG_MIXERS,
    posEmb: MCI_BIG_POS,
  },
};

/** ConvMlp: 7×7 depthwise conv (no bias) + BatchNorm, fc1 d → 4d and fc2 4d → d (1×1, with bias). */
const convMlp = (d: number) => 49 * d + 2 * d + (d * 4 * d + 4 * d) + (4 * d * d + d);

/** A RepMixerBlock: reparameterized 3×3 depthwise conv with bias, ConvMlp, layer scale. */
const repMixerBlock = (d: number) => 9 * d + d + convMlp(d) + d;

/** An AttentionBlock: LayerNorm2d, qkv (no bias), proj (with bias), ConvMlp, two layer scales. */
const attentionBlock = (d: number) => 2 * d + 3 * d * d + (d * d + d) + convMlp(d) + 2 * d;

/** Parameters of a reparameterized FastViT without classifier (see the file comment). */
export function fastVitParams(s: FastVitStages, channels: number): { params: number; features: number } {
  const d0 = s.dims[0]!;
  let params = channels * 9 * d0 + d0 + (9 * d0 + d0) + (d0 * d0 + d0);
  s.dims.forEach((d, i) => {
    if (i > 0) params += 49 * d + d + (d * d + d);
    if (s.posEmb[i]) params += 49 * d + d;
    const block = s.mixers[i] === 'attention' ? attentionBlock(d) : repMixerBlock(d);
    params += s.layers[i]! * block;
  });
  const features = 2 * s.dims[s.dims.length - 1]!;
  const squeeze = features / 16;
  params += 9 * features + features + (features * squeeze + squeeze) + (squeeze * features + features);
  return { params, features };
}

/** The FastViT tower and the projector of `top`'s vision_config (its defaults when absent). */
export function readFastVlmVision(top: Fields, textHidden: number): VisionTowerSpec {
  const src = top.has('vision_config') ? top : top.with({ vision_config: FAST_VLM_VISION_DEFAULTS });
  const v: Fields = src.child('vision_config') ?? src.fail('vision_config', 'must be an object');
  const type = v.string('model_type', 'timm_wrapper');
  if (type !== 'timm_wrapper')
    v.fail('model_type', `is '${type}'; FastVLM's vision tower is a 'timm_wrapper'`);
  const arch = v.string('architecture', '');
  const stages = FASTVIT_STAGES[arch];
  if (!stages) {
    v.fail(
      'architecture',
      `'${arch}' is not a FastViT llmecon reads: ${Object.keys(FASTVIT_STAGES).join(', ')}`,
    );
  }
  const args: Fields | null = v.child('model_args');
  const extra = args?.keys().filter((k) => k !== 'inference_mode' && k !== 'in_chans') ?? [];
  if (extra.length > 0) v.fail('model_args', `sets ${extra.join(', ')}, which change timm's ${arch} stages`);
  if (!args?.bool('inference_mode', false)) {
    v.fail(
      'model_args',
      "must set inference_mode: true (the reparameterized layout FastVLM's checkpoints hold)",
    );
  }
  const channels = args.positiveInt('in_chans', { fallback: 3, max: 64 });
  const { params, features } = fastVitParams(stages, channels);
  const hidden = v.positiveInt('hidden_size', { fallback: features });
  if (hidden !== features) {
    v.fail('hidden_size', `(${hidden}) must be ${arch}'s output width ${features}: the projector reads it`);
  }
  const bias = top.bool('multimodal_projector_bias', true) ? 1 : 0;
  const projector = features * textHidden + textHidden * textHidden + bias * 2 * textHidden;
  const blocks = stages.layers.reduce((a, b) => a + b, 0);
  return {
    description: `FastViT ${arch} (${blocks} blocks, ${stages.dims.join('/')} → ${features}), 64× downsampling`,
    params: params + projector,
    patchSize: 64,
    imageSize: null,
    flopsPerImage: null,
  };
}

/** The `fast_vlm` family (FastVlmForConditionalGeneration): text model, FastViT tower and projector. */
export function fastVlmWrapper(familyOf: FamilyOf): Family {
  const read = wrapped(textFamilies(familyOf, 'FastVlmForConditionalGeneration'), {
    textType: 'qwen2',
    vision: readFastVlmVision,
  });
  return (top, name) =>
    read(top.has('text_config') ? top : top.with({ text_config: FAST_VLM_TEXT_DEFAULTS }), name);
}
