/**
 * Meta Chameleon (`chameleon`, facebook/chameleon-7b and -30b): an early-fusion token model — images
 * become discrete tokens of the text vocabulary, so there is no projector. transformers
 * `models/chameleon/configuration_chameleon.py` (ChameleonConfig, ChameleonVQVAEConfig),
 * `models/chameleon/modeling_chameleon.py` (ChameleonForConditionalGeneration, ChameleonModel,
 * ChameleonVQVAE) and `convert_chameleon_weights_to_hf.py`; vLLM `model_executor/models/chameleon.py`
 * builds the same modules. ChameleonForConditionalGeneration builds:
 * - embed_tokens (vocab × h), lm_head (h → vocab, no bias, untied by default), the final RMSNorm;
 * - per layer (ChameleonDecoderLayer, or ChameleonSwinDecoderLayer with `swin_norm`, which only moves
 *   the same two RMSNorms after attention and MLP): q, k, v, o with bias = `attention_bias` and head_dim
 *   = hidden / heads (a `head_dim` key is not read); q_norm and k_norm, ChameleonLayerNorm of shape
 *   (heads, head_dim) and (kv_heads, head_dim) — statistics over head_dim, a weight AND a bias per head
 *   (the checkpoint's per-shard gamma/beta repeated over the heads); a SwiGLU MLP with bias =
 *   `mlp_bias`; input and post-attention RMSNorms.
 * - vqmodel (ChameleonVQVAE, counted apart as the vision tower): the encoder (conv_in 3×3; per level of
 *   `channel_multiplier`, `num_res_blocks` ResNet blocks — GroupNorm(32), 3×3 conv, GroupNorm, 3×3
 *   conv, a 1×1 nin_shortcut when the width changes — with an attention block after each at the
 *   resolutions in `attn_resolutions`, and a stride-2 3×3 downsample but on the last level; mid: ResNet,
 *   attention (GroupNorm, q, k, v, proj_out 1×1) unless `attn_type` is not "vanilla", ResNet; norm_out,
 *   conv_out 3×3 to `latent_channels`, twice with `double_latent`), the codebook (`num_embeddings` ×
 *   `embed_dim`), quant_conv and post_quant_conv (1×1, latent ↔ embed; the latter built but not run).
 *   The decoder is not built (the converter drops its weights). FLOPs per image: every conv at its
 *   output resolution, the attention maps and the codebook distances; norms and activations not counted.
 * Not representable in ModelSpec: q_norm's and k_norm's biases ((heads + kv_heads)·head_dim per layer;
 * 262,144 on chameleon-7b). The norms count as `full` q/k norms of the model's RMSNorm, weights only.
 */
import { layerNormParams, linearParams } from '../mixer-params.js';
import type { VisionTowerSpec } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import { decoder, type Family, readGatedMlp, withClassDefaults } from './readers.js';
import { builtSubConfig } from './wrappers.js';

/** ChameleonConfig's `__init__` defaults (chameleon-7b's shape) for the keys a config omits. */
const CHAMELEON_DEFAULTS: Json = {
  vocab_size: 65_536,
  hidden_size: 4096,
  intermediate_size: 11_008,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 32,
  hidden_act: 'silu',
  max_position_embeddings: 4096,
  tie_word_embeddings: false,
  attention_bias: false,
  mlp_bias: false,
};

/** ChameleonVQVAEConfig's `__init__` defaults (the released VQ-GAN's shape). */
const VQ_DEFAULTS: Json = {
  embed_dim: 256,
  num_embeddings: 8192,
  double_latent: false,
  latent_channels: 256,
  resolution: 512,
  in_channels: 3,
  base_channels: 128,
  channel_multiplier: [1, 1, 2, 2, 4],
  num_res_blocks: 2,
  attn_type: 'vanilla',
};

/**
 * The levels of a Chameleon-style VQGAN (Chameleon, Janus): `base_channels` × each `channel_multiplier`,
 * every width a multiple of GroupNorm's 32 groups, `num_res_blocks` ResNet blocks a level.
 */
export function readVqLevels(v: Fields): {
  base: number;
  multipliers: number[];
  widths: number[];
  blocks: number;
} {
  const base = v.positiveInt('base_channels', { max: MAX.hidden });
  const multipliers = v.intList('channel_multiplier', 1024);
  if (multipliers.length === 0 || multipliers.includes(0))
    v.fail('channel_multiplier', 'must list one or more positive multipliers');
  const widths = multipliers.map((m) => base * m);
  if (![base, ...widths].every((w) => w % 32 === 0))
    v.fail('base_channels', `× each channel_multiplier must be a multiple of GroupNorm's 32 groups`);
  return { base, multipliers, widths, blocks: v.positiveInt('num_res_blocks', { max: MAX.layers }) };
}

/** The VQ-VAE image tokenizer (see the file comment): parameters and encode FLOPs per image. */
function readVqTokenizer(top: Fields): VisionTowerSpec {
  const v = builtSubConfig(top, 'vq_config', 'chameleon_vqgan', VQ_DEFAULTS);
  const { base, multipliers, widths, blocks } = readVqLevels(v);
  const resolution = v.positiveInt('resolution', { max: 1_000_000 });
  if (resolution < 2 ** (multipliers.length - 1))
    v.fail('resolution', `(${resolution}) must be at least 2^${multipliers.length - 1} for the downsamples`);
  const latent = v.positiveInt('latent_channels', { max: MAX.hidden });
  const embed = v.positiveInt('embed_dim', { max: MAX.hidden });
  const codes = v.positiveInt('num_embeddings', { max: MAX.vocab });
  // attn_type None (null) builds nn.Identity for the mid attention and no level attention.
  const vanilla = v.raw('attn_type') !== null && v.string('attn_type', 'vanilla') === 'vanilla';
  const attentionAt = vanilla ? v.intList('attn_resolutions', 1_000_000) : [];

  let params = 0;
  let flops = 0;
  /** A Conv2d with bias, run at `side`² output positions. */
  const conv = (inputs: number, outputs: number, kernel: number, side: number) => {
    params += linearParams(inputs * kernel * kernel, outputs);
    flops += 2 * inputs * kernel * kernel * outputs * side * side;
  };
  const resnet = (inputs: number, outputs: number, side: number) => {
    params += layerNormParams(inputs) + layerNormParams(outputs);
    conv(inputs, outputs, 3, side);
    conv(outputs, outputs, 3, side);
    if (inputs !== outputs) conv(inputs, outputs, 1, side);
  };
  const attention = (width: number, side: number) => {
    params += layerNormParams(width);
    for (let i = 0; i < 4; i++) conv(width, width, 1, side);
    flops += 2 * 2 * width * side ** 4;
  };

  let side = resolution;
  let width = base;
  conv(v.positiveInt('in_channels', { max: 64 }), base, 3, side);
  widths.forEach((out, level) => {
    for (let i = 0; i < blocks; i++) {
      resnet(width, out, side);
      width = out;
      if (attentionAt.includes(side)) attention(width, side);
    }
    if (level < widths.length - 1) {
      side = Math.floor(side / 2);
      conv(width, width, 3, side);
    }
  });
  resnet(width, width, side);
  if (vanilla) attention(width, side);
  resnet(width, width, side);
  params += layerNormParams(width);
  conv(width, v.bool('double_latent', false) ? 2 * latent : latent, 3, side);
  conv(latent, embed, 1, side);
  const tokens = side * side;
  params += codes * embed + linearParams(embed, latent);
  flops += 2 * tokens * embed * codes;

  return {
    description: `VQ-VAE encoder ${widths.length} levels × ${blocks} ResNet blocks (${base}–${Math.max(...widths)} channels), codebook ${codes} × ${embed}, ${resolution}px → ${tokens} tokens`,
    params,
    patchSize: 2 ** (widths.length - 1),
    imageSize: resolution,
    flopsPerImage: flops,
  };
}

/** The `chameleon` family (see the file comment), ChameleonConfig's defaults for omitted keys. */
export const chameleon: Family = (config, name) => {
  const f = withClassDefaults(config, CHAMELEON_DEFAULTS);
  const spec = decoder(f, name, {
    attention: { headDim: f.divide('hidden_size', 'num_attention_heads', MAX.hidden), qkNorm: 'full' },
    mlp: readGatedMlp(f, 'intermediate_size', f.bool('mlp_bias', false)),
  });
  const a = spec.attention;
  const biases = a.kind === 'gqa' ? spec.numLayers * (a.numHeads + a.numKvHeads) * a.headDim : 0;
  const warnings = [
    ...(spec.warnings ?? []),
    `chameleon: the q/k LayerNorms' biases (${biases.toLocaleString('en-US')} parameters) are not counted: ModelSpec's q/k norms are weight-only`,
  ];
  return { ...spec, vision: readVqTokenizer(f), warnings };
};
