/**
 * Idefics2 (`idefics2`): a Mistral text model from MistralConfig's defaults, a SigLIP tower, the gated
 * modality MLP and the perceiver resampler counted apart (modeling_idefics2.py).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { specFromHfConfig } from '../hf-config.js';
import { paramCount } from '../param-count.js';

describe('Idefics2', () => {
  it("Idefics2-8B: Mistral 7B (vocabulary 32003), SigLIP at 980 px, modality MLP and perceiver: 8,402,768,112, the card's 8.4B", () => {
    const spec = specFromHfConfig(hfFixture('hand-built/idefics2-8b'), 'idefics2');
    expect(paramCount(spec).totalParams).toBe(7_241_756_672);
    const v = 1152;
    const block = 2 * 2 * v + 4 * (v * v + v) + (v * 4304 + 4304) + (4304 * v + v);
    const tower = 3 * 14 * 14 * v + v + 70 * 70 * v + 27 * block + 2 * v;
    const projection = 2 * v * 14_336 + 14_336 * 4096;
    const perceiverLayer = 3 * 4096 + 4096 * 1536 + 2 * 4096 * 384 + 1536 * 4096 + 3 * 4096 * 16_384;
    const perceiver = 64 * 4096 + 3 * perceiverLayer + 4096;
    expect(spec.vision?.params).toBe(tower + projection + perceiver);
    expect(paramCount(spec).totalParams + (spec.vision?.params ?? 0)).toBe(8_402_768_112);
    expect(spec.vision?.description).toContain('4900 patches → 64 tokens');
  });

  it('reads the class defaults where a sub-config is absent, and refuses key/value heads that do not divide the query heads', () => {
    const bare = specFromHfConfig({ model_type: 'idefics2' }, 'bare');
    expect(bare.hiddenSize).toBe(4096);
    expect(bare.vision?.imageSize).toBe(224);
    const config = hfFixture('hand-built/idefics2-8b') as Record<string, unknown>;
    const perceiver = { ...(config.perceiver_config as object), num_key_value_heads: 3 };
    expect(() => specFromHfConfig({ ...config, perceiver_config: perceiver }, 'x')).toThrow(
      /perceiver_config\.num_key_value_heads.*\(3\) must divide resampler_n_heads \(16\)/,
    );
  });
});
