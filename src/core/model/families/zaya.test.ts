/**
 * Zyphra ZAYA1 (`zaya`): CCA attention read as GQA with its convolutions, key temperatures and MLP
 * router as each layer's extras, a top-1 MoE, residual scaling as norms (zaya.ts), on ZAYA1-8B's
 * config.json and on variants of it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { zaya } from './zaya.js';

const ZAYA1_8B = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/zaya1-8b.json', import.meta.url),
    'utf8',
  ),
) as Record<string, unknown>;

const read = (json: Record<string, unknown>) => zaya(new Fields(json, 'zaya'), 'x');

/** The module shapes of ZayaForCausalLM at ZAYA1-8B's sizes, for `layers` layers. */
function zayaShapes(layers: number, vocab = 262_272) {
  const h = 2048;
  const [heads, kv, hd, experts, expert, r, k0, k1] = [8, 2, 128, 16, 2048, 256, 2, 2];
  const channels = (heads + kv) * hd;
  // ZayaCCAProjection: q_proj, k_proj, v_proj_current + v_proj_delayed; o_proj; no biases.
  const projections = h * heads * hd + h * kv * hd + 2 * h * ((kv * hd) / 2) + heads * hd * h;
  // conv_qk_depthwise [C, 1, k0] + bias, conv_qk_grouped [C, head_dim, k1] + bias; ZayaQKNorm.temp [kv].
  const conv = channels * k0 + channels + channels * hd * k1 + channels;
  const temp = kv;
  // ZayaRouter: down_proj, router_states_scale (not layer 0), ZayaRouterMLP (norm, fc1, fc2, out_proj
  // to experts + 1 classes), balancing_biases [experts + 1].
  const router = (i: number) =>
    h * r + r + (i === 0 ? 0 : r) + r + 2 * (r * r + r) + r * (experts + 1) + (experts + 1);
  const swiglu = 3 * h * expert;
  // input_layernorm, post_attention_layernorm, two ZayaResidualScaling of four h vectors each.
  const norms = 2 * h + 8 * h;
  const routers = Array.from({ length: layers }, (_, i) => router(i)).reduce((a, b) => a + b, 0);
  const perLayer = projections + conv + temp + experts * swiglu + norms;
  // embed_tokens (tied lm_head), input_hidden_states_scale and _bias, the final norm.
  const total = layers * perLayer + routers + vocab * h + 2 * h + h;
  // The layers' extras: what the spec's attention and experts do not hold, the router among them.
  const extras = layers * (conv + temp) + routers;
  // Forward FLOPs per token of the extras' matmuls: the two convolutions and the router's four Linears.
  const extraFlops =
    2 * layers * (channels * k0 + channels * hd * k1 + h * r + 2 * r * r + r * (experts + 1));
  return { total, extras, extraFlops, inactiveExperts: layers * (experts - 1) * swiglu, vocab, h };
}

describe('ZAYA1', () => {
  it('ZAYA1-8B: 40 hybrid CCA layers, 16 experts top-1 with an MLP router, tied embeddings', () => {
    const spec = read(ZAYA1_8B);
    const shapes = zayaShapes(40);
    const count = paramCount(spec);
    expect(count.totalParams).toBe(shapes.total);
    expect(count.totalParams).toBe(8_840_489_464);
    expect(count.breakdown.layerExtras).toBe(shapes.extras);
    expect(count.breakdown.router).toBe(0);
    expect(count.breakdown.lookupTables).toBeUndefined();
    // One expert of 16 a token; the convolutions and the router run on every token.
    expect(count.activeParams).toBe(shapes.total - shapes.inactiveExperts);
    const flops = forwardFlopsPerToken(spec, { attentionMode: 'causal', contextTokens: 4096 }).breakdown;
    expect(flops.layerExtras).toBe(shapes.extraFlops);
    expect(flops.router).toBe(0);
    expect(spec.moe).toMatchObject({ numExperts: 16, topK: 1, fusedGateUp: true, routerBias: false });
    // The cache holds GQA's keys and values: 2 KV heads of 128 per layer per token.
    expect(kvCacheBytes(spec, 32_768, 'bf16').bytesPerSequence).toBe(40 * 32_768 * 2 * 2 * 128 * 2);
    expect(spec.warnings).toHaveLength(1);
    // Conv window 1280 × (2 + 2 − 2) and the delayed value projection 2 · 128 / 2.
    expect(spec.warnings?.[0]).toMatch(/2,688 elements of state per sequence/);
  });

  it('reads a config without the keys ZayaConfig defaults as ZAYA1-8B', () => {
    const spec = read({ model_type: 'zaya' });
    expect(paramCount(spec).totalParams).toBe(zayaShapes(40).total);
    expect(spec.tieWordEmbeddings).toBe(true);
  });

  it('hybrid_sliding layers keep a window; an lm_head bias is counted with the head, active on every token', () => {
    const types = Array.from({ length: 40 }, (_, i) => (i % 4 === 3 ? 'hybrid' : 'hybrid_sliding'));
    const spec = read({ ...ZAYA1_8B, layer_types: types, sliding_window: 4096, lm_head_bias: true });
    const shapes = zayaShapes(40);
    const without = paramCount(read({ ...ZAYA1_8B, layer_types: types, sliding_window: 4096 }));
    expect(paramCount(spec).totalParams).toBe(shapes.total + shapes.vocab);
    expect(paramCount(spec).activeParams - without.activeParams).toBe(shapes.vocab);
    expect(paramCount(spec).breakdown.head - without.breakdown.head).toBe(262_272);
    const perToken = 2 * 2 * 128 * 2;
    expect(kvCacheBytes(spec, 32_768, 'bf16').bytesPerSequence).toBe(perToken * (10 * 32_768 + 30 * 4096));
  });

  it('refuses top-k other than 1, unknown layer types and a sliding layer without a window, naming the field', () => {
    expect(() => read({ ...ZAYA1_8B, num_experts_per_tok: 2 })).toThrow(/num_experts_per_tok.*must be 1/);
    expect(() => read({ ...ZAYA1_8B, layer_types: Array(40).fill('full_attention') })).toThrow(
      /layer_types.*'hybrid', 'hybrid_sliding'/,
    );
    expect(() => read({ ...ZAYA1_8B, layer_types: Array(40).fill('hybrid_sliding') })).toThrow(
      /sliding_window/,
    );
  });
});
