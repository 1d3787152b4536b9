/**
 * A model's own calibration record in the bands (core/uncertainty/model-record.ts): the training
 * records are the stack fits' cases with their leave-one-out residuals, the serving records the
 * engine fits' rows per model and GPU; a prediction for a model whose own runs sit off the band reaches
 * their median and says so, and a model without runs keeps the band.
 */
import { describe, expect, it } from 'vitest';
import { paramCount } from '../core/model/param-count.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';
import { median } from '../core/statistics.js';
import { errorBand } from '../core/training/error-band.js';
import { servingCases } from '../validation/serving-cases.js';
import { servingBand } from './bands.js';
import { findModel } from './catalog.js';
import { engineCalibration, findEngine } from './engines.js';
import { allStackCalibrations, findStack, stackCalibrations } from './stacks.js';

const params = (id: string) => paramCount(modelSpecFrom(findModel(id).config, id)).totalParams;

describe('training bands reach a model’s own runs', () => {
  it('each fit’s records are its cases grouped by model, with their leave-one-out medians', () => {
    for (const c of stackCalibrations().calibrations) {
      const records = findStack(c.stack).calibrations.find((k) => k.family === c.family)!.modelRecords!;
      expect(records.flatMap((r) => r.ids).sort()).toEqual(c.cases.map((k) => k.id).sort());
      for (const r of records) {
        const own = c.cases.flatMap((k, i) => (r.ids.includes(k.id) ? [c.leaveOneOutLogResiduals[i]!] : []));
        expect(
          own.every((_, i) => c.cases.find((k) => k.id === r.ids[i])!.totalParams === r.totalParams),
        ).toBe(true);
        expect(r.median).toBeCloseTo(median(own.map(Math.exp)), 12);
      }
    }
  });

  it("gpt-oss-120b on Megatron × Blackwell reaches its three runs' median; a model without runs keeps the band", () => {
    const calibration = findStack('megatron').calibrations.find((k) => k.family === 'blackwell')!;
    const where = { family: 'blackwell', stack: 'megatron', gpus: 64, moe: true };
    const bare = errorBand(calibration, allStackCalibrations(), where);
    const oss = errorBand(calibration, allStackCalibrations(), { ...where, params: params('gpt-oss-120b') });
    const record = calibration.modelRecords!.find((r) => r.ids.some((id) => id.includes('gpt-oss-120b')))!;
    expect(record.ids).toHaveLength(3);
    expect(record.median).toBeGreaterThan(bare.high);
    expect(oss.high).toBeCloseTo(record.median, 12);
    expect(oss.low).toBe(bare.low);
    expect(oss.outside.join(' ')).toContain('3 runs of a model of this size');
    // Mistral 7B ran no Megatron × Blackwell case: its band is the family's.
    const mistral = errorBand(calibration, allStackCalibrations(), {
      ...where,
      params: params('mistral-7b'),
    });
    expect([mistral.low, mistral.high, mistral.outside]).toEqual([bare.low, bare.high, bare.outside]);
  });
});

describe('serving bands reach a model’s own rows on the same GPU', () => {
  const oss = { totalParams: params('gpt-oss-120b'), contextTokens: 9216, moe: true };

  it('the records are the calibration rows of one model on one GPU, with their medians', () => {
    for (const id of ['trt-llm', 'vllm', 'sglang'] as const) {
      const k = engineCalibration(findEngine(id), 'h100-sxm')!;
      const rows = servingCases().filter((c) => c.engine === id && c.role === 'calibration');
      for (const r of k.fit.modelRecords?.value ?? []) {
        const mine = rows.filter((c) => r.rows.includes(c.id));
        expect(mine.map((c) => c.id).sort(), r.rows.join()).toEqual([...r.rows].sort());
        expect(new Set(mine.map((c) => c.gpu))).toEqual(new Set([r.gpu]));
        expect(r.low).toBeLessThanOrEqual(r.median);
        expect(r.median).toBeLessThanOrEqual(r.high);
      }
    }
  });

  it('gpt-oss-120b on H100 (rows up to 2× slower than calibrated) reaches their median; on H200 the band holds', () => {
    const bare = servingBand('h100-sxm', 'trt-llm');
    const h100 = servingBand('h100-sxm', 'trt-llm', oss);
    const record = engineCalibration(findEngine('trt-llm'), 'h100-sxm')!.fit.modelRecords!.value.find(
      (r) => r.gpu === 'h100-sxm' && r.rows.some((id) => id.includes('gpt-oss-120b')),
    )!;
    expect(record.median).toBeGreaterThan(1.9);
    expect(h100.high).toBeCloseTo(record.median, 12);
    expect(h100.outside.join(' ')).toContain('3 rows of a model of this size');
    expect(h100.outside.join(' ')).toContain('on h100-sxm');
    expect(bare.outside.join(' ')).not.toContain('of a model of this size');
    const h200 = servingBand('h200', 'trt-llm', oss);
    expect([h200.low, h200.high]).toEqual([
      servingBand('h200', 'trt-llm').low,
      servingBand('h200', 'trt-llm').high,
    ]);
  });
});
