/**
 * EXAONE 4.5 (`exaone4_5`): EXAONE 4.0's text model (its first release's `exaone4_5_text`), the
 * vocabulary from the top level when the text config leaves it out, and Qwen2.5-VL's ViT with 8 KV
 * heads counted apart (modular_exaone4_5.py).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { specFromHfConfig } from '../hf-config.js';
import { paramCount } from '../param-count.js';

describe('EXAONE 4.5', () => {
  it('EXAONE-4.5-33B: 32,527,504,384 in the text model, 1,286,482,944 in the grouped-KV ViT and merger', () => {
    const spec = specFromHfConfig(hfFixture('hand-built/exaone-4.5-33b'), 'exaone');
    const h = 5120;
    const layer = 2 * h * h + 2 * h * 1024 + 2 * 128 + 3 * h * 27_392 + 2 * h;
    expect(spec.vocabSize).toBe(153_600);
    expect(paramCount(spec).totalParams).toBe(64 * layer + h + 2 * 153_600 * h);
    const w = 2048;
    const qkv = w + 2 * 8 * 64;
    const block = 2 * w + (w * qkv + qkv) + (w * w + w) + 2 * (w * 5120 + 5120) + (5120 * w + w);
    const merger = w + (4 * w * 4 * w + 4 * w) + (4 * w * h + h);
    expect(spec.vision?.params).toBe(3 * 2 * 14 * 14 * w + 28 * block + merger);
    expect(spec.vision?.params).toBe(1_286_482_944);
  });

  it('refuses KV heads that do not divide the vision heads, naming the field', () => {
    const config = hfFixture('hand-built/exaone-4.5-33b') as Record<string, unknown>;
    const vision = { ...(config.vision_config as object), num_key_value_heads: 5 };
    expect(() => specFromHfConfig({ ...config, vision_config: vision }, 'x')).toThrow(
      /vision_config\.num_key_value_heads.*\(5\) must divide num_heads \(32\)/,
    );
  });
});
