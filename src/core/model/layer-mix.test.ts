import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../test/hf-fixtures.js';
import { specFromHfConfig } from './hf-config.js';
import { describeLayerMix, layerMixSummary } from './layer-mix.js';

describe('layer mix summary', () => {
  it('Nemotron 3 Nano: rows per mixer and MLP kind, summing to the layers; the one line from them', () => {
    const spec = specFromHfConfig(hfFixture('nemotron-3-nano-30b-a3b'), 'nano');
    const s = layerMixSummary(spec);
    expect(s.mixers.map((m) => [m.mixer, m.layers])).toEqual([
      ['full', 6],
      ['mamba', 23],
      ['none', 23],
    ]);
    expect(s.mlps.map((m) => [m.mlp, m.layers])).toEqual([
      ['moe', 23],
      ['none', 29],
    ]);
    expect(s.mixers.reduce((a, m) => a + m.layers, 0)).toBe(s.numLayers);
    expect(s.mlps.reduce((a, m) => a + m.layers, 0)).toBe(s.numLayers);
    expect(s.vision).toBeNull();
    expect(describeLayerMix(spec)).toBe(s.text);
    expect(s.text).toMatch(
      /^52 layers: 6 full attention, 23 state-space \(Mamba-2\), 23 without a token mixer; MoE 128 experts top-6 \+ 1 shared on 23 layers, no MLP on 29 layers$/,
    );
  });

  it('names the vision tower of a wrapper', () => {
    const s = layerMixSummary(specFromHfConfig(hfFixture('hand-built/gemma-3-27b-it'), 'g'));
    expect(s.vision).toMatch(/^SigLIP 27 × 1152, 896px/);
    expect(s.mixers.map((m) => [m.mixer, m.layers])).toEqual([
      ['full', 10],
      ['sliding', 52],
    ]);
  });
});
