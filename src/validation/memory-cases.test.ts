import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memoryBand, memoryRange } from '../core/memory/memory-band.js';
import { memoryCalibration, memoryCalibrationMarkdown, stackMemoryBand } from './memory-cases.js';

describe('memory calibration (measured peaks with their layout)', () => {
  it('every case runs to a finite prediction and a sourced measured peak', () => {
    const m = memoryCalibration();
    expect(m.cases.length).toBeGreaterThanOrEqual(10);
    for (const c of m.cases) {
      expect(Number.isFinite(c.predictedBytes) && c.predictedBytes > 0).toBe(true);
      expect(c.source).toMatch(/\S/);
    }
  });
  it('the band brackets 1 and covers most measured peaks left out of their own fit', () => {
    const b = stackMemoryBand('torchtitan');
    expect(b.low).toBeLessThan(1);
    expect(b.high).toBeGreaterThan(1);
    const m = memoryCalibration();
    // Regression guard at today's coverage (10 of 13): a model change that loses coverage shows here.
    expect(m.looInside.filter(Boolean).length / m.cases.length).toBeGreaterThanOrEqual(0.7);
  });
  it("a stack without measured peaks has no band and says so (another stack's spread is not borrowed)", () => {
    const b = stackMemoryBand('megatron');
    expect(b.cases).toBe(0);
    expect(b.outside[0]).toMatch(
      /no measured memory peaks for the megatron stack.*measured peaks exist for torchtitan/,
    );
    expect(memoryRange(1e9, b)).toBeNull();
    expect(memoryBand({}, 'hf').outside[0]).toMatch(/measured peaks exist for no stack/);
  });
  it('docs/training-engine.md shows the current calibration', () => {
    const doc = readFileSync('docs/training-engine.md', 'utf8');
    expect(doc).toContain(memoryCalibrationMarkdown());
  });
});
