import { describe, expect, it } from 'vitest';
import type { KernelResiduals } from '../hardware/kernel-model.js';
import { kernelBand, kernelTimeRange } from './kernel-band.js';

const residuals: KernelResiduals = {
  method: 'leave-one-out',
  fittedOn: 'h200-test',
  byClass: {
    'gemm-bf16': [-0.1, -0.05, 0, 0.02, 0.05, 0.1, 0.2],
    'memory-bound': [0.3],
  },
};

describe('kernelBand', () => {
  it('takes the P10–P90 of its class around the residuals’ median, and the range holds the time it scales', () => {
    const band = kernelBand(residuals, 'gemm-bf16');
    expect(band.cases).toBe(7);
    expect(band.low).toBeLessThan(1);
    expect(band.high).toBeGreaterThan(Math.exp(0.1));
    expect(band.outside).toEqual([]);
    const range = kernelTimeRange(2e-4, band)!;
    expect(range.p10).toBeLessThan(2e-4);
    expect(range.p90).toBeGreaterThan(2e-4);
  });

  it('falls back to a stated class, saying so, and gives no band from fewer than two kernels', () => {
    const fp8 = kernelBand(residuals, 'gemm-fp8', { fallback: 'gemm-bf16' });
    expect(fp8.cases).toBe(7);
    expect(fp8.outside.join(' ')).toMatch(/no measured gemm-fp8 kernels: the band is the gemm-bf16/);
    const memory = kernelBand(residuals, 'memory-bound');
    expect(memory.cases).toBe(0);
    expect(kernelTimeRange(1, memory)).toBeNull();
    expect(memory.outside.join(' ')).toMatch(/fewer than two/);
  });

  it('says it extrapolates on a GPU measured by no one, and has no band without residuals', () => {
    const foreign = kernelBand(residuals, 'gemm-bf16', { foreign: 'h100-sxm' });
    expect(foreign.cases).toBe(7);
    expect(foreign.outside.join(' ')).toMatch(/no kernel measurements for h100-sxm.*extrapolated/);
    expect(kernelBand(undefined, 'gemm-bf16').cases).toBe(0);
  });
});
