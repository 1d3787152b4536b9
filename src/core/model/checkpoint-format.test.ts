import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSupportError } from '../precision.js';
import { asReleased, checkpointFormat, formatsTaken, servedFormat } from './checkpoint-format.js';

const H100 = { id: 'h100-sxm', peakFlopsPerSecond: { bf16: 989e12, fp8: 1979e12 } };
const B200 = {
  id: 'b200',
  peakFlopsPerSecond: { bf16: 2250e12, fp8: 4500e12, fp4: 9000e12, nvfp4: 9000e12 },
};

describe('checkpointFormat', () => {
  it('reads none from a BF16 release', () => {
    expect(checkpointFormat({ model_type: 'llama', torch_dtype: 'bfloat16' })).toBeNull();
    expect(checkpointFormat(null)).toBeNull();
    expect(checkpointFormat([1])).toBeNull();
  });

  it("reads DeepSeek-V3's block-wise FP8 (config.json as released)", () => {
    const f = checkpointFormat({
      model_type: 'deepseek_v3',
      quantization_config: {
        activation_scheme: 'dynamic',
        fmt: 'e4m3',
        quant_method: 'fp8',
        weight_block_size: [128, 128],
      },
    });
    expect(f).toEqual({
      weights: 'fp8',
      kv: null,
      attentionWeights: null,
      scheme: 'quant_method fp8 (e4m3, 128×128 blocks)',
    });
  });

  it("reads gpt-oss's MXFP4 experts as fp4 and its attention as BF16 (modules_to_not_convert)", () => {
    // openai/gpt-oss-120b config.json as released.
    const f = checkpointFormat({
      quantization_config: {
        modules_to_not_convert: [
          'model.layers.*.self_attn',
          'model.layers.*.mlp.router',
          'model.embed_tokens',
          'lm_head',
        ],
        quant_method: 'mxfp4',
      },
    });
    expect(f).toEqual({
      weights: 'fp4',
      kv: null,
      attentionWeights: 'bf16',
      scheme: 'quant_method mxfp4 (MXFP4 routed experts; attention projections BF16)',
    });
    // Without the list: every matrix at the experts' format.
    expect(checkpointFormat({ quantization_config: { quant_method: 'mxfp4' } })?.attentionWeights).toBeNull();
    // The router and head left out (MiniMax-M2's FP8 release) are not the attention; a VLM's vision tower neither.
    const fp8 = (modules_to_not_convert: string[]) =>
      checkpointFormat({ quantization_config: { quant_method: 'fp8', modules_to_not_convert } });
    expect(fp8(['gate', 'e_score_correction_bias', 'lm_head'])?.attentionWeights).toBeNull();
    expect(fp8(['visual.blocks.*.attn', 'lm_head'])?.attentionWeights).toBeNull();
    expect(fp8(['model.layers.*.self_attn'])).toMatchObject({
      attentionWeights: 'bf16',
      scheme: 'quant_method fp8 (attention projections BF16)',
    });
  });

  it('reads compressed-tensors schemes by bits, type, group and packing', () => {
    const group = (weights: object, format?: string) => ({
      quantization_config: {
        quant_method: 'compressed-tensors',
        ...(format && { format }),
        config_groups: { group_0: { targets: ['Linear'], weights } },
      },
    });
    // Kimi-K2-Thinking: INT4 weights, group 32, pack-quantized.
    expect(
      checkpointFormat(group({ num_bits: 4, type: 'int', group_size: 32 }, 'pack-quantized'))?.weights,
    ).toBe('int4');
    expect(checkpointFormat(group({ num_bits: 8, type: 'float' }, 'float-quantized'))?.weights).toBe('fp8');
    expect(checkpointFormat(group({ num_bits: 8, type: 'int' }, 'int-quantized'))?.weights).toBe('int8');
    expect(checkpointFormat(group({ num_bits: 4, type: 'float', group_size: 16 }))?.weights).toBe('nvfp4');
    expect(checkpointFormat(group({ num_bits: 4, type: 'float' }, 'nvfp4-pack-quantized'))?.weights).toBe(
      'nvfp4',
    );
    expect(checkpointFormat(group({ num_bits: 4, type: 'float', group_size: 32 }))?.weights).toBe('fp4');
    expect(checkpointFormat(group({ num_bits: 2, type: 'int' }))?.weights).toBeNull();
    // The attention left unquantized stays BF16; other unquantized modules beyond the head and
    // embeddings are named and costed at the groups' format.
    const ignoring = checkpointFormat({
      quantization_config: {
        quant_method: 'compressed-tensors',
        format: 'mxfp4-pack-quantized',
        config_groups: { g: { weights: { num_bits: 4, type: 'float', group_size: 32 } } },
        ignore: ['lm_head', 're:.*self_attn.*', 're:.*shared_experts.*'],
      },
    });
    expect(ignoring).toMatchObject({
      attentionWeights: 'bf16',
      scheme:
        'quant_method compressed-tensors (mxfp4-pack-quantized; attention projections BF16; 1 other unquantized module pattern costed as fp4 too)',
    });
  });

  it("costs a mixed compressed-tensors checkpoint at its narrowest group's format, and names both", () => {
    const f = checkpointFormat({
      quantization_config: {
        quant_method: 'compressed-tensors',
        format: 'mixed-precision',
        config_groups: {
          attention: {
            format: 'float-quantized',
            targets: ['re:.*self_attn.*'],
            weights: { num_bits: 8, type: 'float' },
          },
          experts: {
            format: 'nvfp4-pack-quantized',
            targets: ['re:.*mlp.experts.*'],
            weights: { num_bits: 4, type: 'float', group_size: 16 },
          },
        },
        kv_cache_scheme: { num_bits: 8, type: 'float' },
      },
    });
    // The group targeting the attention gives it its own format.
    expect(f).toMatchObject({ weights: 'nvfp4', kv: 'fp8', attentionWeights: 'fp8' });
    expect(f?.scheme).toBe(
      'quant_method compressed-tensors (mixed-precision; groups fp8, nvfp4; KV fp8; attention projections fp8)',
    );
  });

  it('reads ModelOpt, GPTQ/AWQ and bitsandbytes', () => {
    expect(
      checkpointFormat({
        quantization_config: { quant_method: 'modelopt', quant_algo: 'NVFP4', kv_cache_quant_algo: 'FP8' },
      }),
    ).toMatchObject({ weights: 'nvfp4', kv: 'fp8' });
    // MIXED_PRECISION: each layer's algorithm, costed at the narrowest; none stated, no format.
    const mixed = (quantized_layers: object) =>
      checkpointFormat({
        quantization_config: { quant_method: 'modelopt', quant_algo: 'MIXED_PRECISION', quantized_layers },
      });
    expect(
      mixed({ 'layers.0.mlp': { quant_algo: 'NVFP4' }, 'layers.0.attn': { quant_algo: 'FP8' } }),
    ).toMatchObject({
      weights: 'nvfp4',
      attentionWeights: 'fp8',
      scheme:
        'quant_method modelopt (quant_algo MIXED_PRECISION; layers nvfp4, fp8; attention projections fp8)',
    });
    expect(
      checkpointFormat({
        quantization_config: {
          quant_method: 'modelopt',
          quant_algo: 'NVFP4',
          exclude_modules: ['lm_head', 'model.layers.*.self_attn*'],
        },
      })?.attentionWeights,
    ).toBe('bf16');
    // ModelOpt's weight-only NVFP4 (W4A16_NVFP4, Qwen3.6-35B-A3B-NVFP4's experts) stores NVFP4, not INT4.
    expect(
      mixed({
        'layers.0.mlp.experts': { quant_algo: 'W4A16_NVFP4', group_size: 16 },
        'layers.0.attn': { quant_algo: 'FP8' },
      }),
    ).toMatchObject({ weights: 'nvfp4', attentionWeights: 'fp8' });
    expect(mixed({ 'layers.0.mlp': { quant_algo: 'W4A16_AWQ' } })?.weights).toBe('int4');
    // Every ModelOpt 4-bit float algorithm stores its block format, whatever the activations.
    for (const [algo, format] of [
      ['W4A8_NVFP4_FP8', 'nvfp4'],
      ['NVFP4_AWQ', 'nvfp4'],
      ['W4A16_MXFP4', 'mxfp4'],
      ['W4A8_MXFP4_FP8', 'mxfp4'],
    ] as const)
      expect(mixed({ 'layers.0.mlp': { quant_algo: algo } })?.weights).toBe(format);
    expect(mixed({})?.weights).toBeNull();
    expect(
      checkpointFormat({ quantization_config: { quant_method: 'modelopt', quant_algo: 'FP8' } })?.weights,
    ).toBe('fp8');
    expect(
      checkpointFormat({ quantization_config: { quant_method: 'awq', bits: 4, group_size: 128 } }),
    ).toEqual({
      weights: 'int4',
      kv: null,
      attentionWeights: null,
      scheme: 'quant_method awq (4-bit, group 128)',
    });
    expect(checkpointFormat({ quantization_config: { quant_method: 'gptq', bits: 8 } })?.weights).toBe(
      'int8',
    );
    expect(checkpointFormat({ quantization_config: { quant_method: 'gptq', bits: 3 } })?.weights).toBeNull();
    expect(
      checkpointFormat({
        quantization_config: { quant_method: 'bitsandbytes', load_in_4bit: true, bnb_4bit_quant_type: 'nf4' },
      })?.weights,
    ).toBe('nf4');
  });

  it("reads a multimodal wrapper's text_config and the older compression_config", () => {
    expect(checkpointFormat({ text_config: { quantization_config: { quant_method: 'fp8' } } })?.weights).toBe(
      'fp8',
    );
    expect(
      checkpointFormat({
        compression_config: {
          quant_method: 'compressed-tensors',
          config_groups: { g: { weights: { num_bits: 8, type: 'float' } } },
        },
      })?.weights,
    ).toBe('fp8');
  });

  it('names a scheme it has no format for, and never throws on any JSON', () => {
    expect(checkpointFormat({ quantization_config: { quant_method: 'bitnet' } })).toEqual({
      weights: null,
      kv: null,
      attentionWeights: null,
      scheme: 'quant_method bitnet',
    });
    fc.assert(
      fc.property(fc.jsonValue(), (q) => {
        const f = checkpointFormat({ quantization_config: q });
        expect(f === null || typeof f.scheme === 'string').toBe(true);
      }),
    );
  });
});

describe('servedFormat', () => {
  it('serves a BF16 release as BF16, with nothing to say', () => {
    expect(servedFormat(null, H100)).toEqual({
      weights: 'bf16',
      kv: 'bf16',
      attentionWeights: null,
      weightsNote: null,
      kvNote: null,
    });
  });

  it('serves the checkpoint as released where the GPU runs its formats', () => {
    const fp8 = checkpointFormat({ quantization_config: { quant_method: 'fp8' } });
    expect(servedFormat(fp8, H100)).toMatchObject({ weights: 'fp8', kv: 'bf16', kvNote: null });
    expect(servedFormat(fp8, H100).weightsNote).toBe("weights fp8, the checkpoint's quant_method fp8");
  });

  it('runs NVFP4 weight-only as fp4 without FP4 tensor cores, and keeps an NVFP4 KV cache off them', () => {
    const nvfp4 = checkpointFormat({
      quantization_config: { quant_method: 'modelopt', quant_algo: 'NVFP4', kv_cache_quant_algo: 'NVFP4' },
    });
    expect(servedFormat(nvfp4, B200)).toMatchObject({ weights: 'nvfp4', kv: 'nvfp4' });
    const hopper = servedFormat(nvfp4, H100);
    expect(hopper).toMatchObject({ weights: 'fp4', kv: 'bf16' });
    expect(hopper.weightsNote).toMatch(/runs weight-only on h100-sxm/);
    expect(hopper.kvNote).toMatch(/^KV bf16: .* asks for nvfp4/);
    // Without a GPU: as released.
    expect(servedFormat(nvfp4, null)).toMatchObject({ weights: 'nvfp4', kv: 'nvfp4' });
  });

  it('falls back to BF16 for a scheme it has no format for, and says so', () => {
    const s = servedFormat(checkpointFormat({ quantization_config: { quant_method: 'bitnet' } }), H100);
    expect(s.weights).toBe('bf16');
    expect(s.weightsNote).toBe(
      "weights bf16: llmecon has no format for the checkpoint's quant_method bitnet",
    );
  });

  it('says what it took from the checkpoint for the formats not given', () => {
    const s = servedFormat(
      checkpointFormat({
        quantization_config: { quant_method: 'modelopt', quant_algo: 'FP8', kv_cache_quant_algo: 'FP8' },
      }),
      H100,
    );
    expect(formatsTaken(s, { weights: false, kv: false })).toBe(`${s.weightsNote}; ${s.kvNote}`);
    expect(formatsTaken(s, { weights: true, kv: false })).toBe(s.kvNote);
    expect(formatsTaken(s, { weights: true, kv: true })).toBe('');
    expect(formatsTaken(servedFormat(null, H100), { weights: false, kv: false })).toBe('');
    // Stated at the release's own format, its BF16 attention is kept, and said so; stated otherwise, nothing.
    const gptOss = servedFormat(
      checkpointFormat({
        quantization_config: { quant_method: 'mxfp4', modules_to_not_convert: ['model.layers.*.self_attn'] },
      }),
      H100,
    );
    expect(formatsTaken(gptOss, { weights: true, kv: true, statedWeights: ['fp4', 'int4'] })).toBe(
      'attention bf16 at weights fp4, as the checkpoint releases it',
    );
    expect(formatsTaken(gptOss, { weights: true, kv: true, statedWeights: ['int4'] })).toBe('');
  });

  it('always gives formats the GPU runs', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(H100, B200), (q, gpu) => {
        const s = servedFormat(checkpointFormat({ quantization_config: q }), gpu);
        expect(formatSupportError(s.weights, gpu)).toBeNull();
        expect(formatSupportError(s.kv, gpu)).toBeNull();
        if (s.attentionWeights !== null) expect(formatSupportError(s.attentionWeights, gpu)).toBeNull();
      }),
    );
  });

  it('serves NVFP4 attention weight-only where the GPU has no FP4 tensor cores', () => {
    const mixed = checkpointFormat({
      quantization_config: {
        quant_method: 'modelopt',
        quant_algo: 'MIXED_PRECISION',
        quantized_layers: {
          'layers.0.mlp': { quant_algo: 'NVFP4' },
          'layers.0.self_attn': { quant_algo: 'FP8' },
        },
      },
    });
    expect(servedFormat(mixed, B200)).toMatchObject({ weights: 'nvfp4', attentionWeights: 'fp8' });
    expect(servedFormat(mixed, H100)).toMatchObject({ weights: 'fp4', attentionWeights: 'fp8' });
  });
});

describe('asReleased', () => {
  const gptOss = servedFormat(
    checkpointFormat({
      quantization_config: { quant_method: 'mxfp4', modules_to_not_convert: ['model.layers.*.self_attn'] },
    }),
    H100,
  );

  it("keeps the release's unquantized attention at its own format, not at another (a requantized model)", () => {
    expect(asReleased({ weightFormat: 'fp4' as const, tensorParallel: 2 }, gptOss)).toEqual({
      weightFormat: 'fp4',
      tensorParallel: 2,
      attentionWeightFormat: 'bf16',
    });
    expect(asReleased({ weightFormat: 'int4' as const }, gptOss)).toEqual({ weightFormat: 'int4' });
    expect(asReleased({ weightFormat: 'fp4' as const }, null)).toEqual({ weightFormat: 'fp4' });
    expect(asReleased({ weightFormat: 'bf16' as const }, servedFormat(null, H100))).toEqual({
      weightFormat: 'bf16',
    });
  });
});

describe('W8A8 INT8 (compressed-tensors with 8-bit int input activations)', () => {
  const group = (acts: object | null) => ({
    weights: { num_bits: 8, type: 'int', strategy: 'channel' },
    ...(acts && { input_activations: acts }),
    targets: ['Linear'],
  });
  const config = (acts: object | null) => ({
    quantization_config: {
      quant_method: 'compressed-tensors',
      format: 'int-quantized',
      config_groups: { group_0: group(acts) },
    },
  });
  const w8a8 = checkpointFormat(config({ num_bits: 8, type: 'int', dynamic: true, strategy: 'token' }));
  const h100Int8 = { ...H100, peakFlopsPerSecond: { ...H100.peakFlopsPerSecond, int8: 1979e12 } };
  it('reads INT8 activations beside INT8 weights, and only there', () => {
    expect(w8a8).toMatchObject({ weights: 'int8', activations: 'int8' });
    expect(w8a8?.scheme).toContain('W8A8 INT8');
    expect(checkpointFormat(config(null))).not.toHaveProperty('activations');
    expect(checkpointFormat(config({ num_bits: 8, type: 'float' }))).not.toHaveProperty('activations');
  });
  it('serves the GEMMs in INT8 where the GPU lists an INT8 peak, weight-only where it lists none', () => {
    const served = servedFormat(w8a8, h100Int8);
    expect(served.gemmDatatype).toBe('int8');
    expect(served.weightsNote).toContain('with INT8 activations (INT8 GEMMs)');
    expect(asReleased({ weightFormat: 'int8' as const }, served)).toMatchObject({ gemmDatatype: 'int8' });
    // Requantized to another format, the release's activations no longer apply.
    expect(asReleased({ weightFormat: 'fp8' as const }, served)).not.toHaveProperty('gemmDatatype');
    // B300's datasheet lists no INT8 tensor-core peak.
    const b300 = { id: 'b300', peakFlopsPerSecond: { bf16: 2250e12, fp8: 4500e12, nvfp4: 13500e12 } };
    const noInt8 = servedFormat(w8a8, b300);
    expect(noInt8.gemmDatatype).toBeUndefined();
    expect(noInt8.weightsNote).toContain('weight-only (b300 lists no INT8 peak)');
  });
});
