/**
 * IEIT Yuan 2.0 (`yuan`), read by calling the family directly: counts tensor by tensor from the modules
 * of the Hub remote code yuan_hf_model.py (LocalizedFiltering, YuanAttention, YuanMLP, YuanDecoderLayer,
 * YuanModel, YuanForCausalLM; M32's ParallelAttention_router, GroupedMLP, YuanMoeLayer), the KV cache
 * and LF state, the per-token FLOPs of the convolutions and router, YuanConfig's defaults, and errors
 * that name the field.
 *
 * Fixtures (hand-built, the released config.json shapes): `yuan2-2b.json` (IEITYuan/Yuan2-2B-hf),
 * `yuan2-51b.json` and `yuan2-102b.json` (the 2B config's keys with the shapes of IEIT-Yuan/Yuan-2.0
 * examples/pretrain_yuan2.0_{51B,102B}.sh: 42 / 84 layers, hidden 8192, 64 heads, 4096 positions, and
 * Megatron's ffn_hidden_size default 4h), `yuan2-m32.json` (IEITYuan/Yuan2-M32-hf: 24 layers, hidden
 * 2048, 16 heads, attention_projection_size 4096, 32 experts of 8192, top-2, attention router).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { yuan } from './yuan.js';

const fixture = (name: string): Json =>
  JSON.parse(
    readFileSync(
      new URL(`../../../../test/fixtures/hf-configs/hand-built/${name}.json`, import.meta.url),
      'utf8',
    ),
  );

const read = (config: Json) => yuan(new Fields(config, 'yuan'), 'yuan');

/** LocalizedFiltering at width h: conv1 (h/2 × h × 2 taps + h/2 bias), conv2 (h × h/2 × 2 + h bias). */
const lf = (h: number) => ({ weights: (h / 2) * h * 2 + h * (h / 2) * 2, biases: h / 2 + h });

/** A dense Yuan 2.0 (YuanMLP) with L layers of width h, I intermediate, V vocabulary, tied lm_head. */
function dense(L: number, h: number, I: number, V = 135_040) {
  const attention = 4 * h * h; // q_proj, k_proj, v_proj, o_proj: h → h, no bias
  const conv = lf(h);
  const mlp = 3 * h * I; // up_proj, gate_proj, down_proj, no bias
  const norms = 3 * h; // input_layernorm, post_attention_layernorm, lf_gate.output_layernorm
  const total = L * (attention + conv.weights + conv.biases + mlp + norms) + V * h + h;
  return { total, extras: L * (conv.weights + conv.biases), convWeights: conv.weights };
}

/** Yuan2.0-M32: 24 layers, h 2048, P = 4096 over 16 heads, 32 experts of 8192, top-2. */
function m32() {
  const [L, h, P, E, F, k, V] = [24, 2048, 4096, 32, 8192, 2, 135_040];
  const attention = h * 2 * P + h * P + P * h; // get_query_key h → 2P, v_proj h → P, o_proj P → h
  const conv = lf(h);
  const router = h * 3 * E; // ParallelAttention_router.query_key_value, no bias
  const expert = h * 2 * F + F * h; // w1 h → 2F (gate and up), w2 F → h
  const norms = 3 * h;
  const layer = attention + conv.weights + conv.biases + router + E * expert + norms;
  const total = L * layer + V * h + h;
  return { total, active: total - L * (E - k) * expert, L, h, P, E, F, router, convWeights: conv.weights };
}

describe('yuan', () => {
  it('Yuan2-2B: 24 LFA layers of 32 heads, SwiGLU 8192, tied 135,040-token embedding', () => {
    const spec = read(fixture('yuan2-2b'));
    const s = dense(24, 2048, 8192);
    const count = paramCount(spec);
    expect(count.totalParams).toBe(s.total);
    expect(count.totalParams).toBe(2_088_724_480); // "2B": 2.1B in the model card
    expect(count.activeParams).toBe(s.total);
    expect(count.breakdown.layerExtras).toBe(s.extras);
    expect(spec.attention).toMatchObject({ kind: 'gqa', numHeads: 32, numKvHeads: 32, headDim: 64 });
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.maxContextTokens).toBe(8192);
    expect(spec.moe).toBeNull();
    expect(spec.warnings?.[0]).toMatch(/3,072 elements of state per sequence/);
  });

  it('Yuan2-51B and Yuan2-102B: 42 and 84 layers of width 8192', () => {
    const big = paramCount(read(fixture('yuan2-51b')));
    expect(big.totalParams).toBe(dense(42, 8192, 32_768).total);
    expect(big.totalParams).toBe(51_842_105_344);
    const bigger = paramCount(read(fixture('yuan2-102b')));
    expect(bigger.totalParams).toBe(dense(84, 8192, 32_768).total);
    expect(bigger.totalParams).toBe(102_577_954_816);
  });

  it('Yuan2.0-M32: 32 experts top-2 behind an attention router, 40B total / 3.7B active', () => {
    const spec = read(fixture('yuan2-m32'));
    const s = m32();
    const count = paramCount(spec);
    expect(count.totalParams).toBe(s.total);
    expect(count.totalParams).toBe(39_942_842_368);
    expect(count.activeParams).toBe(s.active);
    expect(count.activeParams).toBe(3_704_055_808);
    expect(count.breakdown.router).toBe(0); // held in the extras with the convolutions
    expect(count.breakdown.layerExtras).toBe(s.L * (s.convWeights + 3072 + s.router));
    expect(spec.attention).toMatchObject({ numHeads: 16, numKvHeads: 16, headDim: 256 });
    expect(spec.moe).toMatchObject({
      numExperts: 32,
      topK: 2,
      expertIntermediateSize: 8192,
      gated: true,
      fusedGateUp: true,
      routerInExtras: true,
      numSharedExperts: 0,
    });
  });

  it('KV cache of every head; the convolutions and the router projection run every token', () => {
    const small = read(fixture('yuan2-2b'));
    expect(kvCacheBytes(small, 8192, 'bf16').bytesPerToken).toBe(24 * 2 * 2048 * 2);
    const smallFlops = forwardFlopsPerToken(small, { attentionMode: 'decode', contextTokens: 8192 });
    expect(smallFlops.breakdown.layerExtras).toBe(24 * 2 * dense(24, 2048, 8192).convWeights);
    const moe = read(fixture('yuan2-m32'));
    const s = m32();
    // K and V of 16 heads of 256 per layer, bf16.
    expect(kvCacheBytes(moe, 4096, 'bf16').bytesPerToken).toBe(s.L * 2 * s.P * 2);
    const flops = forwardFlopsPerToken(moe, { attentionMode: 'decode', contextTokens: 4096 });
    expect(flops.breakdown.layerExtras).toBe(s.L * 2 * (s.convWeights + s.router));
  });

  it('YuanConfig defaults: a bare config reads as Yuan2-2B; a plain router_type is a Linear h → E', () => {
    expect(paramCount(read({ model_type: 'yuan' })).totalParams).toBe(dense(24, 2048, 8192).total);
    const m = fixture('yuan2-m32');
    const linear = read({ ...m, moe_config: { ...(m.moe_config as Json), router_type: 'linear' } });
    const s = m32();
    expect(paramCount(linear).totalParams).toBe(s.total - s.L * (s.router - s.h * s.E));
    expect(paramCount(linear).breakdown.router).toBe(s.L * s.h * s.E);
  });

  it('errors name the field', () => {
    const small = fixture('yuan2-2b');
    const share = inputErrorOf(() => read({ ...small, use_shareqk: true }));
    expect(share.issues[0]?.path).toEqual(['use_shareqk']);
    const groups = inputErrorOf(() => read({ ...small, lf_conv2d_group: 3 }));
    expect(groups.issues[0]?.path).toEqual(['lf_conv2d_group']);
    const heads = inputErrorOf(() => read({ ...small, num_attention_heads: 30 }));
    expect(heads.issues[0]?.path).toEqual(['hidden_size']);
    const m = fixture('yuan2-m32');
    const topK = inputErrorOf(() => read({ ...m, moe_config: { ...(m.moe_config as Json), moe_top_k: 33 } }));
    expect(topK.issues[0]?.path).toEqual(['moe_config', 'moe_top_k']);
  });
});
