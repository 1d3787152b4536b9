import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { resolveHardware } from '../../catalog/training-defaults.js';
import type { HardwareSpec } from './hardware-spec.js';
import { attentionEfficiency } from './roofline.js';

const gpu = (id: string) => resolveHardware(id, undefined).cluster.gpu;
const withPeaks = (hw: HardwareSpec, bf16: number, fp32: number): HardwareSpec => ({
  ...hw,
  peakFlopsPerSecond: { ...hw.peakFlopsPerSecond, bf16, fp32 },
});

describe("attention efficiency and a GPU's tensor-to-vector balance (FlashAttention-2 Sec. 3.1, -3 Sec. 3)", () => {
  it('the GPUs a family was measured on keep its efficiencies exactly', () => {
    expect(attentionEfficiency(gpu('h100-sxm'), 'forward')).toBe(0.7);
    expect(attentionEfficiency(gpu('h200'), 'forward')).toBe(gpu('h200').efficiency.attentionForward);
    expect(attentionEfficiency(gpu('a100-80gb'), 'backward')).toBe(
      gpu('a100-80gb').efficiency.attentionBackward,
    );
    // A family without a reference ratio (Blackwell: its efficiencies are the H100's, exponentials partly on FMA units) is unchanged.
    expect(attentionEfficiency(gpu('b200'), 'forward')).toBe(gpu('b200').efficiency.attentionForward);
  });

  it("the H20's throttled tensor cores leave the softmax a smaller share: 91% of its BF16 peak, not 70%", () => {
    const h20 = gpu('h20');
    // 1/η − 1 = (1/0.7 − 1) · (148 / 44) / (989.4 / 67)
    expect(attentionEfficiency(h20, 'forward')).toBeCloseTo(
      1 / (1 + (1 / 0.7 - 1) * (148 / 44 / (989.4 / 67))),
      12,
    );
    expect(attentionEfficiency(h20, 'forward')).toBeCloseTo(0.911, 3);
    // Unfused attention (scores through memory) is not the fused kernel's balance: unchanged.
    const unfused = { implementation: 'unfused' as const, seqLen: 4096 };
    const h100 = gpu('h100-sxm');
    expect(attentionEfficiency(h20, 'forward', unfused) / attentionEfficiency(h100, 'forward', unfused)).toBe(
      1,
    );
  });

  test.prop([fc.double({ min: 0.5, max: 60, noNaN: true }), fc.double({ min: 0.5, max: 60, noNaN: true })])(
    'stays in (0, 1] and falls as the tensor peak grows against the vector units',
    (a, b) => {
      const h100 = gpu('h100-sxm');
      const [low, high] = a < b ? [a, b] : [b, a];
      const at = (ratio: number) => attentionEfficiency(withPeaks(h100, ratio * 1e13, 1e13), 'forward');
      expect(at(low)).toBeGreaterThan(0);
      expect(at(low)).toBeLessThanOrEqual(1);
      expect(at(high)).toBeLessThanOrEqual(at(low));
    },
  );

  // FlashAttention-3 (Shah et al. 2024) Fig. 5 panel (a): forward, head dim 64, non-causal, H100 SXM5, batch × seq = 16k,
  // hidden 2048, TFLOP/s read from the bar labels (the repo's assets/flash3_fp16_fwd.png); the profile's curves are panel (c), head dim 128.
  const headDim64 = {
    flash2: { 2048: 318, 4096: 321, 8192: 322, 16384: 324 },
    flash3: { 2048: 460, 4096: 476, 8192: 496, 16384: 497 },
    cudnn: { 2048: 395, 4096: 408, 8192: 412, 16384: 413 },
  } as const;
  // Tolerances: FlashAttention-2 and -3 within 6% (largest today +5.2%, FA3 at 2k), cuDNN within 25% (its head-dim-64
  // kernel falls further than the softmax's share explains: +21.3% at 2k; a regression guard just above today's error).
  const tolerance = { flash2: 0.06, flash3: 0.06, cudnn: 0.25 } as const;
  it('head dim 64 on an H100: the softmax share of each curve grows 2× and reproduces FlashAttention-3 Fig. 5 (a)', () => {
    const h100 = gpu('h100-sxm');
    for (const [implementation, points] of Object.entries(headDim64) as [
      keyof typeof headDim64,
      Record<number, number>,
    ][]) {
      for (const [seqLen, published] of Object.entries(points)) {
        const kernel = { implementation, seqLen: Number(seqLen) };
        const predicted = (attentionEfficiency(h100, 'forward', kernel, 64) * 989.4) / published - 1;
        expect(Math.abs(predicted), `${implementation} at ${seqLen}`).toBeLessThan(tolerance[implementation]);
        // Below the measured head dim only: head dim 128 keeps the curve's own value.
        expect(attentionEfficiency(h100, 'forward', kernel, 128)).toBe(
          attentionEfficiency(h100, 'forward', kernel),
        );
      }
    }
  });

  it('Blackwell: the softmax is the whole shortfall, whether the GPU lists its FP32 peak (B200) or not (GB200)', () => {
    // B200: 4 · (2,250 / 75) / 128 = 0.94 > 1/0.7 − 1, so the share is capped at the shortfall the GB200 gets outright.
    const expected = 1 / (1 + (1 / 0.7 - 1) * 2);
    expect(attentionEfficiency(gpu('b200'), 'forward', undefined, 64)).toBeCloseTo(expected, 12);
    expect(attentionEfficiency(gpu('gb200'), 'forward', undefined, 64)).toBeCloseTo(expected, 12);
  });

  it('no gain above the measured head dim (FlashAttention-3 Fig. 5 (f): 642 against 616 TFLOP/s causal at 16k)', () => {
    const h100 = gpu('h100-sxm');
    expect(attentionEfficiency(h100, 'forward', undefined, 256)).toBe(0.7);
    expect(attentionEfficiency(h100, 'backward', undefined, 160)).toBe(0.5);
  });

  test.prop([
    fc.integer({ min: 8, max: 512 }),
    fc.integer({ min: 8, max: 512 }),
    fc.constantFrom('forward', 'backward'),
  ])('never rises as the head dim falls, and stays in (0, 1] on every GPU family', (a, b, pass) => {
    const [low, high] = a < b ? [a, b] : [b, a];
    for (const id of ['h100-sxm', 'h200', 'a100-80gb', 'b200', 'h20', 'mi300x']) {
      const hw = gpu(id);
      const at = (d: number) => attentionEfficiency(hw, pass as 'forward' | 'backward', undefined, d);
      expect(at(low)).toBeGreaterThan(0);
      expect(at(low)).toBeLessThanOrEqual(at(high));
      expect(at(high)).toBeLessThanOrEqual(1);
    }
  });
});
