import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { modelRecords, reachRecord, recordOf, SAME_MODEL_TOLERANCE } from './model-record.js';

const entries = [
  { id: 'a-b200', totalParams: 116.8e9, timeMultiplier: 1.62 },
  { id: 'a-gb200', totalParams: 116.8e9, timeMultiplier: 1.8 },
  { id: 'a-gb300', totalParams: 116.8e9, timeMultiplier: 1.73 },
  { id: 'b-h100', totalParams: 70.6e9, timeMultiplier: 0.82 },
];

describe("a model's own calibration record", () => {
  it('groups the leave-one-out outcomes by model, each with its median and extremes', () => {
    expect(modelRecords(entries)).toEqual([
      { totalParams: 116.8e9, median: 1.73, low: 1.62, high: 1.8, ids: ['a-b200', 'a-gb200', 'a-gb300'] },
      { totalParams: 70.6e9, median: 0.82, low: 0.82, high: 0.82, ids: ['b-h100'] },
    ]);
  });

  it('keeps a record per GPU where the entries name one, and matches it only there', () => {
    const records = modelRecords([
      { id: 'h200', totalParams: 1e9, gpu: 'h200', timeMultiplier: 0.9 },
      { id: 'h100', totalParams: 1e9, gpu: 'h100-sxm', timeMultiplier: 2 },
    ]);
    expect(recordOf(records, 1e9, 'h100-sxm')?.ids).toEqual(['h100']);
    expect(recordOf(records, 1e9, 'h200')?.ids).toEqual(['h200']);
    expect(recordOf(records, 1e9, 'b200')).toBeUndefined();
  });

  it('matches a model by its total parameters within the tolerance, and nothing else', () => {
    const records = modelRecords(entries);
    expect(recordOf(records, 116.8e9 * (1 + SAME_MODEL_TOLERANCE / 2))?.ids).toHaveLength(3);
    expect(recordOf(records, 116.8e9 * (1 + 2 * SAME_MODEL_TOLERANCE))).toBeUndefined();
    // Qwen2.5-72B is not Llama 3 70B: 3% apart.
    expect(recordOf(records, 72.7e9)).toBeUndefined();
    expect(recordOf(records, undefined)).toBeUndefined();
    expect(recordOf(undefined, 70.6e9)).toBeUndefined();
  });

  it("stretches a band to the median of the model's runs and says so, naming them", () => {
    const [record] = modelRecords(entries);
    const reached = reachRecord({ low: 0.8, high: 1.4 }, record, 'megatron × blackwell');
    expect(reached.low).toBe(0.8);
    expect(reached.high).toBe(1.73);
    expect(reached.statement).toContain('3 runs of a model of this size (116.80B parameters)');
    expect(reached.statement).toContain('+62.0% to +80.0% (median +73.0%)');
    expect(reached.statement).toContain('a-b200, a-gb200, a-gb300');
    // One run: the band reaches it.
    const lone = reachRecord({ low: 0.9, high: 1.2 }, modelRecords(entries)[1], 'x');
    expect(lone.low).toBe(0.82);
    expect(lone.statement).toContain('1 run of a model');
  });

  it('leaves a band that holds the median as it is, without a statement, however far the extremes', () => {
    const [record] = modelRecords([
      { id: 'a', totalParams: 1e9, timeMultiplier: 0.7 },
      { id: 'b', totalParams: 1e9, timeMultiplier: 1.02 },
      { id: 'c', totalParams: 1e9, timeMultiplier: 1.5 },
    ]);
    expect(reachRecord({ low: 0.85, high: 1.2 }, record, 'x')).toEqual({
      low: 0.85,
      high: 1.2,
      statement: null,
    });
    expect(reachRecord({ low: 0.9, high: 1.1 }, undefined, 'x')).toEqual({
      low: 0.9,
      high: 1.1,
      statement: null,
    });
  });

  const band = fc
    .tuple(fc.double({ min: 0.3, max: 1.2, noNaN: true }), fc.double({ min: 1.01, max: 3, noNaN: true }))
    .map(([low, spread]) => ({ low, high: low * spread }));
  const multipliers = fc.array(fc.double({ min: 0.2, max: 5, noNaN: true }), { minLength: 1, maxLength: 6 });

  test.prop([band, multipliers])(
    "the reached band holds the band and the record's median, and never narrows",
    (b, ms) => {
      const [record] = modelRecords(ms.map((m, i) => ({ id: `r${i}`, totalParams: 1e9, timeMultiplier: m })));
      const reached = reachRecord(b, record, 'x');
      expect(reached.low).toBeLessThanOrEqual(b.low);
      expect(reached.high).toBeGreaterThanOrEqual(b.high);
      expect(record!.median).toBeGreaterThanOrEqual(reached.low);
      expect(record!.median).toBeLessThanOrEqual(reached.high);
      expect(reached.statement === null).toBe(reached.low === b.low && reached.high === b.high);
    },
  );
});
