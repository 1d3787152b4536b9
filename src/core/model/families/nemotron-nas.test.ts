/**
 * Nemotron-NAS (`nemotron-nas`, DeciLM): per-layer KV heads, FFN widths and norms from
 * `block_configs`, no-op and linear-replacement sub-blocks, and precise errors for malformed
 * blocks. Totals and KV: test/golden/nas-params.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { InputError } from '../../errors.js';
import { parseTargets, trainableParams } from '../adapters.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes, kvHeadCounts, splitsKvHeads } from '../kv-cache.js';
import { describeLayerMix } from '../layer-mix.js';
import { layerOperations } from '../operations.js';
import { paramCount } from '../param-count.js';
import { ffnMultToIntermediateSize } from './nemotron-nas.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const variants = (): Cfg => structuredClone(hfFixture('hand-built/nemotron-nas-variants')) as Cfg;
const h = 8192;

/** The InputError a config raises: its message and field path. */
function refusal(c: Cfg): { message: string; path: string } {
  try {
    specFromHfConfig(c, 'nas');
  } catch (e) {
    if (e instanceof InputError) {
      const issue = e.issues[0]!;
      return { message: issue.message, path: issue.path.join('.') };
    }
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('nemotron-nas', () => {
  it('ffn_mult → intermediate size as DeciLM rounds it: int(2·m·h/3) up to a multiple of 256', () => {
    expect(ffnMultToIntermediateSize(5.25, h)).toBe(28_672);
    expect(ffnMultToIntermediateSize(1.0, h)).toBe(5632); // 5461 → 5632
    expect(ffnMultToIntermediateSize(0.5, h)).toBe(2816); // 2730 → 2816
    expect(ffnMultToIntermediateSize(1.95, h)).toBe(10_752); // 10649 → 10752
    // Llama-3.1-405B's width from its hidden size (16384 · 8/3 · 1.3 → 53248 in Meta's rule).
    expect(ffnMultToIntermediateSize(4.875, 16_384)).toBe(53_248);
  });

  it('every sub-block kind: GQA per group size, linear replacements, no-ops, norms only where a sub-block is', () => {
    const spec = specFromHfConfig(variants(), 'v');
    expect(spec.layers.map((l) => `${l.attention}/${l.mlp}`)).toEqual([
      'full/dense',
      'full/dense',
      'full/dense',
      'full/dense',
      'projection/dense',
      'none/dense',
      'none/projection',
      'full/none',
      'none/none',
      'projection/projection',
      'full/dense',
      'full/dense',
    ]);
    expect(spec.attention).toMatchObject({ kind: 'gqa', numHeads: 64, numKvHeads: 8, headDim: 128 });
    expect(spec.layers[2]!.numKvHeads).toBe(4);
    expect(spec.layers[3]!.numKvHeads).toBe(1);
    expect(spec.mlp.intermediateSize).toBe(28_672);
    expect(spec.layers[3]!.intermediateSize).toBe(10_752);
    expect(spec.layers.map((l) => l.norms ?? spec.norm.perLayer)).toEqual([
      2, 2, 2, 2, 2, 1, 1, 1, 0, 2, 2, 2,
    ]);
    expect(describeLayerMix(spec)).toBe(
      '12 layers: 7 full attention (KV heads 1–8), 2 linear replacement of attention (hidden × hidden), 3 without a token mixer; dense MLP (4 widths, 7,168–28,672) on 8 layers, linear replacement of the MLP on 2 layers, no MLP on 2 layers',
    );
  });

  it('per-layer parameters: a linear replacement is h² plus its norm; an empty layer has none', () => {
    const p = paramCount(specFromHfConfig(variants(), 'v')).perLayer.map((l) => l.totalParams);
    const gqa = (kv: number) => h * 8192 + 2 * h * kv * 128 + 8192 * h;
    const mlp = (i: number) => 3 * h * i;
    expect(p[0]).toBe(gqa(8) + mlp(28_672) + 2 * h);
    expect(p[3]).toBe(gqa(1) + mlp(10_752) + 2 * h);
    expect(p[4]).toBe(h * h + mlp(28_672) + 2 * h);
    expect(p[6]).toBe(h * h + h);
    expect(p[7]).toBe(gqa(8) + h);
    expect(p[8]).toBe(0);
    expect(p[9]).toBe(2 * h * h + 2 * h);
  });

  it('operations: 2 FLOPs per weight of a linear replacement, none for an empty layer; KV reads per layer', () => {
    const spec = specFromHfConfig(variants(), 'v');
    const request = {
      phase: 'decode' as const,
      shape: { sequences: 1, tokensPerSequence: 1, contextTokens: 4096 },
      layout: { tensorParallel: 1, contextParallel: 1, expertParallel: 1, sequenceParallel: false },
      datatype: 'bf16' as const,
      gemmInputBytes: 2,
      kvBytesPerElement: 2,
    };
    const gemms = (i: number) =>
      layerOperations(spec, spec.layers[i]!, request).flatMap((op) =>
        op.type === 'gemm' ? [`${op.name} ${op.n}×${op.k}`] : [],
      );
    expect(gemms(9)).toEqual([`linear_attn ${h}×${h}`, `mlp.linear_mlp ${h}×${h}`]);
    expect(gemms(8)).toEqual([]);
    expect(gemms(3)).toEqual([
      `qkv ${8192 + 2 * 128}×${h}`,
      `o ${h}×8192`,
      'mlp.gate_up 21504×8192',
      `mlp.down ${h}×10752`,
    ]);
    // Decode reads the layer's own cache: 1 KV head on layer 3, 8 on layer 0.
    const kvRead = (i: number) =>
      layerOperations(spec, spec.layers[i]!, request)
        .filter((op) => op.type === 'attention')
        .reduce((sum, op) => sum + (op.type === 'attention' ? op.kvBytes : 0), 0);
    expect(kvRead(0) / kvRead(3)).toBe(8);
    const f = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 1 });
    expect(f.breakdown.denseMlp).toBe(
      2 * (5 * mlp(28_672) + mlp(14_336) + mlp(10_752) + mlp(7168) + 2 * h * h),
    );
    function mlp(i: number) {
      return 3 * h * i;
    }
  });

  it('LoRA on q,k,v,o: each attention layer at its own KV width; linear replacements are not LoRA targets', () => {
    const spec = specFromHfConfig(variants(), 'v');
    const r = 16;
    const lora = { method: 'lora' as const, rank: r, targets: parseTargets('attn') };
    const layer = (kv: number) => r * (h + 8192) * 2 + 2 * r * (h + kv * 128);
    expect(trainableParams(spec, lora)).toBe(5 * layer(8) + layer(4) + layer(1));
    const mlp = { method: 'lora' as const, rank: r, targets: parseTargets('mlp') };
    const widths = [28_672, 14_336, 28_672, 10_752, 28_672, 7168, 28_672, 28_672];
    expect(trainableParams(spec, mlp)).toBe(widths.reduce((s, i) => s + 3 * r * (h + i), 0));
  });

  it('KV on one of 8 TP ranks: each layer splits its own KV heads, replicated when TP exceeds them', () => {
    const spec = specFromHfConfig(variants(), 'v');
    // Five 8-head layers hold 1 head each, the 4-head layer 1 (replicated 2×), the 1-head layer 1 (8×).
    expect(kvCacheBytes(spec, 1, 'bf16', 8).bytesPerToken).toBe((5 + 1 + 1) * 2 * 128 * 2);
    expect(kvCacheBytes(spec, 1, 'bf16', 1).bytesPerToken).toBe(45 * 2 * 128 * 2);
    expect(kvCacheBytes(spec, 1).elementsPerTokenPerLayerRange).toEqual({ min: 256, max: 2048 });
  });

  it('tensor parallelism must split every layer’s KV heads: 3 and 8 KV heads allow TP 1, not 2 or 3', () => {
    const c = variants();
    c.num_attention_heads = 48;
    c.head_dim = 128;
    for (const block of c.block_configs)
      if (block.attention.n_heads_in_group) block.attention.n_heads_in_group = 6;
    c.block_configs[2].attention.n_heads_in_group = 16;
    const spec = specFromHfConfig(c, 'v');
    expect(kvHeadCounts(spec)).toEqual([3, 8]);
    expect([1, 2, 3, 4].map((tp) => splitsKvHeads(spec, tp))).toEqual([true, false, false, false]);
    expect(kvHeadCounts(specFromHfConfig(variants(), 'v'))).toEqual([1, 4, 8]);
  });

  it('a sliding window_length makes those layers sliding with that window', () => {
    const c = variants();
    c.block_configs[0].attention.window_length = 4096;
    const spec = specFromHfConfig(c, 'v');
    expect(spec.layers[0]!.attention).toBe('sliding');
    expect(spec.slidingWindow).toBe(4096);
    expect(kvCacheBytes(spec, 65_536).bytesPerSequence).toBeLessThan(
      kvCacheBytes(specFromHfConfig(variants(), 'v'), 65_536).bytesPerSequence,
    );
  });

  it('an unknown model_type with block_configs is read as nemotron-nas, with a warning, never as plain Llama', () => {
    const c = variants();
    c.model_type = 'decilm_custom';
    c.intermediate_size = 28_672;
    const spec = specFromHfConfig(c, 'v');
    expect(spec.layers[9]!.attention).toBe('projection');
    expect(spec.warnings?.[0]).toMatch(
      /model_type 'decilm_custom' is not supported; read as nemotron-nas-like/,
    );
  });

  describe('refuses malformed block_configs, naming the field', () => {
    const cases: [string, (c: Cfg) => void, RegExp, string][] = [
      [
        'a list shorter than the layers',
        (c) => c.block_configs.pop(),
        /list of 12 objects.*got 11/,
        'block_configs',
      ],
      ['no list', (c) => delete c.block_configs, /must be a list/, 'block_configs'],
      [
        'a block that is not an object',
        (c) => (c.block_configs[2] = 7),
        /must be an object/,
        'block_configs.2',
      ],
      [
        'a block without ffn',
        (c) => delete c.block_configs[1].ffn,
        /ffn.*must be an object/,
        'block_configs.1.ffn',
      ],
      [
        'no_op and replace_with_linear together',
        (c) => {
          c.block_configs[0].attention.replace_with_linear = true;
          c.block_configs[0].attention.no_op = true;
        },
        /cannot be true together with no_op/,
        'block_configs.0.attention.replace_with_linear',
      ],
      [
        'a group size that does not divide the heads',
        (c) => (c.block_configs[0].attention.n_heads_in_group = 7),
        /\(7\) must divide num_attention_heads \(64\)/,
        'block_configs.0.attention.n_heads_in_group',
      ],
      [
        'an attention block without n_heads_in_group',
        (c) => (c.block_configs[1].attention.n_heads_in_group = null),
        /missing field 'block_configs.1.attention.n_heads_in_group'/,
        'block_configs.1.attention.n_heads_in_group',
      ],
      [
        'sink attention',
        (c) => {
          c.block_configs[0].attention.window_length = 1024;
          c.block_configs[0].attention.num_sink_tokens = 4;
        },
        /sink attention is not modelled/,
        'block_configs.0.attention.num_sink_tokens',
      ],
      [
        'a sparsified FFN',
        (c) => (c.block_configs[0].ffn.sparsify = ['gate_proj']),
        /sparsify.*not supported/,
        'block_configs.0.ffn.sparsify',
      ],
      [
        'an unknown sub-block (mamba)',
        (c) => (c.block_configs[3].attention.mamba = { state_dim: 128 }),
        /mamba.*not supported in a nemotron-nas attention sub-block/,
        'block_configs.3.attention.mamba',
      ],
      [
        'a negative ffn_mult',
        (c) => (c.block_configs[0].ffn.ffn_mult = -1),
        /ffn_mult' must be a number greater than 0/,
        'block_configs.0.ffn.ffn_mult',
      ],
      [
        'a string ffn_mult',
        (c) => (c.block_configs[0].ffn.ffn_mult = '5.25'),
        /ffn_mult' must be a number/,
        'block_configs.0.ffn.ffn_mult',
      ],
      [
        'two different windows',
        (c) => {
          c.block_configs[0].attention.window_length = 1024;
          c.block_configs[1].attention.window_length = 2048;
        },
        /2 different attention window_length values \(1024, 2048\)/,
        'block_configs',
      ],
    ];
    for (const [what, mutate, message, path] of cases) {
      it(what, () => {
        const c = variants();
        mutate(c);
        const r = refusal(c);
        expect(r.message).toMatch(message);
        expect(r.path).toBe(path);
      });
    }
  });
});
