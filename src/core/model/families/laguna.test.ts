/**
 * poolside Laguna (`laguna`): full and sliding layers with their own query heads and softplus output
 * gates, sigmoid-routed MoE with a shared expert (laguna.ts), on the two released configs.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { adaptedMatrices, parseTargets } from '../adapters.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';

/**
 * Parameters of a Laguna of width `h` with `full` and `sliding` layers of `heads` query heads each (8 KV
 * heads of 128), a gate of `gate` per head (1 or 128), layer 0 a dense SwiGLU of `dense`, the others 256
 * experts and one shared expert of `expert`, vocabulary 100,352, untied.
 */
function lagunaParams(
  h: number,
  [full, sliding]: number[],
  [fullHeads, slidingHeads]: number[],
  gate: number,
  dense: number,
  expert: number,
): number {
  const hd = 128;
  const attention = (heads: number) => 2 * h * heads * hd + 2 * h * 8 * hd + h * heads * gate + 2 * hd;
  const swiglu = (width: number) => 3 * h * width;
  const moe = 256 * h + 256 + 256 * swiglu(expert) + swiglu(expert);
  const layers = full! + sliding!;
  return (
    full! * attention(fullHeads!) +
    sliding! * attention(slidingHeads!) +
    swiglu(dense) +
    (layers - 1) * moe +
    layers * 2 * h +
    h +
    2 * 100_352 * h
  );
}

describe('Laguna', () => {
  it('Laguna-XS.2: 10 full layers of 48 heads, 30 sliding of 64, per-element gates, layer 0 dense, 256 experts top-8 + a shared one', () => {
    const spec = specFromHfConfig(hfFixture('laguna-xs.2-fp8'), 'xs');
    expect(spec.warnings ?? []).toEqual([]);
    const total = lagunaParams(2048, [10, 30], [48, 64], 128, 8192, 512);
    expect(paramCount(spec).totalParams).toBe(total);
    expect(paramCount(spec).totalParams).toBe(34_066_847_488);
    // 30 of 40 layers keep a 512-token window: at 32K context the cache is 10 full layers' plus 30 windows.
    const perToken = 2 * 8 * 128 * 2;
    expect(kvCacheBytes(spec, 32_768, 'bf16').bytesPerSequence).toBe(perToken * (10 * 32_768 + 30 * 512));
    // The per-element gate is its own g_proj: LoRA on q adapts q_proj at the query width only.
    const lora = { method: 'lora' as const, rank: 8, targets: parseTargets('q') };
    const q = adaptedMatrices(spec, lora).filter((m) => m.module === 'q_proj');
    expect(new Set(q.map((m) => m.outFeatures))).toEqual(new Set([48 * 128, 64 * 128]));
  });

  it('Laguna-S-2.1: per-head gates (one scalar per head), 72 sliding heads, 256 experts top-10', () => {
    const spec = specFromHfConfig(hfFixture('laguna-s-2.1-fp8'), 's');
    const total = lagunaParams(3072, [12, 36], [48, 72], 1, 12_288, 1024);
    expect(paramCount(spec).totalParams).toBe(total);
    expect(spec.moe?.topK).toBe(10);
  });

  it('refuses layers of one kind with different heads, and an unknown gate, naming the field', () => {
    const config = hfFixture('laguna-xs.2-fp8') as Record<string, unknown>;
    const heads = [...(config.num_attention_heads_per_layer as number[])];
    heads[5] = 32;
    expect(() => specFromHfConfig({ ...config, num_attention_heads_per_layer: heads }, 'x')).toThrow(
      /num_attention_heads_per_layer.*\[5\] \(32\) differs from the other sliding layers' 64/,
    );
    expect(() => specFromHfConfig({ ...config, gating: 'sigmoid' }, 'x')).toThrow(
      /gating.*must be "per-head", "per-element", true or false, got "sigmoid"/,
    );
  });
});
