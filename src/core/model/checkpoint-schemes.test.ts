/** Quark, torchao and HQQ checkpoints read as the formats their configs state. */
import { describe, expect, it } from 'vitest';
import { checkpointFormat } from './checkpoint-format.js';

const of = (quantization_config: object) => checkpointFormat({ model_type: 'llama', quantization_config });

describe('AMD Quark', () => {
  it('FP8 weights and an FP8 KV cache (amd/Llama-3.1-405B-Instruct-FP8-KV layout)', () => {
    const c = of({
      quant_method: 'quark',
      global_quant_config: {
        weight: { dtype: 'fp8_e4m3', qscheme: 'per_tensor' },
        input_tensors: { dtype: 'fp8_e4m3', qscheme: 'per_tensor' },
      },
      kv_cache_quant_config: {
        '*k_proj': { output_tensors: { dtype: 'fp8_e4m3' } },
        '*v_proj': { output_tensors: { dtype: 'fp8_e4m3' } },
      },
      exclude: ['lm_head'],
    });
    expect(c).toMatchObject({ weights: 'fp8', kv: 'fp8', attentionWeights: null });
    expect(c?.scheme).toBe('quant_method quark (fp8; KV fp8)');
  });
  it('MXFP4 routed experts beside excluded attention; a progressive FP8 → INT4 spec stored as INT4', () => {
    const experts = of({
      quant_method: 'quark',
      global_quant_config: {},
      layer_quant_config: { '*block_sparse_moe.experts': { weight: { dtype: 'fp4', group_size: 32 } } },
      exclude: ['re:.*self_attn.*'],
    });
    expect(experts).toMatchObject({ weights: 'fp4', attentionWeights: 'bf16' });
    const progressive = of({
      quant_method: 'quark',
      global_quant_config: { weight: [{ dtype: 'fp8_e4m3' }, { dtype: 'int4', qscheme: 'per_channel' }] },
    });
    expect(progressive?.weights).toBe('int4');
    expect(
      of({ quant_method: 'quark', global_quant_config: { weight: { dtype: 'fp4', group_size: 16 } } })
        ?.weights,
    ).toBe('nvfp4');
  });
  it('W8A8 INT8 runs INT8 GEMMs', () => {
    const c = of({
      quant_method: 'quark',
      global_quant_config: { weight: { dtype: 'int8' }, input_tensors: { dtype: 'int8' } },
    });
    expect(c).toMatchObject({ weights: 'int8', activations: 'int8' });
  });
});

describe('torchao', () => {
  it('reads quant_type as a string or as its config class, the weights from the name', () => {
    expect(of({ quant_method: 'torchao', quant_type: 'int4_weight_only' })?.weights).toBe('int4');
    const cls = (type: string) =>
      of({ quant_method: 'torchao', quant_type: { default: { _type: type, _version: 1, _data: {} } } });
    expect(cls('Int4WeightOnlyConfig')?.weights).toBe('int4');
    expect(cls('Float8DynamicActivationFloat8WeightConfig')?.weights).toBe('fp8');
    expect(cls('Int8DynamicActivationInt4WeightConfig')?.weights).toBe('int4');
    expect(cls('Int8DynamicActivationInt8WeightConfig')).toMatchObject({
      weights: 'int8',
      activations: 'int8',
    });
    expect(cls('Int8WeightOnlyConfig')).toMatchObject({ weights: 'int8' });
    expect(cls('Int8WeightOnlyConfig')).not.toHaveProperty('activations');
    expect(of({ quant_method: 'torchao', quant_type: 'autoquant' })?.weights).toBeNull();
  });
});

describe('HQQ', () => {
  it("reads HqqConfig.to_dict's quant_config; below 4 bits costed as int4 and said so", () => {
    const config = (nbits: number) => ({
      quant_method: 'hqq',
      quant_config: { weight_quant_params: { nbits, group_size: 64, axis: 1 }, scale_quant_params: null },
      skip_modules: ['lm_head'],
    });
    expect(of(config(4))?.weights).toBe('int4');
    expect(of(config(8))?.weights).toBe('int8');
    const two = of(config(2));
    expect(two?.weights).toBe('int4');
    expect(two?.scheme).toBe('quant_method hqq (2-bit, costed as int4: an upper bound)');
    // dynamic_config: one BaseQuantizeConfig per layer tag: the narrowest, attention's own kept.
    const dynamic = of({
      quant_method: 'hqq',
      quant_config: {
        self_attn: { weight_quant_params: { nbits: 8 } },
        mlp: { weight_quant_params: { nbits: 4 } },
      },
    });
    expect(dynamic).toMatchObject({ weights: 'int4', attentionWeights: 'int8' });
  });
});
