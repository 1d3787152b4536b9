/**
 * Klear (`Klear`), read by calling the family directly: counts tensor by tensor from the modules of
 * mlx-lm `models/Klear.py` (see klear.ts), against the card's 46B total / 2.5B activated.
 *
 * Fixture `hand-built/klear-46b-a2.5b-instruct.json`: Kwai-Klear/Klear-46B-A2.5B-Instruct's config.json
 * as a third-party port's test quotes it field for field (its 4-bit `quantization` block left out).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { klear } from './klear.js';

const KLEAR = hfFixture('hand-built/klear-46b-a2.5b-instruct') as Record<string, Json>;
const read = (config: Json) => klear(new Fields(config, 'Klear'), 'x');

/** KlearMoeForCausalLM's state dict from the config's numbers; `sparse(i)` picks the MoE layers. */
function klearTensors(sparse: (i: number) => boolean): { total: number; active: number } {
  const [V, h, L, H, K, I, E, k, Ie] = [151_936, 2048, 32, 32, 4, 8064, 256, 8, 896];
  const d = h / H;
  const attention = h * H * d + 2 * h * K * d + H * d * h + 2 * d; // q/k/v/o, q_norm, k_norm
  const swiglu = (width: number) => 3 * h * width;
  let total = 2 * V * h + h; // embed_tokens, lm_head, model.norm
  let active = total;
  for (let i = 0; i < L; i++) {
    const common = attention + 2 * h; // with input_layernorm and post_attention_layernorm
    if (!sparse(i)) {
      total += common + swiglu(I);
      active += common + swiglu(I);
      continue;
    }
    // gate [E, h], expert_bias [E], shared_experts (896 × 1), coefficient [2, h] + [2], experts.
    const always = common + h * E + E + swiglu(Ie) + 2 * h + 2;
    total += always + E * swiglu(Ie);
    active += always + k * swiglu(Ie);
  }
  return { total, active };
}

describe('Klear (Kwai Klear-46B-A2.5B)', () => {
  it('counts the release tensor by tensor: 46.21B total, 2.53B active (card: 46B, 2.5B)', () => {
    const counted = paramCount(read(KLEAR));
    const expected = klearTensors(() => true);
    expect(counted.totalParams).toBe(expected.total);
    expect(counted.activeParams).toBe(expected.active);
    expect(counted.totalParams).toBe(46_214_690_880);
    expect(counted.activeParams).toBe(2_526_820_416);
    // The coefficient head is a per-layer extra: Linear(2048, 2) with bias on each of the 32 layers.
    expect(counted.breakdown.layerExtras).toBe(32 * (2 * 2048 + 2));
  });

  it('head_dim is hidden / heads (64), not Qwen3’s default of 128: q_norm [64], KV 2 × 4 × 64 a layer', () => {
    const spec = read(KLEAR);
    expect(spec.attention).toMatchObject({ kind: 'gqa', headDim: 64, numKvHeads: 4, qkNorm: 'per-head' });
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(32 * 2 * 4 * 64 * 2);
  });

  it('mlp_only_layers and decoder_sparse_step pick the dense layers, as Qwen3-MoE', () => {
    const config = { ...KLEAR, decoder_sparse_step: 2, mlp_only_layers: [3] };
    const spec = read(config);
    const sparse = (i: number) => i !== 3 && (i + 1) % 2 === 0;
    expect(spec.layers.map((l) => l.mlp === 'moe')).toEqual(Array.from({ length: 32 }, (_, i) => sparse(i)));
    const counted = paramCount(spec);
    expect(counted.totalParams).toBe(klearTensors(sparse).total);
    expect(counted.activeParams).toBe(klearTensors(sparse).active);
  });

  it('decode FLOPs: the coefficient head beside the router, eight routed experts and the shared one', () => {
    const f = forwardFlopsPerToken(read(KLEAR), { attentionMode: 'decode', contextTokens: 4096 });
    expect(f.breakdown.layerExtras).toBe(32 * 2 * 2 * 2048);
    expect(f.breakdown.routedExperts).toBe(32 * 8 * 2 * 3 * 2048 * 896);
    expect(f.breakdown.sharedExperts).toBe(32 * 2 * 3 * 2048 * 896);
    expect(f.breakdown.head).toBe(2 * 151_936 * 2048);
  });

  it('refuses bad input naming the field', () => {
    const cases: [Json, RegExp][] = [
      [{ ...KLEAR, num_attention_heads: 30 }, /hidden_size.*num_attention_heads|num_attention_heads/],
      [{ ...KLEAR, num_experts_per_tok: 257 }, /num_experts_per_tok/],
      [{ ...KLEAR, decoder_sparse_step: 0 }, /decoder_sparse_step/],
      [{ ...KLEAR, moe_intermediate_size: 0 }, /moe_intermediate_size/],
      [{ ...KLEAR, n_shared_experts: -1 }, /n_shared_experts/],
    ];
    for (const [config, message] of cases) expect(inputErrorOf(() => read(config)).message).toMatch(message);
  });
});
