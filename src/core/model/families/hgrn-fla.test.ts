/**
 * fla's HGRN (`hgrn`, HGRNForCausalLM), read by calling the family directly: counts rebuilt tensor by
 * tensor from fla (bc3b101) `fla/layers/hgrn.py` (HGRNAttention: i/f/g_proj h → D, i/f_conv1d without
 * bias under use_short_conv, g_norm of D, o_proj D → h) and `fla/models/hgrn/modeling_hgrn.py`
 * (HGRNBlock's attn_norm and mlp_norm, GatedMLP, HGRNModel's lower_bounds [L, h] and norm, an untied
 * lm_head), on HGRNConfig's class defaults; the mixer's state and the errors that name the field.
 */
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { decodeGemmRatio, layoutFlopsRatio, request } from '../../../../test/operation-setup.js';
import { kvCacheBytes, recurrentStateBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { hgrn } from './hgrn.js';

const read = (config: Json) => hgrn(new Fields(config, 'hgrn'), 'x');

/** Every tensor of HGRNForCausalLM for hidden h, D = h·expand, L layers, MLP width I, conv taps (0 = none). */
function tensors(c: {
  vocab: number;
  h: number;
  expand: number;
  layers: number;
  inter: number;
  taps: number;
}) {
  const d = c.h * c.expand;
  const attention = 3 * c.h * d + 2 * d * c.taps + d + d * c.h;
  const layer = attention + 3 * c.h * c.inter + 2 * c.h + c.h; // + attn_norm, mlp_norm; + a lower_bounds row
  return c.layers * layer + 2 * c.vocab * c.h + c.h;
}

describe('hgrn (fla HGRNForCausalLM)', () => {
  it('HGRNConfig defaults: 24 layers of 2048, MLP 5632 from hidden_ratio 4 — 1,364,396,032', () => {
    const spec = read({ model_type: 'hgrn' });
    const expected = tensors({ vocab: 32_000, h: 2048, expand: 1, layers: 24, inter: 5632, taps: 0 });
    expect(paramCount(spec).totalParams).toBe(expected);
    expect(expected).toBe(1_364_396_032);
    expect(spec.linearAttention).toMatchObject({
      projections: 'hgrn',
      numKeyHeads: 2048,
      keyHeadDim: 1,
      chunkTokens: 1,
    });
    expect(spec.layers.every((l) => l.attention === 'linear' && l.mlp === 'dense')).toBe(true);
  });

  it('short convs, expand_ratio, no lower bounds, no g_norm weight, chunk mode', () => {
    const spec = read({
      model_type: 'hgrn',
      use_short_conv: true,
      expand_ratio: 2,
      use_lower_bound: false,
      attn_mode: 'chunk',
      intermediate_size: 4096,
    });
    const withBounds = tensors({ vocab: 32_000, h: 2048, expand: 2, layers: 24, inter: 4096, taps: 4 });
    expect(paramCount(spec).totalParams).toBe(withBounds - 24 * 2048);
    expect(spec.linearAttention?.chunkTokens).toBe(128);
    const affineFree = read({ model_type: 'hgrn', elementwise_affine: false });
    expect(paramCount(affineFree).totalParams).toBe(1_364_396_032 - 24 * 2048);
  });

  it('its state: one element per channel a layer, no KV cache; the operation list matches the FLOPs', () => {
    const spec = read({ model_type: 'hgrn' });
    expect(kvCacheBytes(spec, 4096).bytesPerToken).toBe(0);
    expect(recurrentStateBytes(spec)).toMatchObject({ bytesPerSequence: 24 * 2048 * 2, linearLayers: 24 });
    // The operation list's FLOPs equal FLOPs per token under TP and CP; decode GEMMs read the weights.
    for (const tp of [1, 2])
      for (const cp of [1, 2]) expect(layoutFlopsRatio(spec, request({ tp, cp }))).toBeCloseTo(1, 9);
    expect(Math.abs(decodeGemmRatio(spec) - 1)).toBeLessThan(0.005);
  });

  it('errors name the field', () => {
    const path = (config: Json) => inputErrorOf(() => read(config)).issues[0]?.path;
    expect(path({ model_type: 'hgrn', attn_mode: 'fused_chunk' })).toEqual(['attn_mode']);
    expect(path({ model_type: 'hgrn', attn: { layers: [1], num_heads: 16 } })).toEqual(['attn']);
    expect(path({ model_type: 'hgrn', expand_ratio: 0 })).toEqual(['expand_ratio']);
  });
});
