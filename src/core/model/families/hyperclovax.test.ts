/**
 * HyperCLOVA X SEED (`hyperclovax`; hyperclovax.ts): Granite's decoder with Peri-LN post-norms
 * (post_norm1, post_norm2) when use_post_norm. The fixture is HyperCLOVAXConfig's class defaults
 * (Llama 2 7B's shape, use_post_norm true).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { hyperclovax } from './hyperclovax.js';

const config = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/hyperclovax-seed.json', import.meta.url),
    'utf8',
  ),
) as Record<string, Json>;

const read = (json: Json) => hyperclovax(new Fields(json, 'hyperclovax'), 'x');

const V = 32_000;
const h = 4096;
const I = 11_008;
const L = 32;
const heads = 32;
const kvHeads = 32;
const d = 128;

/** q/o h ↔ heads·d, k/v h → kvHeads·d, no bias. */
const attention = 2 * h * heads * d + 2 * h * kvHeads * d;
/** gate/up h → I, down I → h, no bias. */
const mlp = 3 * h * I;

describe('hyperclovax', () => {
  it('class defaults: 32 layers of MHA and SwiGLU, four RMSNorms per layer (Peri-LN), untied head', () => {
    const spec = read(config);
    const layer = attention + mlp + 4 * h;
    const total = L * layer + h + 2 * V * h;
    const counts = paramCount(spec);
    expect(counts.totalParams).toBe(total);
    expect(total).toBe(6_738_677_760);
    expect(counts.activeParams).toBe(total);
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 4 });
    // K and V of 32 heads × 128 per token and layer, bf16.
    expect(kvCacheBytes(spec, 2048, 'bf16').bytesPerSequence).toBe(L * 2 * kvHeads * d * 2 * 2048);
  });

  it('use_post_norm false drops the two post-norms; an omitted key reads the class default (true)', () => {
    const withPost = paramCount(read(config)).totalParams;
    expect(withPost - paramCount(read({ ...config, use_post_norm: false })).totalParams).toBe(L * 2 * h);
    const { use_post_norm: _, vocab_size: __, ...bare } = config;
    expect(paramCount(read(bare)).totalParams).toBe(withPost);
  });

  it('biases follow attention_bias (q/k/v/o) and mlp_bias (gate/up/down); GQA narrows k/v', () => {
    const base = paramCount(read(config)).totalParams;
    const biased = read({ ...config, attention_bias: true, mlp_bias: true });
    expect(paramCount(biased).totalParams - base).toBe(L * (heads * d + 2 * kvHeads * d + h + 2 * I + h));
    const gqa = read({ ...config, num_key_value_heads: 8 });
    expect(base - paramCount(gqa).totalParams).toBe(L * 2 * h * (kvHeads - 8) * d);
  });

  it('refuses a hidden size that is not a multiple of the heads, naming the field', () => {
    expect(() => read({ ...config, hidden_size: 4100 })).toThrow(/hidden_size/);
    expect(() => read({ ...config, num_key_value_heads: 5 })).toThrow(/num_key_value_heads/);
  });

  it('refuses the vision-language wrapper spelled hyperclovax, naming its sub-config', () => {
    expect(() => read({ ...config, text_config: { model_type: 'hyperclovax' } })).toThrow(
      /text_config.*HCXVisionConfig/,
    );
    expect(() => read({ vision_config: {} })).toThrow(/vision_config/);
  });
});
