/**
 * Per-layer query heads (LayerSpec.numHeads: OpenELM's layer-wise scaling): each layer's attention
 * parameters and FLOPs read its own heads, its KV cache its own KV heads, and tensor parallelism must
 * split every layer's heads — the layout check, the layout search and serving's TP choices say so.
 * Expected values are written from the shapes.
 */
import { describe, expect, it } from 'vitest';
import { findModel } from '../../catalog/catalog.js';
import { DEFAULT_LAYOUT, layoutIssues } from '../parallelism/layout.js';
import { forwardFlopsPerToken } from './flops.js';
import { kvCacheBytes, queryHeadCounts, tensorParallelSplits } from './kv-cache.js';
import { describeLayerMix } from './layer-mix.js';
import { specFromInput } from './model-spec-schema.js';
import { paramCount } from './param-count.js';
import { modelSpecFrom } from './resolve-model.js';
import type { ModelSpec } from './spec.js';

const [h, d] = [512, 64];
const base = specFromInput({
  name: 'small',
  vocabSize: 1000,
  hiddenSize: h,
  numLayers: 2,
  maxContextTokens: 4096,
  attention: { kind: 'gqa', numHeads: 8, numKvHeads: 2, headDim: d },
  mlp: { intermediateSize: 2048, gated: true },
});
// Layer 0: 4 query heads over 1 KV head; layer 1: the model's 8 over 2.
const scaled: ModelSpec = {
  ...base,
  layers: base.layers.map((l, i) => (i === 0 ? { ...l, numHeads: 4, numKvHeads: 1 } : l)),
};

describe('per-layer query heads', () => {
  it("count each layer's q and o projections at its own heads", () => {
    const attention = (heads: number, kv: number) => 2 * h * heads * d + 2 * h * kv * d;
    expect(paramCount(scaled).breakdown.attention).toBe(attention(4, 1) + attention(8, 2));
    expect(paramCount(base).breakdown.attention - paramCount(scaled).breakdown.attention).toBe(
      attention(8, 2) - attention(4, 1),
    );
  });

  it('score with their own heads and cache their own KV heads', () => {
    const ctx = 1024;
    const scores = (spec: ModelSpec) =>
      forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: ctx }).breakdown.attentionScores;
    // 2 · heads · (d_qk + d_v) FLOPs per key: layer 0 has half the heads.
    expect(scores(base) - scores(scaled)).toBeCloseTo(2 * 4 * 2 * d * ctx, 6);
    expect(kvCacheBytes(scaled, ctx, 'bf16').bytesPerSequence).toBe(ctx * 2 * d * 2 * (1 + 2));
  });

  it("are named in the layer mix's one line", () => {
    expect(describeLayerMix(scaled)).toMatch(/2 full attention \(query heads 4–8, KV heads 1–2\)/);
  });

  it('tensor parallelism must split every layer: 4 does, 8 does not, and the layout check names the heads', () => {
    expect(queryHeadCounts(scaled)).toEqual([4, 8]);
    // TP 4 splits 4 and 8 query heads; layer 0's one KV head is replicated, layer 1's two too.
    expect(tensorParallelSplits(scaled, 4)).toBe(true);
    expect(tensorParallelSplits(scaled, 8)).toBe(false);
    const issues = layoutIssues(scaled, { ...DEFAULT_LAYOUT, tensorParallel: 8 }, 1024);
    expect(issues.map((i) => i.message).join('\n')).toMatch(/must divide the 4 and 8 attention heads/);
  });
});

describe("a hybrid's Mamba-2 mixers split over tensor parallelism too (vLLM MambaMixer2)", () => {
  const nano = modelSpecFrom(findModel('nemotron-3-nano-30b-a3b').config, 'nano');
  it('TP divides the Mamba-2 heads and groups: 8 does, 16 does not though it divides the attention heads', () => {
    expect(nano.stateSpace).toMatchObject({ numHeads: 64, numGroups: 8 });
    expect(queryHeadCounts(nano)).toEqual([32]);
    expect(tensorParallelSplits(nano, 8)).toBe(true);
    expect(tensorParallelSplits(nano, 16)).toBe(false);
    const issues = layoutIssues(nano, { ...DEFAULT_LAYOUT, tensorParallel: 16 }, 1024);
    expect(issues.map((i) => i.message).join('\n')).toMatch(/the 64 Mamba-2 heads and the 8 Mamba-2 groups/);
  });
  it('one group is replicated on every serving rank (vLLM); training shards it (Megatron-Core): TP 1 only', () => {
    const one = { ...nano, stateSpace: { ...nano.stateSpace!, numGroups: 1 } };
    expect(tensorParallelSplits(one, 16)).toBe(true);
    expect(
      layoutIssues(one, { ...DEFAULT_LAYOUT, tensorParallel: 2 }, 1024)
        .map((i) => i.message)
        .join('\n'),
    ).toMatch(/Mamba-2 heads/);
  });
});
