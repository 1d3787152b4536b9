/**
 * BLIP-2 reader (blip2.ts): Salesforce/blip2-opt-2.7b counted from its modules to the checkpoint's
 * 3,744,761,856 parameters (the card's 3.74B), the OPT text model's KV cache, and the fields it refuses.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { blip2Wrapper } from './blip2.js';
import { Fields, type Json } from './fields.js';
import { FAMILIES } from './index.js';
import type { Family } from './readers.js';

const fixture = (): Json =>
  JSON.parse(
    readFileSync(
      new URL('../../../../test/fixtures/hf-configs/hand-built/blip2-opt-2.7b.json', import.meta.url),
      'utf8',
    ),
  );
const read = (json: Json) =>
  blip2Wrapper((t) => (FAMILIES as Record<string, Family>)[t])(new Fields(json, 'blip-2'), 'x');
const linear = (i: number, o: number) => i * o + o;

describe('BLIP-2 (blip-2)', () => {
  it('counts blip2-opt-2.7b module by module: 3,744,761,856 parameters', () => {
    const spec = read(fixture());
    const p = paramCount(spec);
    // OPT-2.7B with 50,304 rows: embeddings and 2,050 learned positions, 32 layers of biased q/k/v/out,
    // fc1/fc2 and two LayerNorms, a final LayerNorm, lm_head tied.
    const optLayer = 4 * linear(2560, 2560) + linear(2560, 10_240) + linear(10_240, 2560) + 2 * 2 * 2560;
    expect(p.totalParams).toBe(50_304 * 2560 + 2050 * 2560 + 32 * optLayer + 2 * 2560);
    // EVA ViT-g: conv (with bias), class token, 257 positions, 39 layers (qkv with a 3h bias), post-LN.
    const v = 1408;
    const vitLayer = v * 3 * v + 3 * v + linear(v, v) + linear(v, 6144) + linear(6144, v) + 2 * 2 * v;
    const vit = 3 * 14 * 14 * v + v + v + 257 * v + 39 * vitLayer + 2 * v;
    // Q-Former: LayerNorm, 12 layers of self-attention and the query FFN, cross-attention in 6 of them.
    const w = 768;
    const selfAttention = 4 * linear(w, w) + 2 * w;
    const crossAttention = 2 * linear(w, w) + 2 * linear(v, w) + 2 * w;
    const ffn = linear(w, 3072) + linear(3072, w) + 2 * w;
    const qformer = 2 * w + 12 * (selfAttention + ffn) + 6 * crossAttention;
    expect(spec.vision?.params).toBe(vit + 32 * w + qformer + linear(w, 2560));
    expect(p.totalParams + (spec.vision?.params ?? 0)).toBe(3_744_761_856);
    expect(spec.modelType).toBe('blip-2');
    expect(spec.vision?.description).toBe(
      'EVA ViT-g 39 × 1408, 224px, patch 14, Q-Former 12 × 768 (257 vision tokens → 32 tokens)',
    );
  });

  it("caches OPT's keys and values: 32 layers × 2 × 2,560 per token", () => {
    const spec = read(fixture());
    expect(kvCacheBytes(spec, 2048).bytesPerToken).toBe(32 * 2 * 2560 * 2);
    expect(spec.maxContextTokens).toBe(2048);
  });

  it('counts the Q-Former text FFN when use_qformer_text_input builds it', () => {
    const base = read(fixture()).vision?.params ?? 0;
    const json = fixture();
    const withText = read({ ...json, qformer_config: { use_qformer_text_input: true } });
    expect((withText.vision?.params ?? 0) - base).toBe(12 * (768 * 3072 + 3072 + 3072 * 768 + 768 + 2 * 768));
  });

  it('refuses a T5 language model, naming text_config.model_type', () => {
    const error = inputErrorOf(() => read({ ...fixture(), text_config: { model_type: 't5' } }));
    expect(error.issues[0]?.path).toEqual(['text_config', 'model_type']);
    expect(error.message).toMatch(/\('t5'\) is an encoder–decoder language model/);
  });

  it('refuses Q-Former heads that do not divide its width', () => {
    const error = inputErrorOf(() => read({ ...fixture(), qformer_config: { num_attention_heads: 7 } }));
    expect(error.issues[0]?.path).toEqual(['qformer_config', 'num_attention_heads']);
    expect(error.message).toMatch(/\(7\) must divide the hidden size \(768\)/);
  });
});
