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
  it('the band brackets 1 without PP, sits above the prediction with PP, and covers most peaks left out of their own fit', () => {
    const flat = stackMemoryBand('torchtitan');
    expect(flat.low).toBeLessThan(1);
    expect(flat.high).toBeGreaterThan(1);
    // torchtitan's pipeline-parallel peaks sit above the engine (docs/training-engine.md): their own band.
    const pipeline = stackMemoryBand('torchtitan', true);
    expect(pipeline.low).toBeGreaterThan(1);
    expect(pipeline.cases).toBe(6);
    expect(pipeline.of).toBe('torchtitan with pipeline parallelism');
    expect(flat.of).toBe('torchtitan');
    const m = memoryCalibration();
    // Regression guard at today's coverage (8 of 13; the median error went 35.7% -> 2.5%, so two
    // tight bands replace one ×0.58–×3.13 band that covered 10 of 13 loosely).
    expect(m.looInside.filter(Boolean).length / m.cases.length).toBeGreaterThanOrEqual(0.6);
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
  it('a run that trains otherwise than every measured peak of its stack gets their band widened by half, said', () => {
    const adapters = stackMemoryBand('hf', false, true);
    expect(adapters.outside).toEqual([]);
    const full = stackMemoryBand('hf', false, false);
    // hf's peaks are all LoRA/QLoRA: a full fine-tune on hf is outside them.
    expect(full.outside[0]).toMatch(
      /^no measured full-training peak for the hf stack \(its 38 train adapters on a frozen base\): the band is widened by half$/,
    );
    expect(Math.log(full.high / full.low)).toBeCloseTo(1.5 * Math.log(adapters.high / adapters.low), 9);
    // DeepSpeed has both (Qwen's full ZeRO-3 and Q-LoRA runs); torchtitan only full training.
    expect(stackMemoryBand('deepspeed', false, false).outside).toEqual([]);
    expect(stackMemoryBand('deepspeed', false, true).outside).toEqual([]);
    expect(stackMemoryBand('torchtitan', false, true).outside[0]).toMatch(
      /no measured adapter \(frozen-base\) peak for the torchtitan stack \(its 9 train every weight\)/,
    );
    // Without a band there is nothing to widen.
    expect(stackMemoryBand('megatron', false, true).cases).toBe(0);
  });
  it('docs/training-engine.md shows the current calibration', () => {
    const doc = readFileSync('docs/training-engine.md', 'utf8');
    expect(doc).toContain(memoryCalibrationMarkdown());
  });
});
