/**
 * Meta Muse Glimmer (`muse_glimmer`): Gemma 2's layers with an elementwise gate_proj, sliding layers
 * but every fourth from the last, and the vision tower, adapter and projection counted apart
 * (modular_muse_glimmer.py), on the released config.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { adaptedMatrices, parseTargets } from '../adapters.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';

describe('Muse Glimmer', () => {
  it('Muse-Glimmer-30B: 27,854,780,928 in the text model and 1,921,845,760 in the tower, adapter and projection', () => {
    const spec = specFromHfConfig(hfFixture('muse-glimmer-30b'), 'glimmer');
    const h = 6656;
    const q = 32 * 128;
    // q, gate_proj and o of the query width, k and v of two heads, four RMSNorms, the SwiGLU MLP.
    const layer = 3 * h * q + 2 * h * 256 + 4 * h + 3 * h * 19_968;
    expect(paramCount(spec).totalParams).toBe(52 * layer + h + 2 * 202_048 * h);
    expect(paramCount(spec).totalParams).toBe(27_854_780_928);
    const v = 1536;
    const block = 2 * 2 * v + 4 * (v * v + v) + (v * 8960 + 8960) + (8960 * v + v);
    const tower = 2 * 3 * 14 * 14 * v + 32 * 32 * v + 2 * 2 * v + 50 * block;
    expect(spec.vision?.params).toBe(tower + 6144 * 4096 + 4096 * 4096 + 4096 * h);
    // 39 of 52 layers keep a 2,048-token window; the 13 NoPE layers attend to the whole context.
    const perToken = 2 * 2 * 128 * 2;
    expect(kvCacheBytes(spec, 65_536, 'bf16').bytesPerSequence).toBe(perToken * (13 * 65_536 + 39 * 2048));
    // gate_proj is its own module: LoRA on q adapts q_proj at the query width.
    const lora = { method: 'lora' as const, rank: 16, targets: parseTargets('q') };
    expect(adaptedMatrices(spec, lora).map((m) => m.outFeatures)).toEqual([q]);
  });

  it('reads a bare text config with MuseGlimmerTextConfig defaults, full attention on every fourth layer from the last', () => {
    const text = specFromHfConfig({ model_type: 'muse_glimmer_text' }, 'bare');
    expect(paramCount(text).totalParams).toBe(27_854_780_928);
    expect(kvCacheBytes(text, 65_536, 'bf16').bytesPerSequence).toBe(
      2 * 2 * 128 * 2 * (13 * 65_536 + 39 * 2048),
    );
    const config = hfFixture('muse-glimmer-30b') as Record<string, unknown>;
    expect(() => specFromHfConfig({ ...config, out_hidden_size: 4096 }, 'x')).toThrow(
      /out_hidden_size.*\(4096\) must be the tower's width × merge_size² \(1536 × 2² = 6144\)/,
    );
  });
});
