import { describe, expect, it } from 'vitest';
import { metricBand, runTrainingCase, trainingCases } from './training-cases.js';

const byId = (id: string) => {
  const c = trainingCases().find((x) => x.id === id);
  if (!c) throw new Error(`no case ${id}`);
  return c;
};

describe('training cases on a named stack', () => {
  it('a time-like metric scales the prediction by the band; a rate divides it', () => {
    const hours = runTrainingCase(byId('bloom-176b-gpu-hours'));
    const rate = runTrainingCase(byId('bloom-176b-tflops'));
    const h = metricBand(hours)!;
    const r = metricBand(rate)!;
    expect(h.p10).toBeCloseTo(hours.predicted * hours.band!.low, 6);
    expect(h.p90).toBeCloseTo(hours.predicted * hours.band!.high, 6);
    expect(r.p10).toBeCloseTo(rate.predicted / rate.band!.high, 6);
    expect(r.p90).toBeCloseTo(rate.predicted / rate.band!.low, 6);
    expect(h.inside).toBe(hours.case.published >= h.p10 && hours.case.published <= h.p90);
  });
  it('a case without a stack has no band, and naming the stack changes the run', () => {
    const c = byId('gpt-neox-20b-tflops');
    const bare = runTrainingCase({ ...c, stack: undefined });
    expect(bare.band).toBeNull();
    expect(metricBand(bare)).toBeNull();
    const onStack = runTrainingCase(c);
    expect(onStack.band).not.toBeNull();
    expect(onStack.predicted).not.toBe(bare.predicted);
  });
  it('a run that reduces gradients after the pipeline flush is no faster than one that overlaps them', () => {
    const c = byId('bloom-176b-tflops');
    const flushed = runTrainingCase(c);
    const overlapped = runTrainingCase({ ...c, training: { ...c.training, overlapDataParallel: true } });
    expect(flushed.step.stepSeconds).toBeGreaterThanOrEqual(overlapped.step.stepSeconds);
  });
});
