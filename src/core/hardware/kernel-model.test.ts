import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type KernelModel, predictGemm, streamSeconds } from './kernel-model.js';

// A Hopper-like model (the H200 fit's order of magnitude); the invariants hold for any parameters.
const MODEL: KernelModel = {
  launchSeconds: 8e-6,
  bandwidthFraction: 0.95,
  gemm: {
    bf16: {
      tiles: [
        { m: 128, n: 256 },
        { m: 256, n: 128 },
        { m: 128, n: 128 },
      ],
      splitK: true,
      ceiling: 0.8,
      kOverhead: 224,
    },
  },
};
const P = MODEL.gemm.bf16;
const gemm = (m: number, n: number, k: number, count = 1) =>
  predictGemm(MODEL, P, 132, 989.4e12, 4.8e12, m, n, k, 2, count);
const dim = fc.integer({ min: 1, max: 65536 });

describe('kernel model', () => {
  it('wave quantisation: 1024³ runs one partial wave of 64 tiles on 132 SMs (far below the ceiling)', () => {
    const g = gemm(1024, 1024, 1024);
    expect(g.waves).toBe(1);
    expect(g.flops / g.seconds / 989.4e12).toBeLessThan(0.3);
    // A large square GEMM fills the SMs: efficiency near the ceiling.
    const big = gemm(16384, 8192, 8192);
    expect(big.waveEfficiency).toBeGreaterThan(0.95);
    expect(big.flops / big.seconds / 989.4e12).toBeGreaterThan(0.7);
    expect(big.flops / big.seconds / 989.4e12).toBeLessThanOrEqual(0.8);
  });

  it('decode-shaped GEMMs are bound by streaming the weight', () => {
    const g = gemm(8, 8192, 8192);
    expect(g.bound).toBe('memory');
    expect(g.seconds).toBeCloseTo(8e-6 + g.bytes / (4.8e12 * 0.95), 12);
  });

  it('time is finite, positive, never above the ceiling and never below launch + streaming (property)', () => {
    fc.assert(
      fc.property(dim, dim, dim, (m, n, k) => {
        const g = gemm(m, n, k);
        expect(Number.isFinite(g.seconds)).toBe(true);
        expect(g.seconds).toBeGreaterThanOrEqual(streamSeconds(MODEL, 4.8e12, g.bytes) - 1e-15);
        expect(g.flops / (g.seconds - MODEL.launchSeconds)).toBeLessThanOrEqual(
          989.4e12 * P.ceiling * 1.000001,
        );
        expect(g.waveEfficiency).toBeGreaterThan(0);
        expect(g.waveEfficiency).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('more work never takes less time: monotone in k and in the batch count (property)', () => {
    fc.assert(
      fc.property(dim, dim, dim, fc.integer({ min: 1, max: 8 }), (m, n, k, c) => {
        expect(gemm(m, n, k + 64).seconds).toBeGreaterThanOrEqual(gemm(m, n, k).seconds * (1 - 1e-12));
        expect(gemm(m, n, k, c + 1).seconds).toBeGreaterThanOrEqual(gemm(m, n, k, c).seconds * (1 - 1e-12));
      }),
    );
  });

  it('a batched GEMM shares waves: 4 GEMMs of 1024³ take less than 4 separate ones', () => {
    expect(gemm(1024, 1024, 1024, 4).seconds).toBeLessThan(4 * gemm(1024, 1024, 1024).seconds);
  });

  it('streaming: small kernels reach a fraction of the bandwidth (α + bytes/β)', () => {
    const small = 34e6 / streamSeconds(MODEL, 4.8e12, 34e6);
    const large = 470e6 / streamSeconds(MODEL, 4.8e12, 470e6);
    expect(small).toBeLessThan(0.5 * 4.8e12);
    expect(large).toBeGreaterThan(0.85 * 4.8e12);
    expect(streamSeconds(MODEL, 4.8e12, 0)).toBe(0);
  });
});
