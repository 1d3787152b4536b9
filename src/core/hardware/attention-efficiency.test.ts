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
});
