import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { BANDED_FIT_NOTE, bandedFit, memoryBand, memoryRange } from './memory-band.js';

const GIB = 2 ** 30;

describe('a memory figure and its band against a capacity', () => {
  it('reads the four verdicts from the point, P10 and P90', () => {
    const capacity = 80 * GIB;
    expect(bandedFit(81 * GIB, { p10: 75 * GIB, p90: 90 * GIB }, capacity)).toBe('over');
    expect(bandedFit(75 * GIB, { p10: 81 * GIB, p90: 105 * GIB }, capacity)).toBe('p10-over');
    expect(bandedFit(75 * GIB, { p10: 70 * GIB, p90: 82 * GIB }, capacity)).toBe('p90-over');
    expect(bandedFit(75 * GIB, { p10: 70 * GIB, p90: 79 * GIB }, capacity)).toBe('fits');
    // No band (a stack without measured peaks, inference): the point alone decides.
    expect(bandedFit(79 * GIB, null, capacity)).toBe('fits');
    expect(bandedFit(capacity, null, capacity)).toBe('fits');
  });

  it('a regime whose every measured peak sat above the engine puts P10 above the prediction', () => {
    // Residuals ln(measured / predicted) of +20% … +27%: every peak of the regime above the engine.
    const band = memoryBand({ titan: [0.2, 0.22, 0.25, 0.27].map((r) => Math.log(1 + r)) }, 'titan');
    const range = memoryRange(75 * GIB, band)!;
    expect(range.p10).toBeGreaterThan(75 * GIB);
    expect(bandedFit(75 * GIB, range, 79.6 * GIB)).toBe('p10-over');
    expect(BANDED_FIT_NOTE['p10-over']).toMatch(/most likely run out of memory/);
  });

  test.prop([
    fc.double({ min: 1, max: 1e12, noNaN: true }),
    fc.double({ min: 0.5, max: 1, noNaN: true }),
    fc.double({ min: 1, max: 2, noNaN: true }),
    fc.double({ min: 1, max: 1e12, noNaN: true }),
  ])(
    'verdicts only worsen as the band moves up (fits < p90-over < p10-over < over)',
    (bytes, low, high, capacity) => {
      const order = ['fits', 'p90-over', 'p10-over', 'over'];
      const narrow = bandedFit(bytes, { p10: bytes * low, p90: bytes * high }, capacity);
      const shifted = bandedFit(bytes, { p10: bytes * low * 1.2, p90: bytes * high * 1.2 }, capacity);
      expect(order.indexOf(shifted)).toBeGreaterThanOrEqual(order.indexOf(narrow));
    },
  );
});
