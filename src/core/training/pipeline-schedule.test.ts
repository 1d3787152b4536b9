/** Each schedule's bubble against its paper, with a worked example each. */
import { describe, expect, it } from 'vitest';
import { findCluster, findModel } from '../../catalog/catalog.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { DEFAULT_LAYOUT } from '../parallelism/layout.js';
import { pipelineBubbleSeconds } from './pipeline-schedule.js';
import { trainingStepTime } from './step-time.js';

// One micro-batch: forward 1 s, full backward 2 s of which the weight gradients are 1 s.
const times = { forwardSeconds: 1, backwardSeconds: 2, weightGradientSeconds: 1, virtualStages: 1 };

describe('pipeline bubbles', () => {
  it('1F1B: (p−1)(F+B) (Narayanan et al. 2021, Sec. 2.2.1): p=4 → 3·3 = 9 s', () => {
    expect(pipelineBubbleSeconds({ ...times, schedule: '1f1b', stages: 4 })).toBe(9);
  });
  it('interleaved: (p−1)(F+B)/v (Narayanan et al. 2021, Sec. 2.2.2): p=4, v=2 → 9/2 = 4.5 s', () => {
    expect(pipelineBubbleSeconds({ ...times, schedule: 'interleaved', stages: 4, virtualStages: 2 })).toBe(
      4.5,
    );
  });
  it('ZB-H1: (p−1)(T_F + T_B − T_W) with T_B input gradients only (Qi et al. 2023, Sec. 3.1): a third of 1F1B when F = B_input = W', () => {
    // T_F = T_B = T_W = 1: (4−1)(1 + 1 − 1) = 3 s, vs 1F1B's (4−1)(1 + 2) = 9 s.
    expect(pipelineBubbleSeconds({ ...times, schedule: 'zero-bubble', stages: 4 })).toBe(3);
  });
  it('DualPipe: (PP/2 − 1)(F&B + B − 3W) (DeepSeek-V3 Table 2): PP=8 → 3·(3 + 2 − 3) = 6 s', () => {
    expect(pipelineBubbleSeconds({ ...times, schedule: 'dualpipe', stages: 8 })).toBe(6);
  });
  it('one stage has no bubble; no schedule gives a negative bubble', () => {
    for (const schedule of ['1f1b', 'interleaved', 'zero-bubble', 'dualpipe'] as const) {
      expect(pipelineBubbleSeconds({ ...times, schedule, stages: 1 })).toBe(0);
      expect(
        pipelineBubbleSeconds({
          ...times,
          weightGradientSeconds: 2,
          forwardSeconds: 0.1,
          schedule,
          stages: 8,
        }),
      ).toBeGreaterThanOrEqual(0);
    }
  });
  it('the training step uses the schedule: its 1F1B bubble is (p−1)(t_f + t_b) of its own micro-batch times', () => {
    const spec = modelSpecFrom(findModel('llama-3-8b').config, 'llama-3-8b');
    const step = trainingStepTime(
      spec,
      findCluster('dgx-h100'),
      { ...DEFAULT_LAYOUT, pipelineParallel: 4, dataParallel: 2 },
      { seqLen: 4096, globalBatchSize: 64, precision: 'bf16', optimizer: 'adamw' },
    );
    const expected = 3 * (step.microbatchForwardSeconds + step.microbatchBackwardSeconds);
    expect(step.breakdown.pipelineBubbleSeconds).toBeCloseTo(expected, 12);
  });
});
