/**
 * Skywork-MoE (`skywork_moe`, skywork-moe.ts), read by calling the family directly: counts tensor by
 * tensor from the modules of SkyworkAI/vllm's skywork_moe.py / skywork_moe_quant.py (adapted from the
 * Hub's modeling_skywork_moe.py): SkyworkAttention, SkyworkMoE (gate + w1/w2/w3 experts), the two-layer
 * SkyworkRouter and the dense SkyworkMLP of the training-code port, checked against the model card's
 * 146B total / 22B active; SkyworkMoeConfig's defaults, the KV cache, and errors that name the field.
 *
 * Fixture: `hand-built/skywork-moe-base.json`: Skywork/Skywork-MoE-Base's shape, Skywork-13B's
 * (hidden 4608, FFN 12288, 36 heads of 128, 52 layers, vocab 65536: the Skywork README's table) with
 * num_experts [16] and moe_2layer_gate false (asserted by the vLLM ports); the published config.json was
 * not found quoted in stored code.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import type { ModelSpec } from '../spec.js';
import { Fields, type Json } from './fields.js';
import { skyworkMoe } from './skywork-moe.js';

const SKYWORK_MOE: Json = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/skywork-moe-base.json', import.meta.url),
    'utf8',
  ),
);

const read = (config: Json): ModelSpec => skyworkMoe(new Fields(config, 'skywork_moe'), 'x');

interface Shape {
  readonly vocab: number;
  readonly h: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly inter: number;
  readonly layers: number;
  readonly experts: number;
  readonly topK: number;
  readonly every: number;
  readonly twoLayerGate: boolean;
}

/** Total and active parameters of a SkyworkForCausalLM of `s`, module by module. */
function skyworkParams(s: Shape): { total: number; active: number } {
  const { h, inter, experts, topK } = s;
  const hd = h / s.heads;
  // q_proj, o_proj (h × heads·hd) and k_proj, v_proj (h × kv·hd), no biases.
  const attention = 2 * h * s.heads * hd + 2 * h * s.kvHeads * hd;
  const swiglu = 3 * h * inter; // w1, w3: h → inter; w2: inter → h (SkyworkMLP's gate/up/down alike).
  // gate: h → E; or SkyworkRouter.wg: h → 8E, Tanh, 8E → E; no bias either way.
  const router = s.twoLayerGate ? h * 8 * experts + 8 * experts * experts : h * experts;
  const base = attention + 2 * h; // + input_layernorm, post_attention_layernorm
  let total = 0;
  let active = 0;
  for (let i = 0; i < s.layers; i++) {
    if ((i + 1) % s.every === 0) {
      total += base + router + experts * swiglu;
      active += base + router + topK * swiglu;
    } else {
      total += base + swiglu;
      active += base + swiglu;
    }
  }
  const ends = h + 2 * s.vocab * h; // final norm, embed_tokens, untied lm_head
  return { total: total + ends, active: active + ends };
}

const RELEASED: Shape = {
  vocab: 65_536,
  h: 4608,
  heads: 36,
  kvHeads: 36,
  inter: 12_288,
  layers: 52,
  experts: 16,
  topK: 2,
  every: 1,
  twoLayerGate: false,
};

describe('Skywork-MoE', () => {
  it('Skywork-MoE-Base: 52 layers of MHA and 16 SwiGLU experts top-2, 146B total / 22B active', () => {
    const spec = read(SKYWORK_MOE);
    const counted = paramCount(spec);
    const expected = skyworkParams(RELEASED);
    expect(counted.totalParams).toBe(expected.total);
    expect(counted.activeParams).toBe(expected.active);
    expect(counted.totalParams).toBe(146_356_167_168);
    expect(counted.activeParams).toBe(22_691_308_032);
    // Model card: 146 billion parameters, 16 experts, 22 billion activated.
    expect(counted.totalParams / 1e9).toBeCloseTo(146, -1);
    expect(counted.activeParams / 1e9).toBeCloseTo(22, -1);
    expect(spec.moe).toMatchObject({ numExperts: 16, topK: 2, expertIntermediateSize: 12_288, gated: true });
    expect(spec.moe?.routerInExtras).toBeUndefined();
    expect(spec.layers.every((l) => l.mlp === 'moe' && l.attention === 'full')).toBe(true);
    expect(spec.tieWordEmbeddings).toBe(false);
    // 36 KV heads of 128 on every layer, no window.
    expect(kvCacheBytes(spec, 8192, 'bf16').bytesPerSequence).toBe(52 * 2 * 36 * 128 * 2 * 8192);
  });

  it('moe_2layer_gate: the router is SkyworkRouter.wg (h → 8E, Tanh, 8E → E) held as extras', () => {
    const spec = read({ ...SKYWORK_MOE, moe_2layer_gate: true });
    expect(spec.moe?.routerInExtras).toBe(true);
    expect(spec.layers[0]?.extras?.params).toBe(4608 * 128 + 128 * 16);
    const counted = paramCount(spec);
    const expected = skyworkParams({ ...RELEASED, twoLayerGate: true });
    expect(counted.totalParams).toBe(expected.total);
    expect(counted.activeParams).toBe(expected.active);
    expect(counted.totalParams - paramCount(read(SKYWORK_MOE)).totalParams).toBe(
      52 * (4608 * 128 + 128 * 16 - 4608 * 16),
    );
  });

  it('moe_expert_interval 2: odd layers MoE, even layers one SkyworkMLP of intermediate_size', () => {
    const spec = read({ ...SKYWORK_MOE, moe_expert_interval: 2 });
    expect(spec.layers.filter((l) => l.mlp === 'moe')).toHaveLength(26);
    expect(spec.layers[0]?.mlp).toBe('dense');
    expect(spec.mlp).toEqual({ intermediateSize: 12_288, gated: true, bias: false });
    const counted = paramCount(spec);
    const expected = skyworkParams({ ...RELEASED, every: 2 });
    expect(counted.totalParams).toBe(expected.total);
    expect(counted.activeParams).toBe(expected.active);
  });

  it("SkyworkMoeConfig's defaults for omitted keys: 32 layers of 32 experts top-2 behind the two-layer gate", () => {
    const spec = read({ model_type: 'skywork_moe' });
    expect(spec.maxContextTokens).toBe(2048);
    const expected = skyworkParams({
      vocab: 32_000,
      h: 4096,
      heads: 32,
      kvHeads: 32,
      inter: 11_008,
      layers: 32,
      experts: 32,
      topK: 2,
      every: 1,
      twoLayerGate: true,
    });
    expect(paramCount(spec).totalParams).toBe(expected.total);
    expect(paramCount(spec).activeParams).toBe(expected.active);
  });

  it('refuses a malformed num_experts, top-k beyond the experts and heads that do not divide h, naming the field', () => {
    expect(() => read({ ...SKYWORK_MOE, num_experts: [] })).toThrow(/num_experts.*at least one expert count/);
    expect(() => read({ ...SKYWORK_MOE, num_experts: [0] })).toThrow(
      /num_experts.*at least one expert count/,
    );
    expect(() => read({ ...SKYWORK_MOE, num_experts: 16 })).toThrow(/num_experts.*list of integers/);
    expect(() => read({ ...SKYWORK_MOE, num_experts_per_tok: 17 })).toThrow(
      /num_experts_per_tok.*exceeds the number of experts/,
    );
    expect(() => read({ ...SKYWORK_MOE, moe_expert_interval: 0 })).toThrow(/moe_expert_interval/);
    expect(() => read({ ...SKYWORK_MOE, num_attention_heads: 37 })).toThrow(
      /hidden_size.*divisible.*num_attention_heads/,
    );
  });
});
