/**
 * Nemotron-NAS (DeciLM) configs in test/fixtures/hf-configs (provenance in its README): total
 * parameters against an independent tensor-by-tensor enumeration of the modelling code
 * (test/hf-tensors-nas.ts, straight from config.json, not through ModelSpec), against NVIDIA's
 * published size, and KV bytes per token against values derived by hand.
 */
import { describe, expect, it } from 'vitest';
import { specFromHfConfig } from '../../src/core/model/hf-config.js';
import { kvCacheBytes } from '../../src/core/model/kv-cache.js';
import { paramCount } from '../../src/core/model/param-count.js';
import { hfFixture } from '../hf-fixtures.js';
import { nemotronNasKv, nemotronNasTensors } from '../hf-tensors-nas.js';

interface Case {
  /** KV bytes per token at BF16, derived by hand, and how. */
  readonly kvBytesPerToken: number;
  readonly kvDerivation: string;
  readonly published?: { readonly total: number; readonly source: string; readonly tolerance: number };
}

const CASES: Record<string, Case> = {
  'llama-3.3-nemotron-super-49b-v1': {
    // 49 of the 80 blocks keep attention, each with 64 / n_heads_in_group 8 = 8 KV heads of 128.
    kvBytesPerToken: 49 * 2 * 8 * 128 * 2,
    kvDerivation: '49 attention layers × K,V × 8 heads × 128 × 2 B = 200,704 B',
    published: {
      total: 49,
      source:
        'NVIDIA model card, huggingface.co/nvidia/Llama-3_3-Nemotron-Super-49B-v1 (the name: "49B", a derivative of Llama-3.3-70B-Instruct)',
      // "49B" is the name, truncated: the tensors sum to 49.87B, 1.8% above it.
      tolerance: 0.02,
    },
  },
  'hand-built/nemotron-nas-variants': {
    // Blocks 0, 1, 7, 10, 11: group 8 → 8 KV heads; block 2: group 16 → 4; block 3: group 64 → 1;
    // blocks 4 and 9 are linear replacements and 5, 6, 8 no-ops: no cache.
    kvBytesPerToken: (5 * 8 + 4 + 1) * 2 * 128 * 2,
    kvDerivation: '(5 × 8 + 4 + 1) KV heads × K,V × 128 × 2 B = 23,040 B',
  },
};

describe('Nemotron-NAS parameter counts and KV cache', () => {
  for (const [id, c] of Object.entries(CASES)) {
    const config = hfFixture(id);
    const spec = specFromHfConfig(config, id);
    const params = paramCount(spec);

    it(`${id}: total parameters equal the tensor-by-tensor enumeration exactly`, () => {
      const tensors = nemotronNasTensors(config);
      expect(params.totalParams).toBe(tensors.total);
      // A dense model: every parameter is active.
      expect(params.activeParams).toBe(params.totalParams);
      expect(params.perLayer.reduce((sum, l) => sum + l.totalParams, 0)).toBe(
        params.totalParams - params.embeddingParams - spec.hiddenSize,
      );
    });

    if (c.published) {
      const pub = c.published;
      it(`${id}: total within ${pub.tolerance * 100}% of the published ${pub.total}B (${pub.source})`, () => {
        const billions = params.totalParams / 1e9;
        expect(Math.abs(billions - pub.total)).toBeLessThanOrEqual(pub.tolerance * pub.total);
      });
    }

    it(`${id}: KV bytes per token = ${c.kvDerivation}`, () => {
      expect(kvCacheBytes(spec, 1, 'bf16').bytesPerToken).toBe(c.kvBytesPerToken);
      expect(nemotronNasKv(config).kvBytesPerToken).toBe(c.kvBytesPerToken);
      // A sequence grows by the same bytes per token on every attention layer (no window).
      expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerSequence).toBe(4096 * c.kvBytesPerToken);
    });
  }

  it('Super 49B: 49.87B parameters, 31 blocks without attention, FFN widths from ffn_mult', () => {
    const spec = specFromHfConfig(hfFixture('llama-3.3-nemotron-super-49b-v1'), 'super');
    expect(paramCount(spec).totalParams).toBe(49_867_145_216);
    expect(spec.layers.filter((l) => l.attention === 'none')).toHaveLength(31);
    // ffn_mult 5.25 → 28672 (the model-wide width, 49 blocks), 2.625 → 14336, 3.28125 → 17920,
    // 1.3125 → 7168, 1.0 → 5632 (5461 rounded up), 0.5 → 2816 (2730 rounded up).
    const widths = new Set(spec.layers.map((l) => l.intermediateSize ?? spec.mlp.intermediateSize));
    expect([...widths].sort((a, b) => a - b)).toEqual([2816, 5632, 7168, 14336, 17920, 28672]);
  });
});
