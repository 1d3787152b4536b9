/**
 * JetMoE (`jetmoe`), read by calling the family directly: counts tensor by tensor from the modules of
 * transformers `models/jetmoe/modeling_jetmoe.py` (JetMoeMoA and kv_proj in JetMoeAttention, JetMoeMoE,
 * JetMoeTopKGating, JetMoeParallelExperts, JetMoeBlock, JetMoeModel, JetMoeForCausalLM), the KV cache,
 * JetMoeConfig's defaults, and errors that name the field.
 *
 * Fixture: `hand-built/jetmoe-8b.json`: jetmoe/jetmoe-8b's shape, JetMoeConfig's `__init__` keys at their
 * class defaults but for num_hidden_layers 24 (the model card's and arXiv:2404.07413 Table 1's 24
 * blocks); the published config.json was not found quoted in stored code.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { jetmoe } from './jetmoe.js';

const JETMOE_8B: Json = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/jetmoe-8b.json', import.meta.url),
    'utf8',
  ),
);

const read = (config: Json) => jetmoe(new Fields(config, 'jetmoe'), 'jetmoe');

/** JetMoeForCausalLM's tensors at jetmoe-8b's sizes (JetMoeConfig's defaults), for `layers` layers. */
function shapes(layers: number) {
  const [vocab, h, kv, d, intermediate, experts, topK] = [32_000, 2048, 16, 128, 5632, 8, 2];
  // JetMoeMoA: input_linear [E, kv·d, h] and output_linear [E, h, kv·d], one pair per expert.
  const qoPerExpert = 2 * h * kv * d;
  const router = h * experts; // JetMoeTopKGating.layer, no bias (the MoA's and the MoE's alike)
  // self_attention: the MoA's experts, router and bias (h); kv_proj h → 2·kv·d, no bias.
  const attention = experts * qoPerExpert + router + h + h * 2 * kv * d;
  // mlp (JetMoeMoE): input_linear [E, 2·I, h], output_linear [E, h, I], router, bias (h).
  const expertMlp = 2 * intermediate * h + h * intermediate;
  const moe = experts * expertMlp + router + h;
  const norms = 2 * h; // input_layernorm, post_attention_layernorm
  // embed_tokens (lm_head tied), the final norm.
  const total = layers * (attention + moe + norms) + vocab * h + h;
  // A token runs k of the E attention experts and k of the E MLP experts.
  const idle = layers * (experts - topK) * (qoPerExpert + expertMlp);
  // Held as extras: the MoA router, both biases and the unrouted attention experts' q and o.
  const extras = layers * (router + 2 * h + (experts - topK) * qoPerExpert);
  return { total, active: total - idle, extras, layers, h, kv, d, experts, topK, router };
}

describe('jetmoe', () => {
  it('jetmoe-8b: 24 blocks of a mixture of attention heads and a mixture of MLP experts, 8 of each, top-2', () => {
    const spec = read(JETMOE_8B);
    const s = shapes(24);
    const count = paramCount(spec);
    expect(count.totalParams).toBe(s.total);
    expect(count.totalParams).toBe(8_522_237_952);
    expect(count.activeParams).toBe(s.active);
    expect(count.activeParams).toBe(2_331_445_248);
    expect(count.breakdown.layerExtras).toBe(s.extras);
    // The MoE block's router; the MoA's is an extra.
    expect(count.breakdown.router).toBe(24 * s.router);
    // The q and o weights a token runs (its 2 experts') and kv_proj.
    expect(count.breakdown.attention).toBe(24 * (2 * 2 * s.h * s.kv * s.d + 2 * s.h * s.kv * s.d));
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 32,
      numKvHeads: 16,
      headDim: 128,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'none',
      sinks: false,
    });
    expect(spec.moe).toMatchObject({
      numExperts: 8,
      topK: 2,
      expertIntermediateSize: 5632,
      gated: true,
      fusedGateUp: true,
      routerBias: false,
      expertBias: false,
      numSharedExperts: 0,
    });
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.maxContextTokens).toBe(4096);
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'moe')).toBe(true);
  });

  it('the KV cache holds the shared kv_proj heads; the MoA router runs on every token', () => {
    const spec = read(JETMOE_8B);
    const s = shapes(24);
    // K (after RoPE) and V of 16 heads × 128 per layer, bf16.
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(24 * 2 * s.kv * s.d * 2);
    const { breakdown } = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 4096 });
    expect(breakdown.layerExtras).toBe(24 * 2 * s.router);
    // QKᵀ and PV over 2 × 16 query heads of 128.
    expect(breakdown.attentionScores).toBe(24 * 2 * 2 * s.topK * s.kv * s.d * 4096);
  });

  it('JetMoeConfig defaults: a bare config reads as the 12-layer JetMoE-4B the class builds', () => {
    const bare = read({ model_type: 'jetmoe' });
    expect(paramCount(bare).totalParams).toBe(shapes(12).total);
    expect(paramCount(bare).activeParams).toBe(shapes(12).active);
    // A saved config repeats num_attention_heads = kv · k.
    expect(paramCount(read({ ...JETMOE_8B, num_attention_heads: 32 })).totalParams).toBe(shapes(24).total);
  });

  it('errors name the field', () => {
    const heads = inputErrorOf(() => read({ ...JETMOE_8B, num_attention_heads: 16 }));
    expect(heads.issues[0]?.path).toEqual(['num_attention_heads']);
    expect(heads.message).toMatch(/num_key_value_heads × num_experts_per_tok/);
    const topK = inputErrorOf(() => read({ ...JETMOE_8B, num_experts_per_tok: 9 }));
    expect(topK.issues[0]?.path).toEqual(['num_experts_per_tok']);
    const width = inputErrorOf(() => read({ ...JETMOE_8B, kv_channels: 'wide' }));
    expect(width.issues[0]?.path).toEqual(['kv_channels']);
  });
});
