/**
 * LFM2 (`lfm2`): layer kinds from `layer_types` or `full_attn_idxs`, Lfm2MLP's width rule, the
 * short-conv LoRA targets and errors; LFM2-MoE (`lfm2_moe`): dense then MoE blocks and their counts.
 * Totals: test/golden/new-families.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { parseTargets, trainableParams } from '../adapters.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes, recurrentStateBytes } from '../kv-cache.js';
import { describeLayerMix } from '../layer-mix.js';
import { paramCount } from '../param-count.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const base = (): Cfg => structuredClone(hfFixture('hand-built/lfm2-350m')) as Cfg;

describe('lfm2', () => {
  it('full_attn_idxs (0-based) are attention, the rest short conv; tied embeddings; MLP 4608', () => {
    const spec = specFromHfConfig(base(), 'l');
    expect(spec.layers.flatMap((l, i) => (l.attention === 'full' ? [i] : []))).toEqual([2, 5, 8, 10, 12, 14]);
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.mlp.intermediateSize).toBe(4608);
    expect(spec.shortConv).toEqual({ convKernel: 3, bias: false });
    expect(describeLayerMix(spec)).toMatch(/6 full attention, 10 short convolution \(LFM2\)/);
  });

  it('layer_types overrides full_attn_idxs; block_ff_dim without the adjustment is used as is, before intermediate_size', () => {
    const c = base();
    c.layer_types = Array.from({ length: 16 }, (_, i) => (i % 2 ? 'full_attention' : 'conv'));
    c.block_ff_dim = 2560;
    c.block_auto_adjust_ff_dim = false;
    const spec = specFromHfConfig(c, 'l');
    expect(spec.layers.filter((l) => l.attention === 'conv')).toHaveLength(8);
    expect(spec.mlp.intermediateSize).toBe(2560);
    // Lfm2Config: intermediate_size = kwargs.get("block_ff_dim", intermediate_size).
    expect(specFromHfConfig({ ...c, intermediate_size: 8192 }, 'l').mlp.intermediateSize).toBe(2560);
    const onlyIntermediate: Record<string, unknown> = { ...c, intermediate_size: 4096 };
    delete onlyIntermediate.block_ff_dim;
    expect(specFromHfConfig(onlyIntermediate, 'l').mlp.intermediateSize).toBe(4096);
  });

  it('the conv window is constant in the context; KV only on the attention blocks', () => {
    const spec = specFromHfConfig(base(), 'l');
    expect(kvCacheBytes(spec, 1024, 'bf16').bytesPerToken).toBe(
      kvCacheBytes(spec, 100_000, 'bf16').bytesPerToken,
    );
    expect(recurrentStateBytes(spec).bytesPerSequence).toBe(10 * 2 * 1024 * 2);
  });

  it('LoRA mixer targets: conv.in_proj (h → 3h) and conv.out_proj on the 10 conv blocks', () => {
    const spec = specFromHfConfig(base(), 'l');
    const r = 8;
    const lora = { method: 'lora' as const, rank: r, targets: parseTargets('mixer') };
    expect(trainableParams(spec, lora)).toBe(10 * (r * (1024 + 3072) + r * (1024 + 1024)));
  });

  it('FLOPs: a conv block costs 2 FLOPs per projection weight (in_proj, out_proj)', () => {
    const spec = specFromHfConfig(base(), 'l');
    const f = forwardFlopsPerToken(spec, { attentionMode: 'causal', contextTokens: 2048 });
    const h = 1024;
    const attention = 6 * (h * h + 2 * h * 512 + h * h);
    expect(f.breakdown.attentionProjections).toBe(2 * (10 * 4 * h * h + attention));
  });

  it('refuses a full_attn_idxs entry past the last layer, naming the field', () => {
    const c = base();
    c.full_attn_idxs = [2, 16];
    expect(() => specFromHfConfig(c, 'l')).toThrow(/full_attn_idxs.*layers are 0 to 15/);
  });

  it("LFM2-MoE: two dense blocks of intermediate_size as given, then 32 experts top-4; LFM2-8B-A1B's 8.3B / 1.5B active", () => {
    const spec = specFromHfConfig(hfFixture('hand-built/lfm2-8b-a1b'), 'l');
    expect(spec.layers.map((l) => l.mlp).join(',')).toBe(
      ['dense', 'dense', ...Array(22).fill('moe')].join(','),
    );
    expect(spec.mlp.intermediateSize).toBe(7168);
    expect(spec.moe).toMatchObject({
      numExperts: 32,
      topK: 4,
      expertIntermediateSize: 1792,
      routerBias: false,
    });
    expect(describeLayerMix(spec)).toMatch(/6 full attention, 18 short convolution \(LFM2\)/);
    const p = paramCount(spec);
    // Liquid AI, "LFM2-8B-A1B" (2025-10-07): 8.3B total, 1.5B active parameters.
    const h = 2048;
    const expert = 3 * h * 1792;
    const blocks =
      6 * (2 * h * h + 2 * h * 512 + 2 * 64) +
      18 * (4 * h * h + 3 * h) +
      2 * 3 * h * 7168 +
      22 * (32 * expert + 32 * h);
    expect(p.totalParams).toBe(65_536 * h + blocks + 24 * 2 * h + h);
    expect(p.totalParams - p.activeParams).toBe(22 * 28 * expert);
    expect(p.totalParams / 1e9).toBeCloseTo(8.3, 1);
    expect(p.activeParams / 1e9).toBeCloseTo(1.5, 0);
  });
});
