/**
 * JetBrains Mellum 2 (`mellum`, mellum.ts): Qwen3-MoE attention with q/k RMSNorms on 21 sliding and 7
 * full layers, a 64-expert top-8 softmax MoE on every layer (Mellum2.1-12B-A2.5B-Thinking's config),
 * plus dense layers from `mlp_layer_types` and MellumConfig's class defaults.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { mellum } from './mellum.js';

const config = JSON.parse(
  readFileSync(
    new URL(
      '../../../../test/fixtures/hf-configs/hand-built/mellum2.1-12b-a2.5b-thinking.json',
      import.meta.url,
    ),
    'utf8',
  ),
) as Record<string, unknown>;

const read = (json: Record<string, unknown>) => mellum(new Fields(json, 'mellum'), 'x');

/**
 * Parameters of a Mellum of width 2304, 32 query and 4 KV heads of 128, `moeLayers` sparse layers (64
 * experts of 896 and a router) and `denseLayers` SwiGLUs of 7168, vocabulary 98,304, untied.
 */
function mellumParams(moeLayers: number, denseLayers: number): number {
  const h = 2304;
  const hd = 128;
  // q_proj, o_proj (32 heads), k_proj, v_proj (4 heads), q_norm and k_norm over head_dim.
  const attention = 2 * h * 32 * hd + 2 * h * 4 * hd + 2 * hd;
  const swiglu = (width: number) => 3 * h * width;
  const moe = 64 * h + 64 * swiglu(896);
  const layers = moeLayers + denseLayers;
  return layers * (attention + 2 * h) + moeLayers * moe + denseLayers * swiglu(7168) + h + 2 * 98_304 * h;
}

describe('Mellum', () => {
  it('Mellum2.1-12B-A2.5B: 28 layers (every fourth full, the rest a 1024 window), 64 experts top-8', () => {
    const spec = read(config);
    const total = mellumParams(28, 0);
    expect(paramCount(spec).totalParams).toBe(total);
    expect(paramCount(spec).totalParams).toBe(12_149_923_072);
    // A token touches 8 of the 64 experts per layer.
    expect(paramCount(spec).activeParams).toBe(total - 28 * 56 * 3 * 2304 * 896);
    expect(spec.attention).toMatchObject({ numHeads: 32, numKvHeads: 4, headDim: 128, qkNorm: 'per-head' });
    expect(spec.moe).toMatchObject({ numExperts: 64, topK: 8, numSharedExperts: 0, routerBias: false });
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.layers.filter((l) => l.attention === 'sliding')).toHaveLength(21);
    // At 32K context: 7 full layers keep every token, 21 sliding ones their 1024-token window.
    const perToken = 2 * 4 * 128 * 2;
    expect(kvCacheBytes(spec, 32_768, 'bf16').bytesPerSequence).toBe(perToken * (7 * 32_768 + 21 * 1024));
  });

  it('builds MellumMLP on dense layers, and no window when sliding_window is null', () => {
    const mlp = (config.mlp_layer_types as string[]).map((t, i) => (i < 2 ? 'dense' : t));
    const spec = read({ ...config, mlp_layer_types: mlp, sliding_window: null });
    expect(paramCount(spec).totalParams).toBe(mellumParams(26, 2));
    expect(spec.slidingWindow).toBeNull();
    expect(spec.layers.every((l) => l.attention === 'full')).toBe(true);
  });

  it("takes MellumConfig's defaults for omitted keys: all layers full and sparse", () => {
    const spec = read({ model_type: 'mellum' });
    expect(paramCount(spec).totalParams).toBe(mellumParams(28, 0));
    expect(spec.slidingWindow).toBeNull();
    expect(spec.maxContextTokens).toBe(131_072);
  });

  it('refuses an unknown MLP kind and a sliding_window of 0, naming the field', () => {
    const mlp = [...(config.mlp_layer_types as string[])];
    mlp[3] = 'moe';
    expect(() => read({ ...config, mlp_layer_types: mlp })).toThrow(/mlp_layer_types/);
    expect(() => read({ ...config, sliding_window: 0 })).toThrow(/sliding_window/);
  });
});
