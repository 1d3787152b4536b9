/**
 * Phi-4-multimodal (microsoft/Phi-4-multimodal-instruct, Feb 2025, 5.6B), in both spellings of its config:
 *
 * - `phi4mm`, the release's remote code: `configuration_phi4mm.py` (Phi4MMConfig), `modeling_phi4mm.py`
 *   (Phi4MMForCausalLM, Phi4MMModel, Phi4MMImageAudioEmbedding, Phi4MMImageEmbedding,
 *   Phi4MMAudioEmbedding), `vision_siglip_navit.py` (get_siglip_vision_model: the tower's shape is fixed
 *   there, SigLIP-so400m at 448 px, and not read from config.json) and `speech_conformer_encoder.py`
 *   (ConformerEncoder, configured by `audio_processor.config` in its own key names). Crop, projector and
 *   token-compression settings sit in `embd_layer`, the LoRA adapters in `vision_lora` / `speech_lora`.
 * - `phi4_multimodal`, transformers' port: `models/phi4_multimodal/configuration_phi4_multimodal.py`
 *   (Phi4MultimodalConfig, Phi4MultimodalVisionConfig, Phi4MultimodalAudioConfig) and
 *   `modeling_phi4_multimodal.py` (Phi4MultimodalForCausalLM; Phi4MultimodalImageEmbedding with
 *   Phi4MultimodalVisionModel; Phi4MultimodalAudioEmbedding with Phi4MultimodalAudioModel and its
 *   NemoConvSubsampling, RelativeAttentionBias, MeanVarianceNormLayer and ConformerEncoderLayer: MLP,
 *   Attention, ConvModule): decoder keys at the top level beside `vision_config` and `audio_config`.
 * `convert_phi4_multimodal_weights_to_hf.py` renames the release's config keys and tensors onto the
 * port's and refuses unless each release tensor but the LoRA ones lands on a port tensor and only the tied
 * lm_head is left without one, so one tensor-by-tensor count serves both spellings.
 *
 * - Decoder: Phi-4-mini's (fused qkv_proj and gate_up_proj, tied embeddings), read by {@link phi3} on the
 *   top-level keys, the configuration class's defaults under those a file omits.
 * - `spec.vision`: the SigLIP tower (patch Conv2d, a (image/patch)² position table, LayerNorm blocks with
 *   biased q/k/v/out and fc1/fc2, post_layernorm, and the attention-pooling head, held in the checkpoint
 *   and run by the port's forward though unused; features come from the second-to-last layer, but every layer
 *   runs), the two learned separators (global/sub_img_feature_extensor, the release's glb_GN/sub_GN) and the
 *   projector (img_projection_up h_v → h, GELU, img_projection_down h → h, biased). Images are tiled into
 *   `crop_size` crops plus a global view, each encoded apart, 2×2 average-pooled and given a separator
 *   per row; FLOPs are stated for a `crop_size` image: its global view and one crop, 2·s(s + 1) + 1 tokens.
 * - `spec.audio`: the Conformer (global_mean/global_invstd, persistent buffers in the checkpoint and
 *   counted; the NeMo conv subsampling; the T5 relative-bias table; per block two half-step FFNs,
 *   attention, the conv module and two LayerNorms) and both projectors (speech and vision-speech, each
 *   h_a·downsample → h → h, biased).
 * - LoRA: the release checkpoint also holds two PEFT adapters (lora_A r × in, lora_B out × r, no bias) on
 *   every decoder layer's qkv_proj, o_proj, gate_up_proj and down_proj: `vision` (r 256), switched on for
 *   requests with an image, and `speech` (r 320), for audio-only ones (Phi4MMForCausalLM.forward picks the
 *   adapter by input_mode). Each is added to the params of the encoder whose requests switch it on, and
 *   its description says so; it runs on every token of such a request, and those FLOPs (2·r·(in + out)
 *   per module per token) are not in the decoder's. The port's checkpoint leaves them out: the converter's
 *   extract_adapters_data writes them to `vision-lora/` and `speech-lora/` (loaded with load_adapter) with
 *   r 256 and 320, which phi4_multimodal's config.json does not repeat, so those ranks are used.
 */

import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { GqaAttention, ModelSpec, VisionTowerSpec } from '../spec.js';
import { type Fields, type Json, MAX, shown } from './fields.js';
import { phi3 } from './phi3.js';
import { type Family, withClassDefaults } from './readers.js';
import { vitForwardFlops } from './vision.js';

const fmt = (n: number) => n.toLocaleString('en-US');

/** The decoder defaults Phi4MultimodalConfig and Phi4MMConfig share (Phi-4-mini's shape, 32 query heads). */
const TEXT_BASE: Json = {
  vocab_size: 200_064,
  hidden_size: 3072,
  intermediate_size: 8192,
  num_hidden_layers: 32,
  num_attention_heads: 32,
};

/** Phi4MultimodalConfig's decoder defaults. */
export const PORT_TEXT_DEFAULTS: Json = {
  ...TEXT_BASE,
  num_key_value_heads: 8,
  max_position_embeddings: 131_072,
};

/** Phi4MMConfig `__init__` defaults (num_key_value_heads None: one per query head). */
export const RELEASE_TEXT_DEFAULTS: Json = { ...TEXT_BASE, max_position_embeddings: 4096 };

/**
 * Phi4MultimodalVisionConfig defaults: SigLIP-so400m at 448 px, 448 px crops. Without `crop_size`, the
 * SiglipVisionConfig get_siglip_vision_model builds the release's tower from (fixed in code).
 */
export const PORT_VISION_DEFAULTS: Json = {
  hidden_size: 1152,
  intermediate_size: 4304,
  num_hidden_layers: 27,
  num_attention_heads: 16,
  num_channels: 3,
  image_size: 448,
  patch_size: 14,
  crop_size: 448,
};

/** Phi4MultimodalAudioConfig defaults (`depthwise_seperable_out_channel` spelt as the modelling reads it). */
export const PORT_AUDIO_DEFAULTS: Json = {
  hidden_size: 1024,
  intermediate_size: 1536,
  num_blocks: 24,
  num_attention_heads: 16,
  ext_pw_out_channel: 1024,
  depthwise_seperable_out_channel: 1024,
  depthwise_multiplier: 1,
  kernel_size: 3,
  input_size: 80,
  time_reduction: 8,
  bias_max_distance: 1000,
  bias_symmetric: false,
  nemo_conv_channels: 1024,
  downsample_rate: 1,
};

/** ConformerEncoder `__init__` defaults of the size keys (`input_size` has none). */
const RELEASE_AUDIO_DEFAULTS: Json = {
  attention_dim: 256,
  attention_heads: 4,
  linear_units: 2048,
  num_blocks: 6,
  ext_pw_out_channel: 0,
  depthwise_seperable_out_channel: 256,
  depthwise_multiplier: 1,
  kernel_size: 3,
  time_reduction: 4,
};

/** The release's LoRA ranks, as the converter writes the port's adapter configs. */
export const RELEASE_LORA_RANKS = { vision: 256, speech: 320 } as const;

/** The release's `layer` patterns: both pick qkv_proj, o_proj, gate_up_proj and down_proj of every layer. */
const RELEASE_LORA_TARGETS: Readonly<Record<'vision_lora' | 'speech_lora', string>> = {
  vision_lora: 'layers.*((self_attn\\.(qkv_proj|o_proj))|(mlp\\.(gate_up|down)_proj))',
  speech_lora: '((layers.*self_attn\\.(qkv|o)_proj)|(layers.*mlp\\.(gate_up|down)_proj))',
};

// ---------------------------------------------------------------------------------------------
// Vision: SigLIP tower, separators, projector
// ---------------------------------------------------------------------------------------------

/** The SigLIP tower's shape and the crop size images are tiled by. */
export type Phi4Tower = Readonly<
  Record<'h' | 'depth' | 'inter' | 'heads' | 'patch' | 'image' | 'channels' | 'crop', number>
>;

/** The tower from `v` (Phi4MultimodalVisionConfig's keys, `crop_size` included). */
export function readPhi4Tower(v: Fields): Phi4Tower {
  const h = v.positiveInt('hidden_size', { max: MAX.hidden });
  const heads = v.positiveInt('num_attention_heads', { max: MAX.heads });
  // Phi4MultimodalVisionAttention splits hidden into heads; the head's nn.MultiheadAttention asserts it.
  if (h % heads !== 0) v.fail('num_attention_heads', `(${heads}) must divide hidden_size (${h})`);
  const patch = v.positiveInt('patch_size', { max: 4096 });
  const image = v.positiveInt('image_size', { max: 1_000_000 });
  const crop = v.positiveInt('crop_size', { max: 1_000_000 });
  const atLeastPatch = (key: string, px: number) => {
    if (px < patch) v.fail(key, `(${px}) must be at least patch_size (${patch})`);
  };
  atLeastPatch('image_size', image);
  atLeastPatch('crop_size', crop);
  const depth = v.positiveInt('num_hidden_layers', { max: MAX.layers });
  const inter = v.positiveInt('intermediate_size', { max: MAX.intermediate });
  const channels = v.positiveInt('num_channels', { max: 64 });
  return { h, heads, patch, image, crop, depth, inter, channels };
}

/** An adapter set: its rank and its exact parameters over the decoder. */
type Lora = { readonly rank: number; readonly params: number };

/** PEFT LoRA of `rank` on each layer's qkv, o, gate_up and down_proj: lora_A r × in, lora_B out × r. */
function loraOn(spec: ModelSpec, rank: number): Lora {
  // phi3's attention is GQA (fused qkv_proj of q + 2 kv heads).
  const a = spec.attention as GqaAttention;
  const h = spec.hiddenSize;
  const q = a.numHeads * a.headDim;
  const kv = a.numKvHeads * a.headDim;
  const i = spec.mlp.intermediateSize;
  const perLayer = rank * (h + q + 2 * kv) + rank * (q + h) + rank * (h + 2 * i) + rank * (i + h);
  return { rank, params: spec.numLayers * perLayer };
}

/** The vision side (see the file comment), `params` exact, the vision LoRA included. */
export function phi4Vision(t: Phi4Tower, textHidden: number, lora: Lora): VisionTowerSpec {
  const { h, depth, inter, patch, channels } = t;
  // position_embedding rows: (image_size // patch_size)².
  const side = Math.floor(t.image / patch);
  const layerMatmuls = 4 * h * h + 2 * h * inter;
  // layer_norm1, layer_norm2; q/k/v/out_proj and fc1/fc2, all biased.
  const block = 2 * layerNorm(h) + 4 * linear(h, h) + linear(h, inter) + linear(inter, h);
  // Pooling head: probe (h), nn.MultiheadAttention (in_proj 3h × h, out_proj, biased), layernorm, MLP.
  const head = h + linear(h, 3 * h) + linear(h, h) + layerNorm(h) + linear(h, inter) + linear(inter, h);
  // patch_embedding (Conv2d, biased), position table, blocks, post_layernorm, head.
  const tower = linear(channels * patch * patch, h) + side * side * h + depth * block + layerNorm(h) + head;
  // img_projection_up, img_projection_down (biased); the global and sub separators (h each).
  const projector = linear(h, textHidden) + linear(textHidden, textHidden) + 2 * h;
  // A crop's patch grid, reflection-padded by one when the position grid is odd, 2×2 average-pooled.
  const cropSide = Math.floor(t.crop / patch);
  const patches = cropSide * cropSide;
  const s = Math.floor((cropSide + (side % 2)) / 2);
  // Global view s × (s + 1) with row separators, glb_GN, one crop s × (s + 1).
  const tokens = 2 * s * (s + 1) + 1;
  // Patch conv, the blocks (all run), and the head: k/v over the patches, q and out of its one query,
  // that query's attention over the patches, its MLP.
  const cropFlops =
    2 * patches * channels * patch * patch * h +
    vitForwardFlops(patches, depth, layerMatmuls, h) +
    2 * (2 * patches + 2) * h * h +
    4 * h * patches +
    4 * h * inter;
  return {
    description: `SigLIP ${depth} × ${h}, patch ${patch}, ${t.crop}px crops + a global view, each 2×2-pooled to ${s}×${s} with row separators (${tokens} tokens for a ${t.crop}px image), projector ${h} → ${textHidden} → ${textHidden}; with the vision LoRA (r ${lora.rank}, ${fmt(lora.params)}) on the decoder, run for every token of a request with an image (its FLOPs not counted)`,
    params: tower + projector + lora.params,
    patchSize: patch,
    imageSize: t.crop,
    flopsPerImage: 2 * cropFlops + 2 * tokens * (h * textHidden + textHidden * textHidden),
  };
}

// ---------------------------------------------------------------------------------------------
// Audio: Conformer and projectors
// ---------------------------------------------------------------------------------------------

/**
 * The Conformer's shape, whichever key names the config uses; `buckets`, the rows of the relative-bias
 * table, is the maximum distance, twice over unless symmetric.
 */
type ConformerField = 'h' | 'heads' | 'inter' | 'blocks' | 'multiplier' | 'kernel' | 'mels' | 'reduction';
export type Phi4Conformer = Readonly<
  Record<ConformerField | 'convChannels' | 'buckets' | 'downsample', number>
>;

/** The key names of the encoder's width, heads and FFN width. */
type ConformerKeys = Readonly<Record<'width' | 'heads' | 'ffn', string>>;

const PORT_KEYS: ConformerKeys = {
  width: 'hidden_size',
  heads: 'num_attention_heads',
  ffn: 'intermediate_size',
};
const RELEASE_KEYS: ConformerKeys = { width: 'attention_dim', heads: 'attention_heads', ffn: 'linear_units' };

/** The Conformer from `a` (`keys` name the width, heads and FFN width); `rest` as each spelling stores it. */
function readConformer(
  a: Fields,
  keys: ConformerKeys,
  rest: Pick<Phi4Conformer, 'convChannels' | 'buckets' | 'downsample'>,
): Phi4Conformer {
  const h = a.positiveInt(keys.width, { max: MAX.hidden });
  const heads = a.positiveInt(keys.heads, { max: MAX.heads });
  if (h % heads !== 0) a.fail(keys.heads, `(${heads}) must divide ${keys.width} (${h})`);
  // The GLU's output feeds the depthwise conv, the pointwise conv's ext_pw_conv_1d: both built h wide.
  for (const key of ['ext_pw_out_channel', 'depthwise_seperable_out_channel']) {
    const width = a.int(key, { max: MAX.hidden });
    if (width !== h)
      a.fail(key, `(${width}) must equal ${keys.width} (${h}), the width the conv module reads`);
  }
  const reduction = a.positiveInt('time_reduction', { max: 1024 });
  // NemoConvSubsampling stacks log2(time_reduction) stride-2 convs.
  if (reduction < 2 || (reduction & (reduction - 1)) !== 0) {
    a.fail('time_reduction', `(${reduction}) must be a power of 2: the subsampling stacks stride-2 convs`);
  }
  return {
    h,
    heads,
    inter: a.positiveInt(keys.ffn, { max: MAX.intermediate }),
    blocks: a.positiveInt('num_blocks', { max: MAX.layers }),
    multiplier: a.positiveInt('depthwise_multiplier', { max: 64 }),
    kernel: a.positiveInt('kernel_size', { max: 1024 }),
    mels: a.positiveInt('input_size', { max: MAX.hidden }),
    reduction,
    ...rest,
  };
}

/** The Conformer's tensors (buffers included) and its two projectors to `textHidden`. */
export function phi4ConformerParams(c: Phi4Conformer, textHidden: number) {
  const { h, inter, convChannels: ch } = c;
  const stages = Math.log2(c.reduction);
  // nemo_final_size: the mel axis after each stride-2, padding-1, kernel-3 conv.
  let freq = c.mels;
  for (let i = 0; i < stages; i += 1) freq = Math.floor((freq - 1) / 2 + 1);
  // conv.0 Conv2d(1 → C, 3×3); per further stage a depthwise 3×3 and a pointwise 1×1; out C·F → h.
  const subsampling = linear(9, ch) + (stages - 1) * (linear(9, ch) + linear(ch, ch)) + linear(ch * freq, h);
  // Phi4MultimodalAudioMLP: layer_norm, gate_up_proj h → 2·inter, down_proj, biased.
  const ffn = layerNorm(h) + linear(h, 2 * inter) + linear(inter, h);
  // Conv module: layer_norm; GLU conv h → 2h with b1, b2; depthwise (h → h·m, kernel k), pointwise
  // (h·m → h), ext_pw_conv_1d (h → h), biased.
  const m = c.multiplier;
  const conv =
    layerNorm(h) + linear(h, 2 * h) + 2 * h + linear(c.kernel, h * m) + linear(h * m, h) + linear(h, h);
  // Two FFNs, q/k/v/o (biased), the conv module, layer_norm_att and layer_norm.
  const block = 2 * ffn + 4 * linear(h, h) + conv + 2 * layerNorm(h);
  // global_mean and global_invstd; the relative-bias table (buckets × heads).
  const encoder = 2 * c.mels + subsampling + c.buckets * c.heads + c.blocks * block;
  // up/down_proj_for_speech and up/down_proj_for_vision_speech.
  const projectors = 2 * (linear(h * c.downsample, textHidden) + linear(textHidden, textHidden));
  return { encoder, projectors };
}

// ---------------------------------------------------------------------------------------------
// The two spellings
// ---------------------------------------------------------------------------------------------

/** The decoder spec with both encoders and their adapters, and `warnings` appended. */
function withEncoders(
  spec: ModelSpec,
  tower: Phi4Tower,
  audio: Phi4Conformer,
  ranks: { readonly vision: number; readonly speech: number },
  warnings: readonly string[],
): ModelSpec {
  const speech = loraOn(spec, ranks.speech);
  const { encoder, projectors } = phi4ConformerParams(audio, spec.hiddenSize);
  const width = audio.h * audio.downsample;
  const all = [...(spec.warnings ?? []), ...warnings];
  return {
    ...spec,
    vision: phi4Vision(tower, spec.hiddenSize, loraOn(spec, ranks.vision)),
    audio: {
      description: `Conformer ${audio.blocks} × ${audio.h}, ${audio.heads} heads, ${audio.reduction}× conv subsampling; speech and vision-speech projectors ${width} → ${spec.hiddenSize} → ${spec.hiddenSize}; with the speech LoRA (r ${speech.rank}, ${fmt(speech.params)}) on the decoder, run for every token of an audio-only request (its FLOPs not counted)`,
      params: encoder + projectors + speech.params,
    },
    ...(all.length > 0 ? { warnings: all } : {}),
  };
}

/** The sub-config `key`, an empty one (its class defaults) when absent. */
const subOrEmpty = (top: Fields, key: string): Fields =>
  top.child(key) ?? top.with({ [key]: {} }).child(key)!;

/**
 * The `phi4_multimodal` family (Phi4MultimodalForCausalLM): the decoder with Phi4MultimodalConfig's
 * defaults, the tower from `vision_config` and the Conformer from `audio_config` (their classes'
 * defaults under omitted keys), the adapters at the release's ranks.
 */
export const phi4Multimodal: Family = (top, name) => {
  const spec = phi3(withClassDefaults(top, PORT_TEXT_DEFAULTS), name);
  const tower = readPhi4Tower(withClassDefaults(subOrEmpty(top, 'vision_config'), PORT_VISION_DEFAULTS));
  let a = subOrEmpty(top, 'audio_config');
  // Newer configuration classes spell the key correctly; the modelling code reads the misspelt one.
  if (!a.has('depthwise_seperable_out_channel') && a.has('depthwise_separable_out_channel')) {
    a = a.with({ depthwise_seperable_out_channel: a.raw('depthwise_separable_out_channel') });
  }
  a = withClassDefaults(a, PORT_AUDIO_DEFAULTS);
  const maxDistance = a.positiveInt('bias_max_distance', { max: MAX.positions });
  const audio = readConformer(a, PORT_KEYS, {
    convChannels: a.positiveInt('nemo_conv_channels', { max: MAX.hidden }),
    buckets: maxDistance * (a.bool('bias_symmetric', false) ? 1 : 2),
    downsample: a.positiveInt('downsample_rate', { max: 64 }),
  });
  return withEncoders(spec, tower, audio, RELEASE_LORA_RANKS, []);
};

type Setting = string | number | boolean;

/** Refuses `key` unless it is `value` (`fallback`, the class default, when absent): the build counted. */
function need(f: Fields, key: string, value: Setting, fallback: Setting | null): void {
  const got = f.raw(key) ?? fallback;
  if (got !== value) f.fail(key, `is ${shown(got)}; llmecon counts only the ${shown(value)} build`);
}

/** The object `key`, refused when absent. */
const required = (f: Fields, key: string, why: string): Fields =>
  f.child(key) ?? f.fail(key, `must be an object: ${why}`);

/** An adapter's rank, and a warning when its `layer` pattern is not the release's. */
function readLora(top: Fields, key: 'vision_lora' | 'speech_lora', warnings: string[]): number {
  const lora = required(top, key, 'Phi4MMForCausalLM asserts it and builds the adapter from it');
  const layer = lora.raw('layer');
  if (layer !== RELEASE_LORA_TARGETS[key]) {
    warnings.push(
      `phi4mm: ${key}.layer (${shown(layer ?? null)}) is not the release's pattern; llmecon counts the adapter on every decoder layer's qkv_proj, o_proj, gate_up_proj and down_proj, as the release's selects`,
    );
  }
  return lora.positiveInt('r', { max: MAX.hidden });
}

/**
 * The `phi4mm` family (the release's Phi4MMForCausalLM): the decoder with Phi4MMConfig's defaults;
 * `embd_layer` (image and audio embedding settings, the builds the port reproduces required),
 * get_siglip_vision_model's tower at `image_embd_layer.crop_size` (Phi4MMImageEmbedding's default 336),
 * the Conformer from `audio_processor.config` (ConformerEncoder's defaults under omitted size keys) and
 * the adapters' ranks from `vision_lora.r` and `speech_lora.r`.
 */
export const phi4mm: Family = (top, name) => {
  const spec = phi3(withClassDefaults(top, RELEASE_TEXT_DEFAULTS), name);
  const embd = required(top, 'embd_layer', 'Phi4MMModel builds the image and audio embeddings from it');
  const image = required(embd, 'image_embd_layer', 'Phi4MMImageAudioEmbedding reads it');
  const audioLayer = required(embd, 'audio_embd_layer', 'Phi4MMImageAudioEmbedding reads it');
  need(image, 'projection_cls', 'mlp', 'linear');
  need(image, 'use_hd_transform', true, false);
  need(image, 'with_learnable_separator', true, false);
  need(image, 'image_token_compression_cls', 'avg_pool_2d', null);
  need(audioLayer, 'projection_cls', 'mlp', 'linear');
  const processor = required(top, 'audio_processor', 'Phi4MMAudioEmbedding builds the encoder from it');
  need(processor, 'name', 'cascades', null);
  const conf = withClassDefaults(
    required(processor, 'config', 'the ConformerEncoder arguments'),
    RELEASE_AUDIO_DEFAULTS,
  );
  need(conf, 'input_layer', 'nemo_conv', 'nemo_conv');
  need(conf, 'batch_norm', false, false);
  need(conf, 'bias_in_glu', true, true);
  need(conf, 'ext_pw_kernel_size', 1, 1);
  need(conf, 'linear_glu_in_convm', false, false);
  need(conf, 'attention_group_size', 1, 1);
  const bias = required(conf, 'relative_attention_bias_args', 'the T5 relative-bias table is built from it');
  need(bias, 'type', 't5', null);
  const maxDistance = bias.positiveInt('t5_bias_max_distance', { fallback: 1000, max: MAX.positions });
  const nemo = required(conf, 'nemo_conv_settings', 'the subsampling convs are built from it');
  const audio = readConformer(conf, RELEASE_KEYS, {
    convChannels: nemo.positiveInt('conv_channels', { max: MAX.hidden }),
    buckets: maxDistance * (bias.bool('t5_bias_symmetric', false) ? 1 : 2),
    downsample: audioLayer.positiveInt('downsample_rate', { fallback: 1, max: 64 }),
  });
  const tower = readPhi4Tower(
    image.with({ ...PORT_VISION_DEFAULTS, crop_size: image.raw('crop_size') ?? 336 }),
  );
  const warnings: string[] = [];
  const ranks = {
    vision: readLora(top, 'vision_lora', warnings),
    speech: readLora(top, 'speech_lora', warnings),
  };
  return withEncoders(spec, tower, audio, ranks, warnings);
};
