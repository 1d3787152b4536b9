/**
 * GPT-1 (`openai-gpt`), CTRL (`ctrl`), XGLM (`xglm`), BioGPT (`biogpt`) and GPT-NeoX-Japanese
 * (`gpt_neox_japanese`): totals derived from each released config's module shapes, checked against the
 * published size, the KV cache of plain MHA, and the fields refused by name.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import type { ModelSpec } from '../spec.js';
import { Fields } from './fields.js';
import { biogpt, ctrl, gptNeoxJapanese, openaiGpt, xglm } from './legacy-decoders.js';
import type { Family } from './readers.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const fixture = (name: string): Cfg =>
  JSON.parse(
    readFileSync(
      new URL(`../../../../test/fixtures/hf-configs/hand-built/${name}.json`, import.meta.url),
      'utf8',
    ),
  ) as Cfg;
const read = (family: Family, c: Cfg): ModelSpec => family(new Fields(c, c.model_type as string), 'x');
const total = (family: Family, c: Cfg): number => paramCount(read(family, c)).totalParams;

/** One pre/post-norm MHA block: q/k/v/o (h × h each, biases when `bias`), a plain MLP of `inter`, two LayerNorms. */
const mhaBlock = (h: number, inter: number, bias: boolean): number =>
  4 * h * h + (bias ? 4 * h : 0) + 2 * h * inter + (bias ? inter + h : 0) + 2 * 2 * h;

/** Bytes per token of a bf16 MHA cache: K and V of h each, per layer. */
const mhaKv = (layers: number, h: number): number => layers * 2 * h * 2;

describe('GPT-1 (openai-gpt)', () => {
  it('counts 116,534,784: learned 512-row positions, fused biased c_attn, post-norm without a final norm, tied head', () => {
    const c = fixture('openai-gpt');
    const h = 768;
    const expected = 40_478 * h + 512 * h + 12 * mhaBlock(h, 4 * h, true);
    expect(total(openaiGpt, c)).toBe(expected);
    expect(expected).toBe(116_534_784); // "117M" (Radford et al. 2018)
    const spec = read(openaiGpt, c);
    expect(spec).toMatchObject({
      learnedPositionEmbeddings: 512,
      tieWordEmbeddings: true,
      activation: 'gelu',
    });
    expect(spec.norm).toEqual({ kind: 'layernorm', perLayer: 2, final: false });
    expect(spec.attention).toMatchObject({ numHeads: 12, numKvHeads: 12, headDim: 64, fusedQkv: true });
    expect(kvCacheBytes(spec, 1).bytesPerToken).toBe(mhaKv(12, h));
  });

  it('takes the class defaults for omitted keys and refuses heads that do not divide n_embd', () => {
    const { n_layer: _, n_head: __, ...bare } = fixture('openai-gpt');
    expect(total(openaiGpt, bare)).toBe(116_534_784);
    expect(() => read(openaiGpt, { ...fixture('openai-gpt'), n_head: 10 })).toThrow(
      /'n_head'.*must divide the hidden size \(768\)/,
    );
  });
});

describe('CTRL (ctrl)', () => {
  it('counts 1,637,964,550: sinusoidal positions without parameters, ReLU FFN of dff, tied head with its bias', () => {
    const c = fixture('ctrl');
    const h = 1280;
    // w (tied to lm_head), 48 blocks, the final layernorm, and lm_head's bias (246,534).
    const expected = 246_534 * h + 48 * mhaBlock(h, 8192, true) + 2 * h + 246_534;
    expect(total(ctrl, c)).toBe(expected);
    // 1.63B (Keskar et al. 2019).
    expect(expected).toBe(1_637_964_550);
    const spec = read(ctrl, c);
    expect(spec).toMatchObject({
      learnedPositionEmbeddings: 0,
      maxContextTokens: 50_000,
      activation: 'relu',
    });
    expect(spec.attention).toMatchObject({ numHeads: 16, headDim: 80, qkvBias: true, outputBias: true });
    expect(kvCacheBytes(spec, 1).bytesPerToken).toBe(mhaKv(48, h));
    expect(spec.warnings).toEqual([expect.stringMatching(/n_positions \(50,000.*n_ctx = 512 tokens/)]);
    expect(read(ctrl, { ...c, n_ctx: 50_000 }).warnings ?? []).toEqual([]);
  });

  it('refuses a zero dff and heads that do not divide n_embd, naming the field', () => {
    expect(() => read(ctrl, { ...fixture('ctrl'), dff: 0 })).toThrow(/'dff'/);
    expect(() => read(ctrl, { ...fixture('ctrl'), n_head: 7 })).toThrow(/'n_head'/);
  });
});

describe('XGLM (xglm)', () => {
  it('counts 564,463,616: sinusoidal positions and the √d embedding scale add nothing, biased MHA, tied head', () => {
    const c = fixture('xglm-564m');
    const h = 1024;
    const expected = 256_008 * h + 24 * mhaBlock(h, 4096, true) + 2 * h;
    expect(total(xglm, c)).toBe(expected);
    expect(expected).toBe(564_463_616); // facebook/xglm-564M
    const spec = read(xglm, c);
    expect(spec).toMatchObject({
      learnedPositionEmbeddings: 0,
      tieWordEmbeddings: true,
      maxContextTokens: 2048,
    });
    expect(spec.norm).toEqual({ kind: 'layernorm', perLayer: 2 });
    expect(kvCacheBytes(spec, 1).bytesPerToken).toBe(mhaKv(24, h));
  });

  it('XGLM-1.7B (d_model 2048, ffn_dim 8192) and the class defaults of an empty config', () => {
    const h = 2048;
    const big = { ...fixture('xglm-564m'), d_model: h, ffn_dim: 8192 };
    expect(total(xglm, big)).toBe(256_008 * h + 24 * mhaBlock(h, 8192, true) + 2 * h);
    expect(total(xglm, { model_type: 'xglm' })).toBe(564_463_616);
  });

  it('refuses cross-attention and heads that do not divide d_model, naming the field', () => {
    expect(() => read(xglm, { ...fixture('xglm-564m'), add_cross_attention: true })).toThrow(
      /'add_cross_attention' must be false/,
    );
    expect(() => read(xglm, { ...fixture('xglm-564m'), attention_heads: 15 })).toThrow(/'attention_heads'/);
  });
});

describe('BioGPT (biogpt)', () => {
  it('counts 346,763,264: learned positions of max_position_embeddings + 2, biased MHA and fc1/fc2, tied head', () => {
    const c = fixture('biogpt');
    const h = 1024;
    const expected = 42_384 * h + (1024 + 2) * h + 24 * mhaBlock(h, 4096, true) + 2 * h;
    expect(total(biogpt, c)).toBe(expected);
    expect(expected).toBe(346_763_264); // "347M" (Luo et al. 2022)
    const spec = read(biogpt, c);
    expect(spec).toMatchObject({
      learnedPositionEmbeddings: 1026,
      tieWordEmbeddings: true,
      activation: 'gelu',
    });
    expect(kvCacheBytes(spec, 1).bytesPerToken).toBe(mhaKv(24, h));
  });

  it('BioGPT-Large (hidden 1600, 48 layers, 25 heads, 2048 positions, vocab 57,717) counts to 1.57B', () => {
    const h = 1600;
    const large = {
      ...fixture('biogpt'),
      hidden_size: h,
      num_hidden_layers: 48,
      num_attention_heads: 25,
      intermediate_size: 6400,
      max_position_embeddings: 2048,
      vocab_size: 57_717,
    };
    const expected = 57_717 * h + 2050 * h + 48 * mhaBlock(h, 6400, true) + 2 * h;
    expect(total(biogpt, large)).toBe(expected);
    expect(expected / 1e9).toBeCloseTo(1.57, 2);
  });

  it('refuses a bad intermediate_size by name', () => {
    expect(() => read(biogpt, { ...fixture('biogpt'), intermediate_size: -1 })).toThrow(
      /'intermediate_size'/,
    );
  });
});

describe('GPT-NeoX-Japanese (gpt_neox_japanese)', () => {
  it('counts 2,598,835,200 (+ 2,560 uncounted) with the class default (tied embed_out): bias-free fused QKV and MLP, rotary', () => {
    const c = fixture('gpt-neox-japanese-2.7b');
    const h = 2560;
    // Per layer: query_key_value 3h², dense h², dense_h_to_4h / dense_4h_to_h 2·4h², two LayerNorms.
    const layer = mhaBlock(h, 4 * h, false);
    const expected = 32_000 * h + 32 * layer + 2 * h;
    expect(total(gptNeoxJapanese, c)).toBe(expected);
    // The last layer's dense_bias (h = 2,560, not counted) makes the checkpoint's 2,598,837,760.
    expect(expected).toBe(2_598_835_200);
    const spec = read(gptNeoxJapanese, c);
    expect(spec).toMatchObject({ learnedPositionEmbeddings: 0, tieWordEmbeddings: true });
    expect(spec.attention).toMatchObject({ qkvBias: false, outputBias: false, fusedQkv: true, headDim: 80 });
    expect(spec.mlp).toEqual({ intermediateSize: 4 * h, gated: false, bias: false });
    expect(kvCacheBytes(spec, 1).bytesPerToken).toBe(mhaKv(32, h));
    // An untied embed_out adds a vocabulary-sized head: 2.68B, the "2.7b" of the checkpoint's name.
    const untied = total(gptNeoxJapanese, { ...c, tie_word_embeddings: false });
    expect(untied - expected).toBe(32_000 * h);
    expect(untied / 1e9).toBeCloseTo(2.68, 2);
  });

  it('reads a fractional intermediate_multiple_size as int(h · m) and refuses a bad one by name', () => {
    const c = fixture('gpt-neox-japanese-2.7b');
    expect(read(gptNeoxJapanese, { ...c, intermediate_multiple_size: 2.5 }).mlp.intermediateSize).toBe(6400);
    expect(() => read(gptNeoxJapanese, { ...c, intermediate_multiple_size: 0 })).toThrow(
      /'intermediate_multiple_size'/,
    );
    expect(() => read(gptNeoxJapanese, { ...c, intermediate_multiple_size: 0.0001 })).toThrow(
      /'intermediate_multiple_size' gives an MLP width of 0/,
    );
  });
});
