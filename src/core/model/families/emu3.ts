/**
 * BAAI Emu3 (`emu3`, BAAI/Emu3-Chat-hf and Emu3-Gen-hf; its text model `emu3_text_model`), an
 * early-fusion model: images become discrete tokens of the text vocabulary. transformers
 * `models/emu3/configuration_emu3.py` (Emu3Config, Emu3TextConfig, Emu3VQVAEConfig) and
 * `models/emu3/modular_emu3.py` / `modeling_emu3.py` (Emu3TextModel, Emu3VQVAE, Emu3Model,
 * Emu3ForConditionalGeneration):
 * - The text model is LlamaModel with Emu3DecoderLayer (LlamaDecoderLayer plus a dropout): q, k, v, o
 *   (bias per `attention_bias`), a SwiGLU MLP (bias per `mlp_bias`), two RMSNorms, the final RMSNorm,
 *   an untied lm_head over `vocab_size` (184,622, visual tokens included). Emu3Config always builds
 *   Emu3TextConfig from `text_config`, so it is read as that class whatever `model_type` it names.
 * - The vision side is Emu3VQVAE (`vq_config`), counted apart as the tower. Its encoder: conv_in
 *   (3×3, in_channels → base), per stage of `channel_multiplier` `num_res_blocks` ResnetBlocks (two
 *   GroupNorms, two 3×3 convs, a 1×1 nin_shortcut where the width changes) with an attention block
 *   (q, k, v, out_proj of `hidden_size`, biased) and a GroupNorm after each on `attn_resolutions`, a
 *   3×3 stride-2 downsample conv but after the last; the middle block (ResnetBlock, GroupNorm,
 *   attention, ResnetBlock); norm_out, conv_out (→ latent, doubled with `double_latent`);
 *   log2(`temporal_downsample_factor`) temporal downsample Conv3d (4×3×3) and `num_res_blocks`
 *   TemporalResnetBlocks (two BatchNorm3d, two 3×3×3 Conv3d). Its decoder mirrors it: the temporal
 *   blocks and upsample Conv3d (3×3×3) on the latent, conv_in, the middle block and
 *   `num_res_blocks` + 1 ResnetBlocks per stage with SpatialNorms (a GroupNorm and two 1×1 convs from
 *   the `embed_dim` codes) for GroupNorms, 3×3 upsample convs but at the first stage, norm_out (a
 *   SpatialNorm), conv_out. Then the codebook (`codebook_size` × `embed_dim`), quant_conv and
 *   post_quant_conv (Conv3d 3×1×1). Every conv has a bias; BatchNorm running statistics are buffers.
 * One image token stands for a 2^(stages − 1)-pixel square; images keep their size, so FLOPs per image
 * are not fixed by the config.
 */
import { linearParams as linear } from '../mixer-params.js';
import type { VisionTowerSpec } from '../spec.js';
import { Fields, type Json, MAX } from './fields.js';
import { llama } from './llama.js';
import { type Family, withClassDefaults } from './readers.js';

/** Emu3TextConfig's defaults (the released Emu3-Chat-hf shape) for the keys a text config omits. */
const EMU3_TEXT_DEFAULTS: Json = {
  vocab_size: 184_622,
  hidden_size: 4096,
  intermediate_size: 14_336,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  hidden_act: 'silu',
  max_position_embeddings: 9216,
  mlp_bias: false,
  attention_bias: false,
  tie_word_embeddings: false,
};

/** Emu3VQVAEConfig's defaults. */
const EMU3_VQ_DEFAULTS: Json = {
  codebook_size: 32_768,
  embed_dim: 4,
  latent_channels: 4,
  double_latent: false,
  in_channels: 3,
  out_channels: 3,
  temporal_downsample_factor: 4,
  base_channels: 256,
  channel_multiplier: [1, 2, 2, 4],
  num_res_blocks: 2,
  attn_resolutions: [3],
  hidden_size: 1024,
  num_attention_heads: 1,
};

/** The Emu3 text model: Llama's decoder on Emu3TextConfig's defaults. */
export const emu3Text: Family = (f, name) => llama(withClassDefaults(f, EMU3_TEXT_DEFAULTS), name);

/** A biased convolution of `kernel` taps (the product of its kernel sides). */
const conv = (inputs: number, outputs: number, kernel: number): number => inputs * outputs * kernel + outputs;
/** GroupNorm and BatchNorm3d: a weight and a bias per channel. */
const affineNorm = (channels: number): number => 2 * channels;

/** Emu3VQVAEResnetBlock from `inputs` to `outputs` channels with the norm `norm`. */
function resnetBlock(inputs: number, outputs: number, norm: (channels: number) => number): number {
  const shortcut = inputs === outputs ? 0 : conv(inputs, outputs, 1);
  return norm(inputs) + norm(outputs) + conv(inputs, outputs, 9) + conv(outputs, outputs, 9) + shortcut;
}

/** Emu3VQVAETemporalResnetBlock on `channels`: two BatchNorm3d and two 3×3×3 Conv3d. */
const temporalResnetBlock = (channels: number): number =>
  2 * affineNorm(channels) + 2 * conv(channels, channels, 27);

/** The sub-config `key`, all class defaults when absent: Emu3Config builds its own classes whatever `model_type` it names. */
const subConfig = (top: Fields, key: string): Fields =>
  top.child(key) ?? new Fields({}, top.modelType, [key]);

/** Emu3VQVAE (see the file comment), `params` exact. */
function readEmu3Vq(top: Fields): VisionTowerSpec {
  const v = withClassDefaults(subConfig(top, 'vq_config'), EMU3_VQ_DEFAULTS);
  const base = v.positiveInt('base_channels', { max: MAX.hidden });
  const multipliers = v.intList('channel_multiplier', 1024);
  if (multipliers.length === 0 || multipliers.some((m) => m === 0 || base * m > MAX.hidden))
    v.fail(
      'channel_multiplier',
      `must list positive stage multipliers, each × base_channels ≤ ${MAX.hidden}`,
    );
  const widths = multipliers.map((m) => base * m);
  const blocks = v.positiveInt('num_res_blocks', { max: MAX.layers });
  const attentionStages = v.intList('attn_resolutions', MAX.layers);
  const hidden = v.positiveInt('hidden_size', { max: MAX.hidden });
  const heads = v.positiveInt('num_attention_heads', { max: MAX.heads });
  if (hidden % heads !== 0) v.fail('num_attention_heads', `(${heads}) must divide hidden_size (${hidden})`);
  const last = widths.length - 1;
  const deepest = widths[last]!;
  for (const [stage, width] of widths.entries()) {
    if ((stage === last || attentionStages.includes(stage)) && width !== hidden)
      v.fail(
        'hidden_size',
        `(${hidden}) must be the width of stage ${stage} its attention runs on (base_channels × ${multipliers[stage]} = ${width})`,
      );
  }
  const codes = v.positiveInt('embed_dim', { max: MAX.hidden });
  const latent = v.positiveInt('latent_channels', { max: MAX.hidden });
  const encoded = v.bool('double_latent', false) ? 2 * latent : latent;
  const temporal = Math.floor(Math.log2(v.positiveInt('temporal_downsample_factor', { max: 1024 })));
  const attention = 4 * linear(hidden, hidden);
  const spatialNorm = (channels: number) => affineNorm(channels) + 2 * conv(codes, channels, 1);

  let encoder = conv(v.positiveInt('in_channels', { max: 1024 }), base, 9);
  let width = base;
  for (const [stage, out] of widths.entries()) {
    for (let b = 0; b < blocks; b++) {
      encoder += resnetBlock(width, out, affineNorm);
      width = out;
      if (attentionStages.includes(stage)) encoder += attention + affineNorm(width);
    }
    if (stage !== last) encoder += conv(width, width, 9);
  }
  encoder += 2 * resnetBlock(deepest, deepest, affineNorm) + attention + affineNorm(deepest);
  encoder += affineNorm(deepest) + conv(deepest, encoded, 9);
  encoder += temporal * conv(encoded, encoded, 36) + blocks * temporalResnetBlock(encoded);

  let decoder = blocks * temporalResnetBlock(latent) + temporal * conv(latent, latent, 27);
  decoder += conv(latent, deepest, 9);
  decoder += 2 * resnetBlock(deepest, deepest, spatialNorm) + attention + spatialNorm(deepest);
  width = deepest;
  for (let stage = last; stage >= 0; stage--) {
    const out = widths[stage]!;
    for (let b = 0; b <= blocks; b++) {
      decoder += resnetBlock(width, out, spatialNorm);
      width = out;
      if (attentionStages.includes(stage)) decoder += attention + spatialNorm(width);
    }
    if (stage !== 0) decoder += conv(width, width, 9);
  }
  decoder += spatialNorm(widths[0]!) + conv(widths[0]!, v.positiveInt('out_channels', { max: 1024 }), 9);

  const codebook = v.positiveInt('codebook_size', { max: MAX.vocab });
  const quantConvs = conv(latent, codes, 3) + conv(codes, latent, 3);
  const factor = 2 ** last;
  return {
    description: `Emu3 VQ-VAE ${base} × [${multipliers.join(', ')}], ${codebook} codes of ${codes}, ${factor}× downsampling (encoder and decoder)`,
    params: encoder + decoder + codebook * codes + quantConvs,
    patchSize: factor,
    imageSize: null,
    flopsPerImage: null,
  };
}

/** The `emu3` family: Emu3TextConfig's text model and the VQ-VAE counted apart as the vision tower. */
export const emu3: Family = (top, name) => {
  const t = subConfig(top, 'text_config');
  const spec = emu3Text(t, name);
  return {
    ...spec,
    modelType: top.modelType,
    tieWordEmbeddings: t.has('tie_word_embeddings')
      ? spec.tieWordEmbeddings
      : top.bool('tie_word_embeddings', false),
    vision: readEmu3Vq(top),
  };
};
