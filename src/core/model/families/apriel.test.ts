/**
 * ServiceNow Apriel-5B (`apriel`, apriel.ts), counted tensor by tensor from AprielForCausalLM's
 * modules: the released Apriel-5B-Instruct shape, AprielConfig's defaults for omitted keys, the
 * attention/MLP bias switches, and an error that names the malformed field.
 *
 * Config: test/fixtures/hf-configs/hand-built/apriel-5b-instruct.json, HAND-BUILT. The shape is the
 * module printout of the model built from ServiceNow-AI/Apriel-5B-Instruct's config (Fast-LLM
 * `fast_llm/models/ssm/external/5B_hybrid.ipynb`: Embedding(131072, 4096), q_proj 4096 → 3072,
 * k/v_proj 4096 → 1024, MLP 8192, no biases, eps 1e-05, 28 layers, untied lm_head).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { apriel } from './apriel.js';
import { Fields, type Json } from './fields.js';

const APRIEL_5B: Json = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/apriel-5b-instruct.json', import.meta.url),
    'utf8',
  ),
);

const read = (config: Json, name = 'x') => apriel(new Fields(config, 'apriel'), name);

/** One decoder layer of AprielDecoderLayer: q/k/v/o, the SwiGLU MLP, two RMSNorms, biases optional. */
function layerParams(
  h: number,
  heads: number,
  kvHeads: number,
  headDim: number,
  inter: number,
  attentionBias: boolean,
  mlpBias: boolean,
): number {
  const q = heads * headDim;
  const kv = kvHeads * headDim;
  const attention = h * q + 2 * h * kv + q * h + (attentionBias ? q + 2 * kv + h : 0);
  const mlp = 3 * h * inter + (mlpBias ? 2 * inter + h : 0);
  return attention + mlp + 2 * h;
}

describe('Apriel (apriel)', () => {
  it('Apriel-5B-Instruct: 24 query heads and 8 KV heads of 128, MLP 8192, untied head; 4,832,071,680', () => {
    const spec = read(APRIEL_5B, 'apriel-5b');
    expect(spec.attention).toMatchObject({
      kind: 'gqa',
      numHeads: 24,
      numKvHeads: 8,
      headDim: 128,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'none',
    });
    expect(spec.mlp).toEqual({ intermediateSize: 8192, gated: true, bias: false });
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(16_384);
    expect(spec.slidingWindow).toBeNull();
    expect(spec.warnings ?? []).toEqual([]);
    const h = 4096;
    const vocab = 131_072;
    // embed_tokens and lm_head, 28 layers, the final norm.
    const total = 2 * vocab * h + 28 * layerParams(h, 24, 8, 128, 8192, false, false) + h;
    expect(paramCount(spec).totalParams).toBe(total);
    expect(total).toBe(4_832_071_680);
    // Model card: 4.8B parameters.
    expect(total / 1e9).toBeCloseTo(4.8, 1);
    // K and V of 8 heads × 128 on each of the 28 layers, bf16.
    expect(kvCacheBytes(spec, 16_384, 'bf16').bytesPerToken).toBe(28 * 2 * 8 * 128 * 2);
  });

  it("AprielConfig's defaults where a config omits keys; attention_bias and mlp_bias add their biases", () => {
    const bare = read({ model_type: 'apriel' });
    expect(bare.attention).toMatchObject({ numHeads: 32, numKvHeads: 32, headDim: 128 });
    expect(bare.maxContextTokens).toBe(2048);
    const h = 4096;
    const defaults = 2 * 32_000 * h + 32 * layerParams(h, 32, 32, 128, 11_008, false, false) + h;
    expect(paramCount(bare).totalParams).toBe(defaults);

    const biased = read({ ...APRIEL_5B, attention_bias: true, mlp_bias: true });
    expect(biased.attention).toMatchObject({ qkvBias: true, outputBias: true });
    const withBias = 2 * 131_072 * h + 28 * layerParams(h, 24, 8, 128, 8192, true, true) + h;
    expect(paramCount(biased).totalParams).toBe(withBias);
    expect(withBias - 4_832_071_680).toBe(28 * (3072 + 2 * 1024 + h + 2 * 8192 + h));
  });

  it('names the malformed field', () => {
    expect(() => read({ ...APRIEL_5B, num_key_value_heads: 7 })).toThrow(/num_key_value_heads.*must divide/);
    expect(() => read({ ...APRIEL_5B, head_dim: 0 })).toThrow(/head_dim/);
  });
});
