/**
 * Persimmon (`persimmon`) and Fuyu (`fuyu`): GPT-NeoX's block with per-head q/k LayerNorms and ReLU²,
 * and Fuyu's linear patch embedding counted apart (modeling_persimmon.py, modeling_fuyu.py).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { adaptedMatrices, parseTargets } from '../adapters.js';
import { specFromHfConfig } from '../hf-config.js';
import { paramCount } from '../param-count.js';

describe('Persimmon and Fuyu', () => {
  it('Persimmon-8B: fused biased query_key_value, q/k LayerNorms of head_dim, biased MLP, untied: 9,397,175,296', () => {
    const spec = specFromHfConfig(hfFixture('hand-built/persimmon-8b-base'), 'persimmon');
    const h = 4096;
    const attention = h * 3 * h + 3 * h + h * h + h + 2 * (2 * 64);
    const block = attention + 2 * h * 16_384 + 16_384 + h + 2 * 2 * h;
    expect(paramCount(spec).totalParams).toBe(36 * block + 2 * 262_144 * h + 2 * h);
    expect(paramCount(spec).totalParams).toBe(9_397_175_296);
    expect(spec.activation).toBe('relu2');
    // LoRA on its attention targets the fused query_key_value and dense.
    const lora = { method: 'lora' as const, rank: 8, targets: parseTargets('attn') };
    expect(adaptedMatrices(spec, lora).map((m) => m.module)).toEqual(['qkv_proj', 'o_proj']);
  });

  it("Fuyu-8B: the Persimmon text model and a 30×30×3 → 4096 linear patch embedding: 9.41B, the card's", () => {
    const spec = specFromHfConfig(hfFixture('hand-built/fuyu-8b'), 'fuyu');
    expect(paramCount(spec).totalParams).toBe(9_397_175_296);
    expect(spec.vision?.params).toBe(30 * 30 * 3 * 4096 + 4096);
    expect(paramCount(spec).totalParams + (spec.vision?.params ?? 0)).toBe(9_408_238_592);
    expect(spec.vision?.imageSize).toBeNull();
  });
});
