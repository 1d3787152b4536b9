import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DATATYPES } from './hardware/hardware-spec.js';
import { bytesPerElement, DATATYPE_BYTES, formatSupportError, WEIGHT_FORMATS } from './precision.js';

/** Bits of each stored value before any block scale (the element type). */
const ELEMENT_BITS: Readonly<Record<(typeof WEIGHT_FORMATS)[number], number>> = {
  fp32: 32,
  bf16: 16,
  fp16: 16,
  fp8: 8,
  int8: 8,
  mxfp8: 8,
  int4: 4,
  nf4: 4,
  fp4: 4,
  nvfp4: 4,
  mxfp4: 4,
};

describe('block-scaled formats', () => {
  it('cost their element bits plus the scale amortised over the block (NVIDIA NVFP4 blog; OCP MX v1.0)', () => {
    expect(bytesPerElement('nvfp4') * 8).toBeCloseTo(4 + 8 / 16, 12);
    expect(bytesPerElement('mxfp4') * 8).toBeCloseTo(4 + 8 / 32, 12);
    expect(bytesPerElement('mxfp8') * 8).toBeCloseTo(8 + 8 / 32, 12);
    expect(DATATYPE_BYTES.nvfp4).toBe(bytesPerElement('nvfp4'));
  });

  it('order bytes per parameter by element width; within a width, a finer scale costs more', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...WEIGHT_FORMATS),
        fc.constantFrom(...WEIGHT_FORMATS),
        fc.integer({ min: 1, max: 2e12 }),
        (a, b, params) => {
          if (ELEMENT_BITS[a] < ELEMENT_BITS[b])
            expect(params * bytesPerElement(a)).toBeLessThan(params * bytesPerElement(b));
          // A scale never costs more than half a bit per value, nor less than nothing.
          expect(bytesPerElement(a) * 8 - ELEMENT_BITS[a]).toBeGreaterThanOrEqual(0);
          expect(bytesPerElement(a) * 8 - ELEMENT_BITS[a]).toBeLessThanOrEqual(0.5);
        },
      ),
    );
    expect(bytesPerElement('nvfp4')).toBeGreaterThan(bytesPerElement('mxfp4'));
    expect(bytesPerElement('mxfp8')).toBeGreaterThan(bytesPerElement('fp8'));
  });

  it('are refused on a GPU whose peaks omit them, accepted where listed', () => {
    const hopper = { id: 'hopper-like', peakFlopsPerSecond: { bf16: 1e15, fp8: 2e15 } };
    const blackwell = { id: 'blackwell-like', peakFlopsPerSecond: { bf16: 2e15, nvfp4: 9e15, mxfp8: 4e15 } };
    for (const format of ['nvfp4', 'mxfp4', 'mxfp8'] as const)
      expect(formatSupportError(format, hopper)).toContain('hopper-like');
    expect(formatSupportError('nvfp4', blackwell)).toBeNull();
    expect(formatSupportError('mxfp8', blackwell)).toBeNull();
    expect(formatSupportError('mxfp4', blackwell)).toContain('MXFP4');
    for (const format of ['bf16', 'fp8', 'fp4', 'int4', 'nf4'] as const)
      expect(formatSupportError(format, hopper)).toBeNull();
  });

  it('every tensor-core datatype has a byte size', () => {
    for (const d of DATATYPES) expect(DATATYPE_BYTES[d]).toBeGreaterThan(0);
  });
});
