/**
 * Serving bands come from calibration residuals: for vLLM and SGLang on A100 (pooled over A100 and
 * Hopper, too few A100 rows for a fit of their own) the band is the P10–P90 of the stored leave-one-out and held-out residuals,
 * the held-out residuals are what the engine predicts today, and a family without rows is marked as
 * extrapolated with a wider band.
 */
import { describe, expect, it } from 'vitest';
import { percentile } from '../core/statistics.js';
import {
  FITTED_MEASURES,
  publishedOverPredictedSpeed,
  runServingCase,
  servingCases,
} from '../validation/serving-cases.js';
import { oneSidedBandStatement, servingBand } from './bands.js';
import { engineCalibration, engineForGpu, findEngine, MIN_MOE_ROWS } from './engines.js';

describe('serving bands from calibration residuals', () => {
  for (const [id, gpu, family, over] of [
    ['vllm', 'a100-80gb', 'ampere', ['ampere', 'hopper']],
    ['sglang', 'a100-80gb', 'ampere', ['ampere', 'hopper']],
  ] as const)
    it(`${id}: the pooled band on ${family} is the P10–P90 of its residuals; held-out residuals are today's predictions`, () => {
      const engine = findEngine(id);
      const k = engineCalibration(engine, gpu);
      expect(k?.scope).toBe('pooled');
      expect(k?.pooledOver).toEqual(over);
      const residuals = k!.fit.residuals!;
      // The pooled fit covers every row of the engine, fitted or held out, of a fitted measure.
      const cases = servingCases().filter((c) => c.engine === id && FITTED_MEASURES.includes(c.measure));
      expect(Object.keys(residuals).sort()).toEqual(cases.map((c) => c.id).sort());
      const ratios = Object.values(residuals)
        .map((r) => r.value)
        .sort((a, b) => a - b);
      // The band is stored to 4 significant digits (≤ 0.0005 here) from residuals stored to 6, whose own
      // rounding can carry a value across a 4-digit boundary.
      for (const [stored, q] of [
        [k!.fit.ratioP10.value, 0.1],
        [k!.fit.ratioP90.value, 0.9],
      ] as const)
        expect(Math.abs(stored - percentile(ratios, q))).toBeLessThanOrEqual(0.0006);
      // Held-out rows on the families that use this pooled fit are predicted with it today.
      const pooledFamily = (g: string) => engineCalibration(engine, g)?.scope !== 'family';
      for (const c of cases.filter((c) => c.role === 'validation' && pooledFamily(c.gpu))) {
        const ratio = publishedOverPredictedSpeed(c, runServingCase(c).error);
        expect(residuals[c.id]!.value, c.id).toBeCloseTo(ratio, 4);
      }
      // The profile carries the fitted host overheads (ms per step, µs per sequence); the band says it is pooled.
      expect(engineForGpu(engine, gpu).stepOverheadSeconds).toBeCloseTo(k!.stepOverhead.value / 1e3, 12);
      expect(engineForGpu(engine, gpu).sequenceOverheadSeconds).toBeCloseTo(
        k!.sequenceOverhead.value / 1e6,
        12,
      );
      const band = servingBand(gpu, id);
      expect(band.low).toBeCloseTo(1 / k!.fit.ratioP90.value, 9);
      expect(band.high).toBeCloseTo(1 / k!.fit.ratioP10.value, 9);
      expect(band.outside.join(' ')).toContain(`too few ${id} rows on ${family} GPUs`);
    });
  for (const [id, rows] of [
    ['sglang', 7],
    ['vllm', 6],
  ] as const)
    it(`${id} on Hopper has rows enough for a fit of its own, with its held-out rows in the band`, () => {
      const k = engineCalibration(findEngine(id), 'h200');
      expect(k?.scope).toBe('family');
      expect(k!.fit.heldOutRows?.value).toBeGreaterThanOrEqual(5);
      // Nothing extrapolated; only the one-sided statement where the band leaves the estimate out (SGLang's today).
      expect(servingBand('h200', id).outside.filter((o) => !o.includes('lies outside its own band'))).toEqual(
        [],
      );
      expect(servingBand('h200', id).basis).toMatch(
        new RegExp(`^${id} × hopper leave-one-out residuals \\(${rows} rows\\) and \\d+ held-out rows`),
      );
    });
  it("a band leaving a row's residual out is the P10–P90 of the others; an id outside the fit leaves it as committed", () => {
    const k = engineCalibration(findEngine('vllm'), 'h100-sxm')!;
    const residuals = Object.entries(k.fit.residuals!);
    // The slowest row against its prediction: leaving it out can only move the slow end in.
    const [slowest] = residuals.reduce((a, b) => (b[1].value < a[1].value ? b : a));
    const rest = residuals
      .filter(([id]) => id !== slowest)
      .map(([, r]) => r.value)
      .sort((x, y) => x - y);
    const without = servingBand('h100-sxm', 'vllm', undefined, slowest);
    expect(1 / without.high).toBeCloseTo(percentile(rest, 0.1), 9);
    expect(1 / without.low).toBeCloseTo(percentile(rest, 0.9), 9);
    expect(without.high).toBeLessThanOrEqual(servingBand('h100-sxm', 'vllm').high);
    expect(servingBand('h100-sxm', 'vllm', undefined, 'not-a-row')).toEqual(servingBand('h100-sxm', 'vllm'));
  });
  it('one held-out row is counted as one row', () => {
    expect(engineCalibration(findEngine('trt-llm'), 'h200')!.fit.heldOutRows?.value).toBe(1);
    expect(servingBand('h200', 'trt-llm').basis).toMatch(/ and 1 held-out row(?!s)/);
  });
  it('a family without rows extrapolates the pooled fit with a wider band, and says so', () => {
    const pooled = servingBand('a100-80gb', 'vllm');
    const blackwell = servingBand('b200', 'vllm');
    expect(engineCalibration(findEngine('vllm'), 'b200')?.scope).toBe('extrapolated');
    expect(blackwell.high / blackwell.low).toBeCloseTo((pooled.high / pooled.low) ** 2, 9);
    expect(blackwell.outside.join(' ')).toMatch(/no serving calibration for vllm on blackwell GPUs/);
  });
  it('a model below half the smallest calibration row widens the band by half, and says so', () => {
    const smallest = engineCalibration(findEngine('trt-llm'), 'h200')!.fit.minTotalParams!.value;
    const at = (totalParams: number) => servingBand('h200', 'trt-llm', { totalParams, contextTokens: 9216 });
    expect(at(smallest).outside).toEqual([]);
    const tiny = at(38_000);
    expect(tiny.outside.join(' ')).toMatch(
      /38.00K-parameter model is below the trt-llm calibration rows \(from /,
    );
    const base = at(smallest);
    expect(Math.log(tiny.high / tiny.low)).toBeCloseTo(1.5 * Math.log(base.high / base.low), 9);
  });
  it('a model or context beyond twice the largest calibration row widens the band by half each, and says so', () => {
    const inside = servingBand('h200', 'trt-llm', { totalParams: 70e9, contextTokens: 9216 });
    expect(inside.outside).toEqual([]);
    const base = Math.log(inside.high / inside.low);
    const long = servingBand('h200', 'trt-llm', { totalParams: 70e9, contextTokens: 1_000_000 });
    expect(long.outside.join(' ')).toMatch(
      /1.00M-token context is beyond the trt-llm calibration rows \(up to 33.79K\)/,
    );
    expect(Math.log(long.high / long.low)).toBeCloseTo(1.5 * base, 9);
    const both = servingBand('h200', 'trt-llm', { totalParams: 2e12, contextTokens: 1_000_000 });
    expect(both.outside).toHaveLength(2);
    expect(Math.log(both.high / both.low)).toBeCloseTo(2.25 * base, 9);
    // The centre (geometric mean) stays: only the width grows.
    expect(Math.sqrt(both.low * both.high)).toBeCloseTo(Math.sqrt(inside.low * inside.high), 9);
  });
  it('layers of a kind none of the rows ran widen the band by half, and say so', () => {
    const attention = [{ kind: 'full', label: 'full attention' }];
    const inside = servingBand('h200', 'vllm', { totalParams: 70e9, contextTokens: 9216, mixers: attention });
    expect(inside.outside).toEqual([]);
    const mamba = [...attention, { kind: 'mamba', label: 'state-space (Mamba-1)' }];
    const hybrid = servingBand('h200', 'vllm', { totalParams: 70e9, contextTokens: 9216, mixers: mamba });
    expect(hybrid.outside.join(' ')).toMatch(
      /its state-space \(Mamba-1\) layers are of a kind none of the vllm calibration rows ran \(theirs: full, sliding\)/,
    );
    expect(Math.log(hybrid.high / hybrid.low)).toBeCloseTo(1.5 * Math.log(inside.high / inside.low), 9);
  });
  it('a MoE model on an engine whose family fit saw too few MoE rows widens the band by half, and says so', () => {
    const scale = { totalParams: 70e9, contextTokens: 9216 };
    const dense = servingBand('h200', 'vllm', scale);
    const moe = servingBand('h200', 'vllm', { ...scale, moe: true });
    expect(engineCalibration(findEngine('vllm'), 'h200')!.fit.moeRows!.value).toBeLessThan(MIN_MOE_ROWS);
    expect(moe.outside.join(' ')).toMatch(
      /4 of the vllm calibration rows on hopper GPUs are mixture-of-experts models \(a fit needs 6\): the engine's MoE decode term is not calibrated/,
    );
    expect(Math.log(moe.high / moe.low)).toBeCloseTo(1.5 * Math.log(dense.high / dense.low), 9);
    // TensorRT-LLM's Hopper fit saw enough MoE rows: its MoE term is fitted and nothing is said.
    const trt = engineCalibration(findEngine('trt-llm'), 'h200')!;
    expect(trt.fit.moeRows!.value).toBeGreaterThanOrEqual(MIN_MOE_ROWS);
    expect(engineForGpu(findEngine('trt-llm'), 'h200').moeSequenceLayerSeconds).toBeCloseTo(
      trt.moeSequenceLayerOverhead.value / 1e6,
      15,
    );
    expect(servingBand('h200', 'trt-llm', { ...scale, moe: true }).outside).toEqual([]);
  });
  it('a band that leaves its own estimate out (P10 and P90 on one side) says so; one that holds it does not', () => {
    expect(oneSidedBandStatement(0.9, 1.1, 'x')).toBeNull();
    expect(oneSidedBandStatement(1.02, 1.39, 'sglang × hopper')).toBe(
      "sglang × hopper's rows ran slower than predicted at P10 and P90 alike (times × 1.02–1.39): this estimate is optimistic and lies outside its own band; plan on the band",
    );
    expect(oneSidedBandStatement(0.7, 0.95, 'x')).toMatch(/ran faster .* pessimistic/);
    // Every engine × GPU the catalog bands: the statement exactly where the band excludes the estimate.
    for (const engine of ['trt-llm', 'vllm', 'sglang'])
      for (const gpu of ['a100-80gb', 'h100-sxm', 'h200', 'h20', 'b200', 'gb200', 'mi300x', 'l40s']) {
        const b = servingBand(gpu, engine);
        const said = b.outside.some((o) => o.includes('lies outside its own band'));
        expect(said, `${engine} on ${gpu}`).toBe(b.low > 1 || b.high < 1);
      }
  });
  it('TensorRT-LLM keeps its own fit per family', () => {
    expect(engineCalibration(findEngine('trt-llm'), 'h200')?.scope).toBe('family');
    expect(servingBand('h200', 'trt-llm').outside).toEqual([]);
  });
  it('a pipeline beyond the depth the held-out rows validate (PP4) is said so and widened by half', () => {
    const scale = { totalParams: 70e9, contextTokens: 2000 };
    const plain = servingBand('h200', 'vllm', scale);
    const four = servingBand('h200', 'vllm', { ...scale, pipelineParallel: 4 });
    const eight = servingBand('h200', 'vllm', { ...scale, pipelineParallel: 8 });
    expect(plain.outside).toEqual([]);
    expect(four.outside).toEqual([
      expect.stringMatching(/^a pipeline of 4 stages: no vllm calibration row runs one/),
    ]);
    expect([four.low, four.high]).toEqual([plain.low, plain.high]);
    expect(eight.outside[0]).toMatch(/the band is widened by half$/);
    expect(eight.low).toBeLessThan(plain.low);
    expect(eight.high).toBeGreaterThan(plain.high);
  });
});
