/**
 * Snowflake Arctic (`arctic`, arctic.ts): the released Snowflake/snowflake-arctic-instruct config
 * (hand-built/snowflake-arctic-instruct.json) counted matrix by matrix against modeling_arctic.py /
 * vLLM's arctic.py, checked against the model card's 480B total / 17B active; moe_layer_frequency,
 * ArcticConfig's defaults, and errors that name the malformed field.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import type { ModelSpec } from '../spec.js';
import { arctic } from './arctic.js';
import { Fields, type Json } from './fields.js';

const ARCTIC: Json = JSON.parse(
  readFileSync(
    new URL(
      '../../../../test/fixtures/hf-configs/hand-built/snowflake-arctic-instruct.json',
      import.meta.url,
    ),
    'utf8',
  ),
);

const read = (config: Json): ModelSpec => arctic(new Fields(config, 'arctic'), 'x');

interface Shape {
  readonly h: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly inter: number;
  readonly experts: number;
  readonly topK: number;
  readonly layers: number;
  readonly every: number;
  readonly residual: boolean;
  readonly vocab: number;
}

/** Total and active parameters of an ArcticForCausalLM of `s`, module by module. */
function arcticParams(s: Shape): { total: number; active: number } {
  const { h, inter, experts, topK } = s;
  const hd = h / s.heads;
  // q_proj, o_proj (h × heads·hd) and k_proj, v_proj (h × kv·hd), no biases.
  const attention = 2 * h * s.heads * hd + 2 * h * s.kvHeads * hd;
  const swiglu = (width: number) => 3 * h * width; // w1, w3: h → width; w2: width → h.
  const router = h * experts;
  // residual_layernorm + residual_mlp (width h) on MoE layers when parallel_attn_mlp_res.
  const residual = s.residual ? h + swiglu(h) : 0;
  let total = 0;
  let active = 0;
  for (let i = 0; i < s.layers; i++) {
    const base = attention + 2 * h; // + input_layernorm, post_attention_layernorm
    if ((i + 1) % s.every === 0) {
      total += base + router + experts * swiglu(inter) + residual;
      active += base + router + topK * swiglu(inter) + residual;
    } else {
      total += base + swiglu(inter);
      active += base + swiglu(inter);
    }
  }
  const ends = h + 2 * s.vocab * h; // final norm, embed_tokens, untied lm_head
  return { total: total + ends, active: active + ends };
}

const RELEASED: Shape = {
  h: 7168,
  heads: 56,
  kvHeads: 8,
  inter: 4864,
  experts: 128,
  topK: 2,
  layers: 35,
  every: 1,
  residual: true,
  vocab: 32_000,
};

describe('Snowflake Arctic', () => {
  it('snowflake-arctic-instruct: 35 MoE layers of 128 experts top-2 beside a residual MLP of width h', () => {
    const spec = read(ARCTIC);
    const counted = paramCount(spec);
    const expected = arcticParams(RELEASED);
    expect(counted.totalParams).toBe(expected.total);
    expect(counted.activeParams).toBe(expected.active);
    expect(counted.totalParams).toBe(478_584_608_768);
    expect(counted.activeParams).toBe(17_318_647_808);
    // Model card: 480B total, 17B active; a 10B dense part and 128 × 3.66B of experts.
    expect(counted.totalParams / 1e9).toBeCloseTo(480, -1);
    expect(counted.activeParams / 1e9).toBeCloseTo(17, 0);
    expect((35 * 3 * 7168 * 4864) / 1e9).toBeCloseTo(3.66, 2);
    expect(spec.moe).toMatchObject({
      numSharedExperts: 1,
      sharedIntermediateSize: 7168,
      sharedIsDenseMlp: true,
    });
    // 8 KV heads of 128 on every layer, no window.
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerSequence).toBe(35 * 2 * 8 * 128 * 2 * 4096);
  });

  it('moe_layer_frequency 2: odd layers MoE with the residual MLP, even layers one MLP of intermediate_size', () => {
    const spec = read({ ...ARCTIC, moe_layer_frequency: 2 });
    expect(spec.layers.filter((l) => l.mlp === 'moe')).toHaveLength(17);
    const counted = paramCount(spec);
    const expected = arcticParams({ ...RELEASED, every: 2 });
    expect(counted.totalParams).toBe(expected.total);
    expect(counted.activeParams).toBe(expected.active);
  });

  it("ArcticConfig's defaults for omitted keys: 32 layers, MoE every 2nd, 8 experts top-1, no residual MLP", () => {
    const spec = read({ model_type: 'arctic' });
    expect(spec.moe?.numSharedExperts).toBe(0);
    const expected = arcticParams({
      h: 4096,
      heads: 32,
      kvHeads: 32,
      inter: 14_336,
      experts: 8,
      topK: 1,
      layers: 32,
      every: 2,
      residual: false,
      vocab: 32_000,
    });
    expect(paramCount(spec).totalParams).toBe(expected.total);
    expect(paramCount(spec).activeParams).toBe(expected.active);
  });

  it('refuses use_residual that disagrees with parallel_attn_mlp_res, and heads that do not divide h, naming the field', () => {
    expect(() => read({ ...ARCTIC, use_residual: false })).toThrow(
      /use_residual.*must equal parallel_attn_mlp_res/,
    );
    expect(() => read({ ...ARCTIC, num_attention_heads: 57 })).toThrow(
      /hidden_size.*divisible.*num_attention_heads/,
    );
    expect(() => read({ ...ARCTIC, num_experts_per_tok: 129 })).toThrow(/num_experts_per_tok/);
  });
});
