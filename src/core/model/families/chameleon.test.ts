/**
 * Meta Chameleon (`chameleon`, chameleon.ts): chameleon-7b counted module by module against
 * transformers' modeling_chameleon.py — the Llama-like decoder with per-head q/k LayerNorms, and the
 * VQ-VAE image tokenizer (encoder, codebook, quant_conv, post_quant_conv; no decoder) counted apart —
 * on ChameleonConfig's and ChameleonVQVAEConfig's class defaults (fixture hand-built/chameleon-7b.json).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import type { ModelSpec } from '../spec.js';
import { chameleon } from './chameleon.js';
import { Fields, type Json } from './fields.js';

const CHAMELEON_7B: Json = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/chameleon-7b.json', import.meta.url),
    'utf8',
  ),
);

const read = (config: Json): ModelSpec => chameleon(new Fields(config, 'chameleon'), 'x');

// The VQ encoder's modules: GroupNorm (weight and bias), Conv2d with bias.
const groupNorm = (c: number) => 2 * c;
const conv = (i: number, o: number, k: number) => i * o * k * k + o;
const resnet = (i: number, o: number) =>
  groupNorm(i) + conv(i, o, 3) + groupNorm(o) + conv(o, o, 3) + (i === o ? 0 : conv(i, o, 1));
const attnBlock = (c: number) => groupNorm(c) + 4 * conv(c, c, 1);

describe('Chameleon', () => {
  it('chameleon-7b: 7,013,666,816 in the decoder (7,013,404,672 read: q/k norm biases apart), the VQ encoder apart', () => {
    const spec = read(CHAMELEON_7B);
    const [h, layers, vocab, inter] = [4096, 32, 65_536, 11_008];
    const d = h / 32;
    // q, k, v, o (32 heads of 128, no bias); q_norm (32, 128) and k_norm (32, 128) with weight and bias;
    // gate, up, down; two RMSNorms.
    const qkNorms = 2 * (32 * d) + 2 * (32 * d);
    const layer = 4 * h * h + qkNorms + 3 * h * inter + 2 * h;
    const exact = layers * layer + h + 2 * vocab * h;
    expect(exact).toBe(7_013_666_816);
    // ModelSpec's q/k norms carry no bias: the (32 + 32)·128 biases per layer are not counted.
    const qkNormBiases = layers * (32 * d + 32 * d);
    expect(paramCount(spec).totalParams).toBe(exact - qkNormBiases);
    expect(paramCount(spec).breakdown.attention).toBe(layers * (4 * h * h + 2 * h));
    expect(spec.attention).toMatchObject({ numHeads: 32, numKvHeads: 32, headDim: 128, qkNorm: 'full' });
    // Full attention on every layer: K and V of 32 heads × 128 per token and layer.
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerSequence).toBe(layers * 2 * 32 * 128 * 2 * 4096);
    expect(spec.maxContextTokens).toBe(4096);

    // Encoder: conv_in; levels of widths 128, 128, 256, 256, 512, two ResNet blocks each, four
    // downsamples; mid ResNet, attention, ResNet; norm_out, conv_out → 256; codebook 8192 × 256;
    // quant_conv and post_quant_conv (256 ↔ 256, 1×1).
    const levels =
      2 * resnet(128, 128) +
      2 * resnet(128, 128) +
      (resnet(128, 256) + resnet(256, 256)) +
      2 * resnet(256, 256) +
      (resnet(256, 512) + resnet(512, 512));
    const downsamples = 2 * conv(128, 128, 3) + 2 * conv(256, 256, 3);
    const mid = 2 * resnet(512, 512) + attnBlock(512);
    const encoder = conv(3, 128, 3) + levels + downsamples + mid + groupNorm(512) + conv(512, 256, 3);
    expect(spec.vision?.params).toBe(encoder + 8192 * 256 + 2 * conv(256, 256, 1));
    expect(spec.vision?.params).toBe(29_423_616);
    expect(spec.vision).toMatchObject({ patchSize: 16, imageSize: 512 });
    expect(spec.vision?.description).toContain('512px → 1024 tokens');
  });

  it('encode FLOPs per 512px image: every conv at its output size, the 32×32 attention, the codebook search', () => {
    const spec = read(CHAMELEON_7B);
    const macs = (i: number, o: number, k: number, side: number) => i * o * k * k * side * side;
    const res = (i: number, o: number, side: number) =>
      macs(i, o, 3, side) + macs(o, o, 3, side) + (i === o ? 0 : macs(i, o, 1, side));
    const perImage =
      2 *
      (macs(3, 128, 3, 512) +
        2 * res(128, 128, 512) +
        macs(128, 128, 3, 256) +
        2 * res(128, 128, 256) +
        macs(128, 128, 3, 128) +
        res(128, 256, 128) +
        res(256, 256, 128) +
        macs(256, 256, 3, 64) +
        2 * res(256, 256, 64) +
        macs(256, 256, 3, 32) +
        res(256, 512, 32) +
        res(512, 512, 32) +
        2 * res(512, 512, 32) +
        4 * macs(512, 512, 1, 32) +
        2 * 512 * 1024 * 1024 +
        macs(512, 256, 3, 32) +
        macs(256, 256, 1, 32) +
        1024 * 256 * 8192);
    expect(spec.vision?.flopsPerImage).toBe(perImage);
  });

  it('reads a bare config with the class defaults, and level attention at attn_resolutions', () => {
    const bare = read({ model_type: 'chameleon' });
    expect(paramCount(bare).totalParams).toBe(paramCount(read(CHAMELEON_7B)).totalParams);
    expect(bare.vision?.params).toBe(read(CHAMELEON_7B).vision?.params);
    // attn_resolutions [32]: an attention block after each of the last level's two ResNet blocks.
    const withAttn = read({ ...CHAMELEON_7B, vq_config: { attn_resolutions: [32] } });
    expect((withAttn.vision?.params ?? 0) - (bare.vision?.params ?? 0)).toBe(2 * attnBlock(512));
    // attn_type null builds nn.Identity in the mid block.
    const noAttn = read({ ...CHAMELEON_7B, vq_config: { attn_type: null } });
    expect((bare.vision?.params ?? 0) - (noAttn.vision?.params ?? 0)).toBe(attnBlock(512));
    // mlp_bias and attention_bias add the biases.
    const biased = read({ ...CHAMELEON_7B, mlp_bias: true, attention_bias: true });
    expect(paramCount(biased).totalParams - paramCount(bare).totalParams).toBe(
      32 * (2 * 11_008 + 4096 + 4 * 4096),
    );
  });

  it('refuses malformed fields by name', () => {
    expect(() => read({ ...CHAMELEON_7B, hidden_size: 4100 })).toThrow(
      /'hidden_size' \(4100\) must be divisible by 'num_attention_heads' \(32\)/,
    );
    expect(() => read({ ...CHAMELEON_7B, vq_config: { base_channels: 100 } })).toThrow(
      /'vq_config\.base_channels' × each channel_multiplier must be a multiple of GroupNorm's 32 groups/,
    );
    expect(() => read({ ...CHAMELEON_7B, vq_config: { resolution: 8 } })).toThrow(
      /'vq_config\.resolution' \(8\) must be at least 2\^4/,
    );
    expect(() => read({ ...CHAMELEON_7B, vq_config: [] })).toThrow(/vq_config/);
  });
});
