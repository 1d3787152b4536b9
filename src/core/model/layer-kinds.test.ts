import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  chunkedMeanKeys,
  gatedDeltaNetFlopsPerToken,
  limitedMeanKeys,
  sparseAttentionFlopsPerToken,
  stateSpaceFlopsPerToken,
} from './layer-kinds.js';
import type { GatedDeltaNetSpec, StateSpaceSpec } from './spec.js';

const gdn: GatedDeltaNetSpec = {
  numKeyHeads: 16,
  numValueHeads: 64,
  keyHeadDim: 128,
  valueHeadDim: 128,
  convKernel: 4,
  chunkTokens: 64,
  stateBytesPerElement: 4,
};
const mamba: StateSpaceSpec = {
  numHeads: 64,
  headDim: 64,
  stateSize: 128,
  numGroups: 8,
  convKernel: 4,
  chunkTokens: 128,
  projBias: false,
  convBias: true,
  stateBytesPerElement: 4,
};

/** Brute force: keys each query of a sequence sees, averaged. */
function bruteChunked(s: number, c: number, causal: boolean): number {
  let keys = 0;
  for (let i = 0; i < s; i += 1) keys += causal ? ((i % c) + 1) / 1 : Math.min(c, s - Math.floor(i / c) * c);
  return keys / s;
}

describe('chunked attention', () => {
  it('equals a brute-force count (non-causal exactly; causal within the ½ convention)', () => {
    for (const [s, c] of [
      [10, 4],
      [4096, 8192],
      [20_000, 8192],
    ] as const) {
      expect(chunkedMeanKeys(s, c, 'non-causal')).toBeCloseTo(bruteChunked(s, c, false), 6);
      // ½ convention: C/2 per full chunk instead of (C + 1)/2.
      expect(Math.abs(chunkedMeanKeys(s, c, 'causal') - bruteChunked(s, c, true))).toBeLessThanOrEqual(0.5);
    }
  });

  test.prop([fc.integer({ min: 1, max: 2_000_000 }), fc.integer({ min: 1, max: 100_000 })])(
    'never exceeds the chunk or the context, and equals full causal attention within one chunk',
    (s, c) => {
      const keys = chunkedMeanKeys(s, c, 'causal');
      expect(keys).toBeLessThanOrEqual(Math.min(s, c) / 2 + 1e-9);
      if (s <= c) expect(keys).toBeCloseTo(s / 2, 9);
    },
  );
});

describe('sparse (DSA) attention', () => {
  it('main attention stops growing at top-k; the indexer keeps growing linearly', () => {
    const indexer = { numHeads: 64, headDim: 128, topKTokens: 2048 };
    const a = sparseAttentionFlopsPerToken(indexer, 1000, 100_000, 'decode');
    const b = sparseAttentionFlopsPerToken(indexer, 1000, 200_000, 'decode');
    expect(a.attentionFlops).toBe(1000 * 2048);
    expect(b.attentionFlops).toBe(a.attentionFlops);
    expect(b.indexerFlops).toBe(2 * a.indexerFlops);
    // DeepSeek-V3.2: 2 · 64 heads · (128 + 1) per key.
    expect(a.indexerFlops).toBe(2 * 64 * 129 * 100_000);
    expect(limitedMeanKeys(1000, 2048, 'causal')).toBe(500);
  });
});

describe('linear-attention and state-space mixers', () => {
  it('Gated DeltaNet: no growth with context; decode = conv + 6·d_k·d_v per value head', () => {
    const conv = 2 * 4 * (2 * 16 * 128 + 64 * 128);
    expect(gatedDeltaNetFlopsPerToken(gdn, 'decode')).toBe(conv + 64 * 6 * 128 * 128);
    const macs = 64 * (3 * 128 + 2 * 128) + (64 * 64) / 6 + 3 * 128 * 128;
    expect(gatedDeltaNetFlopsPerToken(gdn, 'causal')).toBeCloseTo(conv + 64 * 2 * macs, 6);
  });

  it('Mamba-2 SSD: chunked form costs more per token than the recurrence, both constant in context', () => {
    const decode = stateSpaceFlopsPerToken(mamba, 'decode');
    const train = stateSpaceFlopsPerToken(mamba, 'causal');
    expect(decode).toBe(2 * 4 * (64 * 64 + 2 * 8 * 128) + 64 * 4 * 128 * 64);
    expect(train).toBe(
      2 * 4 * (64 * 64 + 2 * 8 * 128) + 2 * (64 * (128 * 64 + 2 * 128 * 64) + 8 * 128 * 128),
    );
    expect(train).toBeGreaterThan(decode);
  });
});
