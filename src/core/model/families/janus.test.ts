/**
 * DeepSeek Janus-Pro (`janus`), janus.ts: the Llama text model by its own family, and everything else
 * JanusForConditionalGeneration builds (SigLIP-style ViT and aligner; VQ-VAE encoder, codebook and
 * decoder, generation embeddings, aligner and head) as the tower, counted here module by module
 * (modeling_janus.py) on the released deepseek-community/Janus-Pro-1B config and its 7B variant.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { FAMILIES } from './index.js';
import { janusWrapper } from './janus.js';
import type { Family } from './readers.js';

const janus = janusWrapper((t) => (FAMILIES as Record<string, Family>)[t]);
const ONE_B: Json = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/janus-pro-1b.json', import.meta.url),
    'utf8',
  ),
);
const read = (c: Json) => janus(new Fields(c, 'janus'), 'janus');
/** The 1B config with `text`, `vision` and `vq` merged into its sub-configs and `top` at the top level. */
const variant = (o: { text?: Json; vision?: Json; vq?: Json; top?: Json }): Json => ({
  ...ONE_B,
  ...o.top,
  text_config: { ...(ONE_B.text_config as Json), ...o.text },
  vision_config: { ...(ONE_B.vision_config as Json), ...o.vision },
  vq_config: { ...(ONE_B.vq_config as Json), ...o.vq },
});
/** Janus-Pro-7B: deepseek-community/Janus-Pro-7B's config differs in these keys (and its token ids). */
const SEVEN_B = variant({
  text: {
    hidden_size: 4096,
    intermediate_size: 11_008,
    num_attention_heads: 32,
    num_hidden_layers: 30,
    num_key_value_heads: 32,
  },
  vision: { projection_dim: 4096 },
  vq: { projection_dim: 4096, image_token_embed_dim: 4096 },
});

const vocab = 102_400;
/** LlamaForCausalLM's weights: embed_tokens, untied lm_head, q/k/v/o, gate/up/down, two RMSNorms a layer, the final norm. */
const llama = (h: number, layers: number, inter: number) =>
  2 * vocab * h + layers * (4 * h * h + 3 * h * inter + 2 * h) + h;

const linear = (i: number, o: number) => i * o + o;
const layerNorm = (c: number) => 2 * c;
const conv = (i: number, o: number, k: number) => i * o * k * k + o;

/** JanusVisionModel at 384 px, patch 16 (576 patches), 24 layers of 1024, MLP 4 × 1024. */
const [vh, vLayers, vInter, patches] = [1024, 24, 4096, 576];
const vit =
  conv(3, vh, 16) +
  patches * vh +
  vLayers * (2 * layerNorm(vh) + 4 * linear(vh, vh) + linear(vh, vInter) + linear(vInter, vh)) +
  layerNorm(vh);
/** JanusVisionAlignerMLP of depth 2 and JanusVQVAEAlignerMLP of 2 layers: fc1 and one hidden linear. */
const aligner = (inputs: number, width: number) => linear(inputs, width) + linear(width, width);

/** JanusVQVAE: widths 128, 128, 256, 256, 512; attention on the 512 level; latent 256, codebook 16384 × 8. */
const resnet = (i: number, o: number) =>
  layerNorm(i) + conv(i, o, 3) + layerNorm(o) + conv(o, o, 3) + (i === o ? 0 : conv(i, o, 1));
const attnBlock = (c: number) => layerNorm(c) + 4 * conv(c, c, 1);
const mid = 2 * resnet(512, 512) + attnBlock(512);
const encoder =
  conv(3, 128, 3) +
  4 * resnet(128, 128) +
  resnet(128, 256) +
  3 * resnet(256, 256) +
  resnet(256, 512) +
  resnet(512, 512) +
  2 * attnBlock(512) +
  2 * conv(128, 128, 3) +
  2 * conv(256, 256, 3) +
  mid +
  layerNorm(512) +
  conv(512, 256, 3);
// Levels 4 → 0, three blocks each: 512 (with attention), 256, 256, 128, 128; upsamples after all but level 0.
const decoder =
  conv(256, 512, 3) +
  mid +
  3 * resnet(512, 512) +
  3 * attnBlock(512) +
  conv(512, 512, 3) +
  (resnet(512, 256) + 2 * resnet(256, 256)) +
  conv(256, 256, 3) +
  3 * resnet(256, 256) +
  conv(256, 256, 3) +
  (resnet(256, 128) + 2 * resnet(128, 128)) +
  conv(128, 128, 3) +
  3 * resnet(128, 128) +
  layerNorm(128) +
  conv(128, 3, 3);
const vqVae = encoder + 16_384 * 8 + conv(256, 8, 1) + conv(8, 256, 1) + decoder;
/** generation_embeddings, generation_aligner (8 → w → w) and generation_head (w → w → 16384). */
const generation = (w: number) => vqVae + 16_384 * 8 + aligner(8, w) + linear(w, w) + linear(w, 16_384);

describe('Janus', () => {
  it('Janus-Pro-1B: the Llama decoder 1,652,656,128 (untied head) and the tower 423,980,683: 2,076,636,811', () => {
    const spec = read(ONE_B);
    const text = llama(2048, 24, 5632);
    expect(text).toBe(1_652_656_128);
    expect(paramCount(spec).totalParams).toBe(text);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.modelType).toBe('janus');
    expect(spec.attention).toMatchObject({ numHeads: 16, numKvHeads: 16, headDim: 128 });
    // Full attention on 24 layers: K and V of 16 heads × 128 per token.
    expect(kvCacheBytes(spec, 16_384, 'bf16').bytesPerSequence).toBe(24 * 2 * 16 * 128 * 2 * 16_384);
    expect(spec.maxContextTokens).toBe(16_384);

    expect(vit).toBe(303_688_704);
    expect(vqVae).toBe(71_883_403);
    const tower = vit + aligner(vh, 2048) + generation(2048);
    expect(spec.vision?.params).toBe(tower);
    expect(tower).toBe(423_980_683);
    expect(text + tower).toBe(2_076_636_811);
    expect(spec.vision).toMatchObject({ patchSize: 16, imageSize: 384 });
    for (const part of [
      'ViT 24 × 1024, 384px, patch 16 (576 tokens) 303.69M',
      'aligner 1024 → 2048 → 2048 6.30M',
      'VQ-VAE 71.88M (5 levels, 128–512 channels, codebook 16384 × 8)',
      'generation embeddings 16384 × 8',
      'aligner 8 → 2048 → 2048',
      'head 2048 → 2048 → 16384',
    ])
      expect(spec.vision?.description).toContain(part);
  });

  it('FLOPs per image: the patch conv, 24 ViT layers over 576 patches and the aligner on each', () => {
    const layerMatmuls = 4 * vh * vh + 2 * vh * vInter;
    const perImage =
      2 * patches * 3 * 16 * 16 * vh +
      vLayers * (2 * patches * layerMatmuls + 4 * vh * patches * patches) +
      2 * patches * (vh * 2048 + 2048 * 2048);
    expect(read(ONE_B).vision?.flopsPerImage).toBe(perImage);
  });

  it('Janus-Pro-7B: 30 × 4096 Llama 6,910,365,696 and the 4096-wide aligners and head 497,407,627: 7,407,773,323', () => {
    const spec = read(SEVEN_B);
    expect(paramCount(spec).totalParams).toBe(llama(4096, 30, 11_008));
    expect(paramCount(spec).totalParams).toBe(6_910_365_696);
    expect(spec.vision?.params).toBe(vit + aligner(vh, 4096) + generation(4096));
    expect(spec.vision?.params).toBe(497_407_627);
  });

  it('fills omitted sub-config keys from JanusVisionConfig and JanusVQVAEConfig, and reads q/k norms and attention_bias', () => {
    const noVq: Json = { ...ONE_B, vision_config: { model_type: 'janus_vision_model' } };
    delete noVq.vq_config;
    expect(read(noVq).vision?.params).toBe(read(ONE_B).vision?.params);
    // use_qk_norm adds two LayerNorms of the width; attention_bias false drops the q/k/v biases.
    const changed = read(variant({ vision: { use_qk_norm: true, attention_bias: false } }));
    expect(changed.vision?.params).toBe(
      (read(ONE_B).vision?.params ?? 0) + vLayers * (2 * layerNorm(vh) - 3 * vh),
    );
    // A deeper aligner adds projection_dim → projection_dim linears.
    const deep = read(variant({ vision: { depth: 3 }, vq: { num_hidden_layers: 3 } }));
    expect(deep.vision?.params).toBe((read(ONE_B).vision?.params ?? 0) + 2 * linear(2048, 2048));
  });

  it('ties the head when the top level says so', () => {
    const spec = read(variant({ top: { tie_word_embeddings: true } }));
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(paramCount(spec).totalParams).toBe(llama(2048, 24, 5632) - vocab * 2048);
  });

  it('refuses widths the model cannot join, GroupNorm-incompatible channels and unknown text models, naming the field', () => {
    // JanusConfig() alone builds LlamaConfig()'s 4096-wide text model under 2048-wide aligners.
    expect(() => read({ model_type: 'janus' })).toThrow(/vision_config\.projection_dim.*4096/);
    expect(() => read(variant({ vq: { image_token_embed_dim: 1024 } }))).toThrow(
      /vq_config\.image_token_embed_dim/,
    );
    expect(() => read(variant({ vq: { base_channels: 100 } }))).toThrow(/vq_config\.base_channels/);
    expect(() => read(variant({ vq: { channel_multiplier: [1, 0] } }))).toThrow(
      /vq_config\.channel_multiplier/,
    );
    expect(() => read(variant({ vision: { num_attention_heads: 3 } }))).toThrow(/vision_config\.hidden_size/);
    expect(() => read(variant({ text: { model_type: 'no_such_model' } }))).toThrow(/text_config\.model_type/);
  });
});
