/**
 * A stack's gradient reduction dtype (catalog `gradientReduction`) reaches the step: the FSDP stacks that
 * reduce-scatter in FP32 move twice the bytes of a BF16 reduction unless the run says otherwise.
 */
import { describe, expect, it } from 'vitest';
import { findCluster, findModel } from '../../src/catalog/catalog.js';
import { modelSpecFrom } from '../../src/core/model/resolve-model.js';
import { planTraining } from '../../src/core/training/plan.js';
import { uncalibrated } from '../../src/validation/calibration-case.js';
import { llama8bRun } from '../fixtures.js';

const llama8b = modelSpecFrom(findModel('llama-3-8b').config, 'llama-3-8b');

describe('a stack’s gradient reduction dtype reaches the step (gradientReduction)', () => {
  it('torchtitan reduce-scatters in FP32 unless the run says otherwise: twice the exposed gradient traffic when nothing overlaps', () => {
    const cluster = findCluster('dgx-h100');
    const run = {
      ...llama8bRun,
      constraints: { dataParallel: 16, tensorParallel: 1, pipelineParallel: 1, zeroStage: 2 as const },
      overlapDataParallel: false,
      stack: uncalibrated('torchtitan'),
    };
    const dp = (o: { gradReduceInFp32?: boolean }) =>
      planTraining(llama8b, cluster, { ...run, ...o }).chosen.step.breakdown.dataParallelCommSeconds;
    expect(dp({})).toBeCloseTo(dp({ gradReduceInFp32: true }), 12);
    expect(dp({})).toBeGreaterThan(1.3 * dp({ gradReduceInFp32: false }));
  });
});
