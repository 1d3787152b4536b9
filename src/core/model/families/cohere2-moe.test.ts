/**
 * Cohere 2 MoE (`cohere2_moe`): Cohere 2's one-norm parallel block, a dense prefix from
 * `first_k_dense_replace`, Mixtral-style experts with a shared SwiGLU, the sliding pattern counted
 * apart for the prefix and the rest (modular_cohere2_moe.py, configuration_cohere2_moe.py).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';

const h = 8192;
const inter = 22_528;
const attention = 4 * h * h; // 64 query and 64 KV heads of 128 (num_key_value_heads defaults to the heads)
const swiglu = (width: number) => 3 * h * width;

describe('cohere2_moe', () => {
  it("Cohere2MoeConfig's shape with a dense first layer, one shared expert and RMSNorms: exact, tied", () => {
    const spec = specFromHfConfig(hfFixture('hand-built/cohere2-moe'), 'cohere2-moe');
    const moe = 8 * h + 8 * swiglu(inter) + swiglu(inter);
    const total = 256_000 * h + 40 * (attention + h) + swiglu(inter) + 39 * moe + h;
    expect(paramCount(spec).totalParams).toBe(total);
    expect(paramCount(spec).activeParams).toBe(total - 39 * 6 * swiglu(inter));
    expect(spec.norm).toMatchObject({ kind: 'rmsnorm', perLayer: 1 });
    // Layer 0 (the dense prefix, pattern 1) is full; the rest count their pattern from layer 1:
    // layers 4, 8, …, 36 are full, so 10 full and 30 sliding layers of 4096.
    const perToken = 2 * 64 * 128 * 2;
    expect(kvCacheBytes(spec, 16_384, 'bf16').bytesPerSequence).toBe(perToken * (10 * 16_384 + 30 * 4096));
  });

  it('reads a bare config with the class defaults: every layer MoE, no shared expert, weight-only LayerNorms', () => {
    const spec = specFromHfConfig({ model_type: 'cohere2_moe' }, 'bare');
    expect(paramCount(spec).totalParams).toBe(
      256_000 * h + 40 * (attention + h + 8 * h + 8 * swiglu(inter)) + h,
    );
    expect(spec.norm).toMatchObject({ kind: 'layernorm', perLayer: 1, bias: false });
  });

  it('refuses an mlp_layer_types entry other than dense or sparse, naming the field', () => {
    const types = Array(40).fill('sparse');
    types[3] = 'moe';
    expect(() => specFromHfConfig({ model_type: 'cohere2_moe', mlp_layer_types: types }, 'x')).toThrow(
      /mlp_layer_types/,
    );
  });
});
