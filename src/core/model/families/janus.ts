/**
 * DeepSeek Janus / Janus-Pro in transformers format (`janus`: deepseek-community/Janus-Pro-1B and -7B,
 * converted from deepseek-ai/Janus-Pro-* by `models/janus/convert_janus_weights_to_hf.py`). transformers
 * `models/janus/configuration_janus.py` (JanusConfig, JanusVisionConfig, JanusVQVAEConfig),
 * `modular_janus.py` and `modeling_janus.py` (JanusVisionModel, JanusVisionAlignerMLP, JanusVQVAE and its
 * encoder, decoder, ResNet and attention blocks, JanusVQVAEAlignerMLP, JanusVQVAEHead, JanusModel,
 * JanusForConditionalGeneration). JanusForConditionalGeneration builds:
 * - model.language_model: AutoModel of `text_config` (LlamaConfig() when absent), read by the family
 *   of its own `model_type`; lm_head (text hidden → vocab, no bias). JanusConfig (transformers 5)
 *   defaults a top-level `tie_word_embeddings` to true, but the released checkpoints hold their own
 *   lm_head.weight (the original LlamaForCausalLM's, untied), which the loader keeps apart; a config
 *   that sets the key is read by it, one that does not as the text config says.
 * Everything else is counted apart as the vision tower, in two halves:
 * - understanding: model.vision_model, a SigLIP-style ViT (patch_embedding Conv2d with bias, a learned
 *   position table of (image/patch)² rows, `num_hidden_layers` blocks of layer_norm1 → q, k, v (bias
 *   per `attention_bias`), projection_layer (always biased), q_norm and k_norm (LayerNorm of the width)
 *   when `use_qk_norm` → layer_norm2 → fc1, fc2 (biased, int(hidden·`mlp_ratio`) wide), and the
 *   post_layernorm); model.aligner: fc1 (vision width → `projection_dim`) and `depth` − 1 linears
 *   `projection_dim` → `projection_dim`, all biased, GELU between.
 * - generation: model.vqmodel, the VQ-VAE image tokenizer: its encoder (conv_in 3×3; per level of
 *   `channel_multiplier`, `num_res_blocks` ResNet blocks — GroupNorm(32), 3×3 conv, GroupNorm, 3×3 conv,
 *   a 1×1 nin_shortcut when the width changes — with an attention block (GroupNorm, q, k, v, proj_out
 *   1×1) after each on the last level, and a stride-2 3×3 downsample but after it; mid: ResNet,
 *   attention, ResNet; norm_out, conv_out 3×3 to `latent_channels`, twice with `double_latent`), the
 *   codebook (`num_embeddings` × `embed_dim`), quant_conv and post_quant_conv (1×1, latent ↔ embed),
 *   and its decoder (conv_in 3×3 from latent; mid; per level from the last, `num_res_blocks` + 1
 *   ResNet blocks, attention after each on the last level, a 3×3 upsample conv but after the first
 *   level; norm_out, conv_out 3×3 to `out_channels`); model.generation_embeddings (`num_embeddings` ×
 *   `embed_dim`); model.generation_aligner (fc1 `embed_dim` → `projection_dim` and
 *   `num_hidden_layers` − 1 linears `projection_dim` → `projection_dim`, biased); model.generation_head
 *   (proj_out `image_token_embed_dim` → `projection_dim`, vision_head → `num_embeddings`, biased).
 * Keys a sub-config omits take JanusVisionConfig's and JanusVQVAEConfig's defaults (Janus-Pro-1B's
 * shape), whatever `model_type` it names. FLOPs per image: the ViT and aligner over one `image_size`
 * image (the understanding path); the generation modules run per generated image token instead.
 */
import { formatCount } from '../../format.js';
import { layerNormParams, linearParams as linear } from '../mixer-params.js';
import type { VisionTowerSpec } from '../spec.js';
import { readVqLevels } from './chameleon.js';
import { Fields, type Json, MAX } from './fields.js';
import type { Family } from './readers.js';
import { fixedVitTower } from './vision.js';
import { type FamilyOf, textFamilies, wrapped } from './wrappers.js';

/** JanusVisionConfig's defaults (Janus-Pro-1B's SigLIP-L/16 at 384 px and its aligner). */
const JANUS_VISION_DEFAULTS: Json = {
  hidden_size: 1024,
  num_hidden_layers: 24,
  num_attention_heads: 16,
  num_channels: 3,
  patch_size: 16,
  image_size: 384,
  mlp_ratio: 4.0,
  attention_bias: true,
  projection_dim: 2048,
  use_qk_norm: false,
  depth: 2,
};

/** JanusVQVAEConfig's defaults (the VQ-16 tokenizer and Janus-Pro-1B's generation aligner and head). */
const JANUS_VQ_DEFAULTS: Json = {
  embed_dim: 8,
  num_embeddings: 16_384,
  double_latent: false,
  latent_channels: 256,
  in_channels: 3,
  out_channels: 3,
  base_channels: 128,
  channel_multiplier: [1, 1, 2, 2, 4],
  num_res_blocks: 2,
  projection_dim: 2048,
  num_hidden_layers: 2,
  image_token_embed_dim: 2048,
};

/** The sub-config `key` with `defaults` under the keys it omits; all defaults when absent. */
function janusSubConfig(top: Fields, key: string, defaults: Json): Fields {
  return top.child(key, defaults) ?? new Fields(defaults, top.modelType, [key]);
}

/** An MLP of fc1 (`inputs` → `width`) and `extra` linears `width` → `width`, all biased. */
const alignerParams = (inputs: number, width: number, extra: number) =>
  linear(inputs, width) + extra * linear(width, width);

/** The ViT and its aligner (the understanding half, see the file comment), with FLOPs per image. */
function readUnderstanding(top: Fields, textHidden: number) {
  const v = janusSubConfig(top, 'vision_config', JANUS_VISION_DEFAULTS);
  const h = v.positiveInt('hidden_size', { max: MAX.hidden });
  v.divide('hidden_size', 'num_attention_heads', MAX.hidden);
  const inter = Math.floor(h * v.positiveNumber('mlp_ratio', 64));
  if (inter < 1) v.fail('mlp_ratio', `gives an MLP of ${inter} units for hidden_size ${h}`);
  const t = fixedVitTower(v.with({ intermediate_size: inter }), 'siglip');
  // fixedVitTower counts SigLIP's biased q, k, v; Janus drops them without attention_bias and adds q/k LayerNorms.
  const perLayer =
    (v.bool('attention_bias', true) ? 0 : -3 * h) +
    (v.bool('use_qk_norm', false) ? 2 * layerNormParams(h) : 0);
  const projection = v.positiveInt('projection_dim', { max: MAX.hidden });
  if (projection !== textHidden)
    v.fail(
      'projection_dim',
      `(${projection}) must equal the text model's hidden_size (${textHidden}): image features replace token embeddings`,
    );
  const extra = Math.max(0, v.int('depth', { max: MAX.layers }) - 1);
  const aligner = alignerParams(h, projection, extra);
  const widths = [h, ...Array(extra + 1).fill(projection)].join(' → ');
  return {
    vit: t.params + t.depth * perLayer,
    aligner,
    t,
    flops: t.flops + 2 * t.patches * (h * projection + extra * projection * projection),
    name: `ViT ${t.depth} × ${h}, ${t.image}px, patch ${t.patch} (${t.patches} tokens)`,
    alignerName: `aligner ${widths}`,
  };
}

/** The VQ-VAE's parameters (encoder, codebook, quant convs, decoder; see the file comment). */
function vqVaeParams(v: Fields): { params: number; widths: number[] } {
  const { base, widths, blocks } = readVqLevels(v);
  const latent = v.positiveInt('latent_channels', { max: MAX.hidden });
  const embed = v.positiveInt('embed_dim', { max: MAX.hidden });
  const codes = v.positiveInt('num_embeddings', { max: MAX.vocab });
  const conv = (inputs: number, outputs: number, kernel: number) => linear(inputs * kernel * kernel, outputs);
  const resnet = (inputs: number, outputs: number) =>
    layerNormParams(inputs) +
    conv(inputs, outputs, 3) +
    layerNormParams(outputs) +
    conv(outputs, outputs, 3) +
    (inputs === outputs ? 0 : conv(inputs, outputs, 1));
  const attention = (width: number) => layerNormParams(width) + 4 * conv(width, width, 1);
  const last = widths.length - 1;
  const deepest = widths[last] ?? base;
  const mid = 2 * resnet(deepest, deepest) + attention(deepest);

  let encoder = conv(v.positiveInt('in_channels', { max: 64 }), base, 3);
  let width = base;
  widths.forEach((out, level) => {
    for (let i = 0; i < blocks; i++) {
      encoder += resnet(width, out) + (level === last ? attention(out) : 0);
      width = out;
    }
    if (level < last) encoder += conv(width, width, 3);
  });
  encoder +=
    mid + layerNormParams(deepest) + conv(deepest, v.bool('double_latent', false) ? 2 * latent : latent, 3);

  let decoder = conv(latent, deepest, 3) + mid;
  width = deepest;
  for (let level = last; level >= 0; level--) {
    const out = widths[level] ?? base;
    for (let i = 0; i <= blocks; i++) {
      decoder += resnet(width, out) + (level === last ? attention(out) : 0);
      width = out;
    }
    if (level > 0) decoder += conv(width, width, 3);
  }
  decoder += layerNormParams(width) + conv(width, v.positiveInt('out_channels', { max: 64 }), 3);

  return {
    params: encoder + codes * embed + conv(latent, embed, 1) + conv(embed, latent, 1) + decoder,
    widths,
  };
}

/** The generation half (see the file comment): the VQ-VAE, generation embeddings, aligner and head. */
function readGeneration(top: Fields, textHidden: number) {
  const v = janusSubConfig(top, 'vq_config', JANUS_VQ_DEFAULTS);
  const vq = vqVaeParams(v);
  const embed = v.positiveInt('embed_dim', { max: MAX.hidden });
  const codes = v.positiveInt('num_embeddings', { max: MAX.vocab });
  const projection = v.positiveInt('projection_dim', { max: MAX.hidden });
  if (projection !== textHidden)
    v.fail(
      'projection_dim',
      `(${projection}) must equal the text model's hidden_size (${textHidden}): generated image tokens are fed back as embeddings`,
    );
  const tokenEmbed = v.positiveInt('image_token_embed_dim', { max: MAX.hidden });
  if (tokenEmbed !== textHidden)
    v.fail(
      'image_token_embed_dim',
      `(${tokenEmbed}) must equal the text model's hidden_size (${textHidden}): the generation head reads its hidden states`,
    );
  const extra = Math.max(0, v.int('num_hidden_layers', { max: MAX.layers }) - 1);
  const embeddings = codes * embed;
  const aligner = alignerParams(embed, projection, extra);
  const alignerWidths = [embed, ...Array(extra + 1).fill(projection)].join(' → ');
  const head = linear(tokenEmbed, projection) + linear(projection, codes);
  return {
    params: vq.params + embeddings + aligner + head,
    name: `VQ-VAE ${formatCount(vq.params)} (${vq.widths.length} levels, ${Math.min(...vq.widths)}–${Math.max(...vq.widths)} channels, codebook ${codes} × ${embed}), generation embeddings ${codes} × ${embed} (${formatCount(embeddings)}), aligner ${alignerWidths} (${formatCount(aligner)}), head ${tokenEmbed} → ${projection} → ${codes} (${formatCount(head)})`,
  };
}

/** Both halves as one tower (see the file comment): parameters, and FLOPs of the understanding path. */
function readJanusVision(top: Fields, textHidden: number): VisionTowerSpec {
  const u = readUnderstanding(top, textHidden);
  const g = readGeneration(top, textHidden);
  return {
    description: `understanding: ${u.name} ${formatCount(u.vit)}, ${u.alignerName} ${formatCount(u.aligner)}; generation: ${g.name}`,
    params: u.vit + u.aligner + g.params,
    patchSize: u.t.patch,
    imageSize: u.t.image,
    flopsPerImage: u.flops,
  };
}

/** The `janus` family: the text model of `text_config` (LlamaConfig's when absent), everything else as the tower. */
export function janusWrapper(familyOf: FamilyOf): Family {
  const inner = wrapped(textFamilies(familyOf, 'JanusConfig'), {
    textType: 'llama',
    vision: readJanusVision,
  });
  return (top, name) =>
    inner(top.has('text_config') ? top : top.with({ text_config: { model_type: 'llama' } }), name);
}
