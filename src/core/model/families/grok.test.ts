/**
 * xAI Grok-1 (`grok-1`, grok.ts): hpcai-tech/grok-1's config counted module by module against its
 * remote code modeling_grok1.py (and vLLM's grok1.py): GQA without bias, every layer a top-2 MoE of
 * eight GeLU-gated experts (linear, linear_v, linear_1) with a bias-free router, four RMSNorms per
 * layer, a final RMSNorm, the head tied to the embedding.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import type { ModelSpec } from '../spec.js';
import { Fields, type Json } from './fields.js';
import { grok1 } from './grok.js';

const GROK1: Json = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/grok-1.json', import.meta.url),
    'utf8',
  ),
);

const read = (config: Json): ModelSpec => grok1(new Fields(config, 'grok-1'), 'x');

// Grok-1's shape: hidden 6144, 48 query and 8 KV heads of 128, experts of 32768, vocabulary 131072.
const h = 6144;
const hd = 128;
const vocab = 131_072;
const layers = 64;
/** q and o (h × 48·128 each), k and v (h × 8·128 each), no bias. */
const attention = 2 * h * 48 * hd + 2 * h * 8 * hd;
/** One MoeMLP: linear and linear_v (h → I), linear_1 (I → h). */
const expert = 3 * h * 32_768;
const router = h * 8;
const norms = 4 * h;
const layer = attention + router + 8 * expert + norms;

describe('grok-1', () => {
  it('hpcai-tech/grok-1: 64 layers of 8 experts top-2, tied embedding, exact total and active counts', () => {
    const spec = read(GROK1);
    const total = layers * layer + vocab * h + h;
    const count = paramCount(spec);
    expect(count.totalParams).toBe(total);
    // xAI's "314B": the decoder layers alone; one token runs 2 of the 8 experts (~26.5%).
    expect(layers * layer).toBe(314_879_508_480);
    expect(count.totalParams).toBe(315_684_820_992);
    expect(count.activeParams).toBe(total - layers * 6 * expert);
    expect(count.activeParams).toBe(83_756_587_008);
    expect(spec).toMatchObject({
      tieWordEmbeddings: true,
      norm: { kind: 'rmsnorm', perLayer: 4 },
      maxContextTokens: 8192,
      activation: 'gelu',
      attention: {
        kind: 'gqa',
        numHeads: 48,
        numKvHeads: 8,
        headDim: 128,
        qkvBias: false,
        outputBias: false,
      },
      moe: { numExperts: 8, topK: 2, expertIntermediateSize: 32_768, gated: true, numSharedExperts: 0 },
    });
    // Every layer full attention: 8 KV heads of 128 keys and values, BF16.
    expect(kvCacheBytes(spec, 8192, 'bf16').bytesPerSequence).toBe(layers * 2 * 8 * hd * 2 * 8192);
  });

  it("reads keyfan's num_local_experts, an untied head, and Grok1Config's defaults for omitted keys", () => {
    const keyfan = { model_type: 'grok-1', num_local_experts: 8, tie_word_embeddings: false };
    expect(paramCount(read(keyfan)).totalParams).toBe(layers * layer + 2 * vocab * h + h);
    expect(paramCount(read({ model_type: 'grok-1' })).totalParams).toBe(layers * layer + vocab * h + h);
  });

  it('refuses Grok-2 residual_moe, too many experts per token and indivisible KV heads, naming the field', () => {
    expect(() => read({ ...GROK1, residual_moe: true })).toThrow(
      /residual_moe.*dense MLP beside the experts/,
    );
    expect(() => read({ ...GROK1, num_experts_per_tok: 9 })).toThrow(
      /num_experts_per_tok.*\(9\) exceeds the number of experts \(8\)/,
    );
    expect(() => read({ ...GROK1, num_key_value_heads: 5 })).toThrow(/num_key_value_heads.*must divide/);
  });
});
