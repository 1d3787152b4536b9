/**
 * OLMo Hybrid (`olmo_hybrid`, olmo-hybrid.ts): Gated DeltaNet on three of four layers, OLMo 3
 * attention with whole-width q/k norms on the fourth, on OlmoHybridConfig's Olmo-Hybrid-7B shape.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { kvCacheBytes, recurrentStateBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { olmoHybrid } from './olmo-hybrid.js';

const fixture = (): Json => hfFixture('hand-built/olmo-hybrid') as Json;

const read = (config: Json) => olmoHybrid(new Fields(config, 'olmo_hybrid'), 'x');

describe('olmo_hybrid', () => {
  it('Olmo-Hybrid-7B: 24 Gated DeltaNet layers and 8 attention layers, counted module by module', () => {
    const spec = read(fixture());
    const h = 3840;
    const vocab = 100_352;
    // OlmoHybridAttention: q/k/v/o of 30 heads × 128 (MHA), q_norm and k_norm over all 3840 channels.
    const attention = 4 * h * 30 * 128 + 2 * 30 * 128;
    // OlmoHybridGatedDeltaNet: k = 30 × 96, v = 30 × 192.
    const k = 30 * 96;
    const v = 30 * 192;
    const gdn =
      2 * h * k + // q_proj, k_proj
      h * v + // v_proj
      2 * h * 30 + // a_proj, b_proj
      h * v + // g_proj
      (2 * k + v) * 4 + // depthwise conv, kernel 4, no bias
      2 * 30 + // A_log, dt_bias
      192 + // o_norm RMSNormGated(d_v)
      v * h; // o_proj
    const mlp = 3 * h * 11_008;
    const norms = 2 * h;
    const total = 8 * attention + 24 * gdn + 32 * (mlp + norms) + h + 2 * vocab * h;
    expect(paramCount(spec).totalParams).toBe(total);
    expect(total).toBe(7_430_870_688);
    expect(spec.layers.map((l) => l.attention)).toEqual(
      Array.from({ length: 32 }, (_, i) => (i % 4 === 3 ? 'full' : 'linear')),
    );
    expect(spec.linearAttention).toMatchObject({ keyHeadDim: 96, valueHeadDim: 192, projections: 'split' });
    // KV only on the 8 attention layers (no window); the DeltaNet state does not grow with context.
    expect(kvCacheBytes(spec, 8192, 'bf16').bytesPerSequence).toBe(8 * 2 * 30 * 128 * 2 * 8192);
    // Per linear layer: the conv window (3 of 4 taps over q, k, v) and a 96 × 192 state per head, bf16.
    const state = 24 * (3 * (2 * k + v) * 2 + 30 * 96 * 192 * 2);
    expect(recurrentStateBytes(spec).bytesPerSequence).toBe(state);
  });

  it("reads OlmoHybridConfig's defaults: layer_types, linear heads and head dims derived", () => {
    const bare: Json = { model_type: 'olmo_hybrid' };
    expect(paramCount(read(bare)).totalParams).toBe(paramCount(read(fixture())).totalParams);
    // Two layers: no i % 4 == 3, so the last one is full attention.
    expect(read({ num_hidden_layers: 2 }).layers.map((l) => l.attention)).toEqual(['linear', 'full']);
  });

  it('refuses a model without linear or without full layers, naming the field', () => {
    const config = fixture();
    expect(() => read({ ...config, layer_types: Array(32).fill('full_attention') })).toThrow(
      /layer_types.*at least one 'linear_attention'/,
    );
    expect(() => read({ ...config, layer_types: Array(32).fill('linear_attention') })).toThrow(
      /layer_types.*at least one 'full_attention'/,
    );
    expect(() => read({ ...config, linear_num_value_heads: 20 })).toThrow(/linear_num_value_heads/);
  });
});
