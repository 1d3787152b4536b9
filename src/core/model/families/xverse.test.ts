/**
 * XVERSE (`xverse`), read by calling the family directly: counts tensor by tensor from the modules
 * vLLM's `xverse.py` (dense) and SGLang's `xverse_moe.py` (MoE) build, the KV cache, XverseConfig's
 * defaults, and errors that name the field.
 *
 * Fixtures: `hand-built/xverse-13b.json`, xverse/XVERSE-13B as XverseConfig's `__init__` defaults
 * (its docstring: "similar to that of the XVERSE-13B") in the released config's layout;
 * `hand-built/xverse-moe-a4.2b.json`, xverse/XVERSE-MoE-A4.2B from its model card's table (28
 * layers, d_model 2560, 32 heads, d_ff 1728, 64 non-shared and 2 shared experts, top-6) with the
 * XVERSE tokenizer's 100,534 vocabulary, keyed as SGLang and TensorRT-LLM read it. The card gives
 * 25.8B total and 4.2B active; a survey table lists 25.78B and 4.23B.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { xverse } from './xverse.js';

const fixture = (name: string): Json =>
  JSON.parse(
    readFileSync(
      new URL(`../../../../test/fixtures/hf-configs/hand-built/${name}.json`, import.meta.url),
      'utf8',
    ),
  );

const DENSE = fixture('xverse-13b');
const MOE = fixture('xverse-moe-a4.2b');

const read = (config: Json) => xverse(new Fields(config, 'xverse'), 'xverse');

interface Shape {
  readonly vocab: number;
  readonly layers: number;
  readonly h: number;
  readonly heads: number;
  readonly kv: number;
  readonly ffn: number;
  /** Routed experts, top-k and shared experts; 0 experts for the dense model. */
  readonly experts: number;
  readonly topK: number;
  readonly shared: number;
}

/** XverseForCausalLM's tensors, untied head, no biases. */
function counts({ vocab, layers, h, heads, kv, ffn, experts, topK, shared }: Shape) {
  const d = h / heads;
  // q_proj and o_proj (h ↔ heads·d), k_proj and v_proj (h → kv·d).
  const attention = 2 * h * heads * d + 2 * h * kv * d;
  // XverseMLP: gate_proj, up_proj (h → ffn), down_proj (ffn → h).
  const mlp = 3 * h * ffn;
  const norms = 2 * h; // input_layernorm, post_attention_layernorm
  // MoE: router (h → experts), the routed experts, one shared MLP of ffn · shared; else one dense MLP.
  const ffnBlock = experts === 0 ? mlp : h * experts + experts * mlp + shared * mlp;
  const embedding = vocab * h; // embed_tokens; lm_head the same shape
  const total = layers * (attention + ffnBlock + norms) + 2 * embedding + h;
  const active = experts === 0 ? total : total - layers * (experts - topK) * mlp;
  return { total, active };
}

const DENSE_SHAPE: Shape = {
  vocab: 100_278,
  layers: 40,
  h: 5120,
  heads: 40,
  kv: 40,
  ffn: 13_824,
  experts: 0,
  topK: 0,
  shared: 0,
};
const MOE_SHAPE: Shape = {
  vocab: 100_534,
  layers: 28,
  h: 2560,
  heads: 32,
  kv: 32,
  ffn: 1728,
  experts: 64,
  topK: 6,
  shared: 2,
};

describe('xverse', () => {
  it('XVERSE-13B: 40 dense multi-head layers, SwiGLU 13,824, untied head', () => {
    const spec = read(DENSE);
    const c = counts(DENSE_SHAPE);
    const count = paramCount(spec);
    expect(count.totalParams).toBe(c.total);
    expect(count.totalParams).toBe(13_715_031_040);
    expect(count.activeParams).toBe(c.total);
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 40,
      numKvHeads: 40,
      headDim: 128,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'none',
      sinks: false,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 13_824, gated: true, bias: false });
    expect(spec.moe).toBeNull();
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(8192);
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'dense')).toBe(true);
    // K and V of 40 heads × 128 in each of 40 layers, bf16, over the whole context.
    expect(kvCacheBytes(spec, 8192, 'bf16').bytesPerSequence).toBe(40 * 2 * 40 * 128 * 2 * 8192);
  });

  it('XVERSE-MoE-A4.2B: 28 layers of 64 experts top-6 plus 2 shared, head_dim 80', () => {
    const spec = read(MOE);
    const c = counts(MOE_SHAPE);
    const count = paramCount(spec);
    expect(count.totalParams).toBe(c.total);
    expect(count.totalParams).toBe(25_778_352_640);
    expect(count.activeParams).toBe(c.active);
    expect(count.activeParams).toBe(4_226_183_680);
    expect(spec.moe).toEqual({
      numExperts: 64,
      topK: 6,
      expertIntermediateSize: 1728,
      gated: true,
      expertBias: false,
      numSharedExperts: 2,
      sharedIntermediateSize: 1728,
      routerBias: false,
      sharedExpertGate: false,
      routingGroups: null,
    });
    expect(spec.attention).toMatchObject({ numHeads: 32, numKvHeads: 32, headDim: 80 });
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'moe')).toBe(true);
    expect(kvCacheBytes(spec, 8192, 'bf16').bytesPerSequence).toBe(28 * 2 * 32 * 80 * 2 * 8192);
    // Without num_shared_experts SGLang builds no shared MLP.
    const { num_shared_experts: _s, ...noShared } = MOE as Record<string, unknown>;
    const unshared = paramCount(read(noShared as Json)).totalParams;
    expect(unshared).toBe(c.total - 28 * 2 * 3 * 2560 * 1728);
  });

  it('XverseConfig defaults, num_key_value_heads and bias', () => {
    // A bare config reads as the 13B.
    expect(paramCount(read({ model_type: 'xverse' })).totalParams).toBe(counts(DENSE_SHAPE).total);
    // GQA: k_proj and v_proj shrink to 8 heads, and so does the cache.
    const gqa = read({ ...DENSE, num_key_value_heads: 8 });
    expect(paramCount(gqa).totalParams).toBe(counts({ ...DENSE_SHAPE, kv: 8 }).total);
    expect(kvCacheBytes(gqa, 8192, 'bf16').bytesPerSequence).toBe(40 * 2 * 8 * 128 * 2 * 8192);
    // `bias`: q, k, v (h each, multi-head) and o (h) biases in every layer.
    const biased = paramCount(read({ ...DENSE, bias: true })).totalParams;
    expect(biased).toBe(counts(DENSE_SHAPE).total + 40 * 4 * 5120);
  });

  it('errors name the field', () => {
    const experts = inputErrorOf(() => read({ ...MOE, num_experts: 0 }));
    expect(experts.issues[0]?.path).toEqual(['num_experts']);
    const topK = inputErrorOf(() => read({ ...MOE, moe_top_k: 65 }));
    expect(topK.issues[0]?.path).toEqual(['moe_top_k']);
    expect(topK.message).toMatch(/exceeds the number of experts \(64\)/);
    const missingTopK = inputErrorOf(() => read({ ...MOE, moe_top_k: null }));
    expect(missingTopK.issues[0]?.path).toEqual(['moe_top_k']);
    const kv = inputErrorOf(() => read({ ...DENSE, num_key_value_heads: 3 }));
    expect(kv.issues[0]?.path).toEqual(['num_key_value_heads']);
    const heads = inputErrorOf(() => read({ ...DENSE, num_attention_heads: 3 }));
    expect(heads.issues[0]?.path).toEqual(['hidden_size']);
  });
});
