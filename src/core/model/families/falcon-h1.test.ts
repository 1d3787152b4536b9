/**
 * Falcon-H1 (`falcon_h1`): the parallel attention + Mamba-2 layers as two blocks each, the Mamba
 * inner width rules of FalconH1Config, and precise errors. Totals: test/golden/new-families.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const base = (): Cfg => structuredClone(hfFixture('hand-built/falcon-h1-0.5b-instruct')) as Cfg;

describe('falcon_h1', () => {
  it('every layer: an attention block then a Mamba-2 + MLP block, one RMSNorm each', () => {
    const spec = specFromHfConfig(base(), 'f');
    expect(spec.layers).toHaveLength(72);
    expect(spec.layers.slice(0, 2)).toEqual([
      { attention: 'full', mlp: 'none' },
      { attention: 'mamba', mlp: 'dense' },
    ]);
    expect(spec.norm.perLayer).toBe(1);
    expect(spec.stateSpace).toMatchObject({ numHeads: 24, headDim: 64, stateSize: 128, gatedNorm: false });
  });

  it('mamba_rms_norm adds the gated RMSNorm(d_ssm) weight per layer', () => {
    const on = base();
    on.mamba_rms_norm = true;
    const delta =
      paramCount(specFromHfConfig(on, 'f')).totalParams -
      paramCount(specFromHfConfig(base(), 'f')).totalParams;
    expect(delta).toBe(36 * 1536);
  });

  it('mamba_d_head "auto" = mamba_d_ssm / mamba_n_heads; a mismatch is an error naming the field', () => {
    const auto = base();
    auto.mamba_d_head = 'auto';
    expect(specFromHfConfig(auto, 'f').stateSpace?.headDim).toBe(64);
    const bad = base();
    delete bad.mamba_d_ssm; // inner = mamba_expand · hidden = 2048 ≠ 24 × 64
    expect(() => specFromHfConfig(bad, 'f')).toThrow(
      /mamba_d_head.*must equal the Mamba inner width \(2048\)/,
    );
    const bias = base();
    bias.projectors_bias = true;
    expect(() => specFromHfConfig(bias, 'f')).toThrow(/projectors_bias/);
  });

  it('KV does not depend on the Mamba-2 blocks: 36 attention blocks', () => {
    const spec = specFromHfConfig(base(), 'f');
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(36 * 2 * 2 * 64 * 2);
  });
});
