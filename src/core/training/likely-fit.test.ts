/**
 * The search's tie-break (of equal steps, the least memory) and the plan's likely fit: where the chosen
 * layout's memory band P10 exceeds the GPU, the fastest layout that fits there (plan.ts likelyFitCheck).
 */
import { describe, expect, it } from 'vitest';
import { findCluster, findModel } from '../../catalog/catalog.js';
import { findStack } from '../../catalog/stacks.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { planTraining, type TrainingPlanOptions } from './plan.js';

const llama405b = modelSpecFrom(findModel('llama-3.1-405b').config, 'llama-3.1-405b');
const cluster = findCluster('dgx-h100');
const capacity = cluster.gpu.memoryBytes;
// torchtitan's FSDP over dp × cp: ZeRO-1 and ZeRO-2 step alike under PP, ZeRO-2 holding less.
const options: TrainingPlanOptions = {
  gpus: 512,
  seqLen: 8192,
  globalBatchSize: 512,
  precision: 'bf16',
  optimizer: 'adamw',
  constraints: { tensorParallel: 8, pipelineParallel: 8 },
  stack: findStack('torchtitan'),
};
const plan = planTraining(llama405b, cluster, options);

describe('the layout search ranks by step time, then memory', () => {
  it('of layouts that step exactly as fast, the one holding less memory ranks first', () => {
    const top = plan.search.top;
    expect(top.length).toBeGreaterThan(1);
    for (let i = 1; i < top.length; i += 1) {
      const [a, b] = [top[i - 1]!, top[i]!];
      expect(a.step.stepSeconds).toBeLessThanOrEqual(b.step.stepSeconds);
      if (a.step.stepSeconds === b.step.stepSeconds)
        expect(a.memoryPerGpuBytes).toBeLessThanOrEqual(b.memoryPerGpuBytes);
    }
    // This layout has such a tie (ZeRO-1 keeps the full gradients), and the best is its lighter side.
    const tied = top.filter((e) => e.step.stepSeconds === plan.chosen.step.stepSeconds);
    expect(new Set(tied.map((e) => e.memoryPerGpuBytes)).size).toBeGreaterThan(1);
    expect(plan.chosen.memoryPerGpuBytes).toBe(Math.min(...tied.map((e) => e.memoryPerGpuBytes)));
  });
});

describe('the likely fit: where even the memory band P10 exceeds the GPU', () => {
  // A P10 multiplier under which the chosen layout no longer fits.
  const over = (1.02 * capacity) / plan.chosen.memoryPerGpuBytes;
  it('names the fastest layout that fits at the P10, never faster than the chosen one', () => {
    const check = { single: 1, pipeline: over };
    const p = planTraining(llama405b, cluster, { ...options, likelyFitCheck: check });
    expect(p.chosen.memoryPerGpuBytes).toBe(plan.chosen.memoryPerGpuBytes);
    expect(p.likelyFit?.memoryFit).toEqual(check);
    const best = p.likelyFit!.best!;
    expect(best.memoryPerGpuBytes * over).toBeLessThanOrEqual(capacity);
    expect(best.step.stepSeconds).toBeGreaterThanOrEqual(p.chosen.step.stepSeconds);
    // The same as asking the search to fit at that level (`--memory-fit p10`).
    const asked = planTraining(llama405b, cluster, { ...options, memoryFit: check });
    expect(best.layout).toEqual(asked.chosen.layout);
    // Asked to fit at a level already: nothing more to say.
    expect(
      planTraining(llama405b, cluster, { ...options, memoryFit: check, likelyFitCheck: check }).likelyFit,
    ).toBeNull();
  });
  it('says none fits where no layout does at that level; nothing where the chosen layout fits at it', () => {
    const none = planTraining(llama405b, cluster, {
      ...options,
      likelyFitCheck: { single: 1, pipeline: 20 },
    });
    expect(none.likelyFit).toEqual({ memoryFit: { single: 1, pipeline: 20 }, best: null });
    expect(
      planTraining(llama405b, cluster, { ...options, likelyFitCheck: { single: 1, pipeline: 1 } }).likelyFit,
    ).toBeNull();
    expect(plan.likelyFit).toBeNull();
  });
});
