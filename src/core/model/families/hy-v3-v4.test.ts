/**
 * Tencent Hunyuan 3 (`hy_v3`): q/k-normed GQA, a dense first layer, then 192 sigmoid-routed experts
 * with a selection bias and a shared expert, the MTP layer counted apart (hy-v3-v4.ts), on the
 * Hy3-preview config.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { hyV3 } from './hy-v3-v4.js';

const fixture = (name: string): Json => hfFixture(`hand-built/${name}`) as Json;

const read = (json: Json) => hyV3(new Fields(json, 'hy_v3'), 'x');

// Hy3-preview: h 4096, 80 layers, 64 query heads and 8 KV heads of 128, vocabulary 120,832.
const h = 4096;
const hd = 128;
const attention = 2 * h * 64 * hd + 2 * h * 8 * hd + 2 * hd; // q, o, k, v and the q/k norms
const swiglu = (width: number) => 3 * h * width;
const router = 192 * h + 192; // the gate and e_score_correction_bias
const moe = router + 192 * swiglu(1536) + swiglu(1536);
const outer = h + 2 * 120_832 * h; // final norm, embedding, untied lm_head

describe('Hunyuan 3 (hy_v3)', () => {
  it('Hy3-preview: 295,033,543,488 parameters, 79 MoE layers of 192 experts top-8, one MTP layer apart', () => {
    const spec = read(fixture('hy-v3'));
    expect(spec.warnings ?? []).toEqual([]);
    const count = paramCount(spec);
    const total = 80 * (attention + 2 * h) + swiglu(13_312) + 79 * moe + outer;
    expect(count.totalParams).toBe(total);
    expect(count.totalParams).toBe(295_033_543_488);
    const active = 80 * (attention + 2 * h) + swiglu(13_312) + 79 * (router + 9 * swiglu(1536)) + outer;
    expect(count.activeParams).toBe(active);
    // enorm, hnorm, final_layernorm, eh_proj (2h → h) and one MoE decoder layer.
    expect(count.mtpParams).toBe(3 * h + 2 * h * h + attention + 2 * h + moe);
    expect(spec.layers.map((l) => l.mlp)).toEqual(['dense', ...Array(79).fill('moe')]);
    expect(spec.maxContextTokens).toBe(262_144);
    // Every layer caches K and V of 8 heads × 128.
    expect(kvCacheBytes(spec, 32_768, 'bf16').bytesPerSequence).toBe(80 * 2 * 8 * hd * 2 * 32_768);
  });

  it('reads a bare config with HYV3Config defaults and honours mlp_layer_types', () => {
    const bare = read({ model_type: 'hy_v3' });
    expect(paramCount(bare).totalParams).toBe(295_033_543_488);
    expect(paramCount(bare).mtpParams).toBe(0);
    expect(bare.maxContextTokens).toBe(131_072);
    const types = ['dense', 'dense', ...Array(78).fill('sparse')];
    const twoDense = read({ ...fixture('hy-v3'), mlp_layer_types: types });
    expect(paramCount(twoDense).totalParams).toBe(295_033_543_488 + swiglu(13_312) - moe);
  });

  it('refuses a bad mlp_layer_types entry and a top-k beyond the experts, naming the field', () => {
    const config = fixture('hy-v3');
    const types = ['dense', ...Array(78).fill('sparse'), 'moe'];
    expect(() => read({ ...config, mlp_layer_types: types })).toThrow(
      /mlp_layer_types\[79\]: must be one of 'dense', 'sparse', got "moe"/,
    );
    expect(() => read({ ...config, num_experts_per_tok: 200 })).toThrow(
      /num_experts_per_tok.*\(200\) exceeds the number of experts \(192\)/,
    );
  });
});
