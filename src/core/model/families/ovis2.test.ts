/**
 * Ovis2 (`ovis2`), ovis2.ts: the Qwen2 text model by its own family, the AIMv2 visual tokenizer, its
 * visual-vocabulary head and the visual embedding table (modeling_ovis2.py), counted here module by
 * module on the released thisisiron/Ovis2-1B-hf and Ovis2-2B-hf configs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { FAMILIES } from './index.js';
import { ovis2Wrapper } from './ovis2.js';
import type { Family } from './readers.js';

const ovis2 = ovis2Wrapper((t) => (FAMILIES as Record<string, Family>)[t]);
const load = (file: string): Json =>
  JSON.parse(
    readFileSync(new URL(`../../../../test/fixtures/hf-configs/hand-built/${file}`, import.meta.url), 'utf8'),
  );
const ONE_B = load('ovis2.json');
const TWO_B = load('ovis2-2b.json');
const read = (c: Json) => ovis2(new Fields(c, 'ovis2'), 'ovis2');
const oneB = (): Json => structuredClone(ONE_B);
const vision = (c: Json) => c.vision_config as Json;

const vocab = 151_936;
/** A Qwen2 decoder with tied embeddings: q/k/v with bias, o without, SwiGLU, two RMSNorms a layer. */
function qwen2(h: number, layers: number, heads: number, kvHeads: number, inter: number): number {
  const q = h;
  const kv = (h / heads) * kvHeads;
  const layer = h * q + q + 2 * (h * kv + kv) + q * h + 3 * h * inter + 2 * h;
  return vocab * h + layers * layer + h;
}

/**
 * The visual tokenizer and table: patch_embedding [v, c, p, p] + bias, embeddings.rms_norm, position
 * table (image/p)² × v; per layer q/k/v/out [v, v], gate/up/down, rms_norm1/2; the final rms_norm;
 * head_linear [V − 5, v·s²], head_norm weight and bias; visual_embeddings_table [V, width].
 */
function tokenizer(o: {
  v: number;
  depth: number;
  inter: number;
  image: number;
  stride: number;
  visualVocab: number;
  width: number;
}): number {
  const { v, depth, inter, image, stride, visualVocab, width } = o;
  const patches = (image / 14) ** 2;
  const embeddings = v * 3 * 14 * 14 + v + v + patches * v;
  const layer = 4 * v * v + 3 * v * inter + 2 * v;
  const rows = visualVocab - 5;
  return embeddings + depth * layer + v + rows * v * stride * stride + 2 * rows + visualVocab * width;
}
const aimv2 = { v: 1024, depth: 24, inter: 2816, image: 448, stride: 2, visualVocab: 65_536 };

describe('Ovis2', () => {
  it('Ovis2-1B-hf: 494,032,768 in the tied Qwen2.5-0.5B text model, 637,250,550 in the visual tokenizer and table', () => {
    const spec = read(oneB());
    expect(spec.modelType).toBe('ovis2');
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(paramCount(spec).totalParams).toBe(qwen2(896, 24, 14, 2, 4864));
    expect(paramCount(spec).totalParams).toBe(494_032_768);
    expect(spec.vision?.params).toBe(tokenizer({ ...aimv2, width: 896 }));
    expect(spec.vision?.params).toBe(637_250_550);
    // 448 / 14 = 32 patches a side, merged 2×2 into 16² visual tokens.
    expect(spec.vision?.description).toMatch(/1024 patches → 256 visual tokens\), visual vocab 65536/);
    expect(spec.vision?.imageSize).toBe(448);
    // Every layer full attention: K and V of 2 heads × 64 in bf16.
    expect(kvCacheBytes(spec, 8192, 'bf16').bytesPerSequence).toBe(24 * 2 * 128 * 2 * 8192);
  });

  it('Ovis2-1B-hf FLOPs per 448-px tile: patch conv, 24 blocks over 1024 patches, head and table over 256 tokens', () => {
    const v = 1024;
    const conv = 2 * 1024 * 3 * 14 * 14 * v;
    const blocks = 24 * (2 * 1024 * (4 * v * v + 3 * v * 2816) + 4 * v * 1024 * 1024);
    const head = 2 * 256 * (4 * v * 65_531 + 65_536 * 896);
    expect(read(oneB()).vision?.flopsPerImage).toBe(conv + blocks + head);
  });

  it('Ovis2-2B-hf: the Qwen2.5-1.5B text model and a 1536-wide visual table', () => {
    const spec = read(TWO_B);
    expect(paramCount(spec).totalParams).toBe(qwen2(1536, 28, 12, 2, 8960));
    expect(paramCount(spec).totalParams).toBe(1_543_714_304);
    expect(spec.vision?.params).toBe(tokenizer({ ...aimv2, width: 1536 }));
    expect(spec.vision?.params).toBe(679_193_590);
    // hidden_size 1536 is Ovis2Config's default, so a config may omit it.
    const { hidden_size: _omitted, ...noWidth } = structuredClone(TWO_B);
    expect(read(noWidth).vision?.params).toBe(679_193_590);
  });

  it('takes Ovis2VisionConfig defaults for vision keys a config omits, and all of them without a vision_config', () => {
    const c = oneB();
    const { hidden_stride: _s, vocab_size: _v, ...rest } = vision(c);
    c.vision_config = rest;
    expect(read(c).vision?.params).toBe(tokenizer({ ...aimv2, stride: 1, visualVocab: 16_384, width: 896 }));
    const { vision_config: _absent, ...bare } = oneB();
    const spec = read(bare);
    expect(spec.vision?.params).toBe(
      tokenizer({ ...aimv2, image: 224, stride: 1, visualVocab: 16_384, width: 896 }),
    );
    expect(spec.vision?.description).toMatch(/224px, patch 14 \(256 patches → 256 visual tokens\)/);
  });

  it('counts q/k/v/out biases with qkv_bias and gate/up/down biases with mlp_bias', () => {
    const c = oneB();
    c.vision_config = { ...vision(c), qkv_bias: true, mlp_bias: true };
    const biases = 24 * (4 * 1024 + 2 * 2816 + 1024);
    expect(read(c).vision?.params).toBe(tokenizer({ ...aimv2, width: 896 }) + biases);
  });

  it('unties lm_head by the top-level tie_word_embeddings', () => {
    const c = oneB();
    c.tie_word_embeddings = false;
    const spec = read(c);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(paramCount(spec).totalParams).toBe(qwen2(896, 24, 14, 2, 4864) + vocab * 896);
  });

  it('names the field of a bad config', () => {
    const widths = oneB();
    widths.vision_config = { ...vision(widths), hidden_size: 'big' };
    expect(() => read(widths)).toThrow(/vision_config\.hidden_size/);
    const heads = oneB();
    heads.vision_config = { ...vision(heads), num_attention_heads: 7 };
    expect(() => read(heads)).toThrow(/vision_config\.hidden_size.*divisible by.*num_attention_heads/);
    const indicators = oneB();
    indicators.vision_config = { ...vision(indicators), num_visual_indicator_tokens: 65_536 };
    expect(() => read(indicators)).toThrow(/vision_config\.num_visual_indicator_tokens.*below vocab_size/);
    const { hidden_size: _omitted, ...defaultWidth } = oneB();
    expect(() => read(defaultWidth)).toThrow(
      /'hidden_size' \(1536\) must equal the text model's hidden_size \(896\)/,
    );
    const head = oneB();
    head.tie_word_embeddings = false;
    head.vocab_size = 151_643;
    expect(() => read(head)).toThrow(/'vocab_size' \(151643\) must equal the text model's vocab_size/);
    const text = oneB();
    text.text_config = { ...(text.text_config as Json), model_type: 'made_up' };
    expect(() => read(text)).toThrow(/text_config\.model_type.*'made_up'/);
  });
});
