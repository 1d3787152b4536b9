/**
 * The plan's likely fit: where the chosen layout's memory band P10 exceeds the GPU (it would most likely
 * run out of memory), the fastest layout that fits at the band's P90 (plan.ts likelyFitLevels).
 */
import { describe, expect, it } from 'vitest';
import { findCluster, findModel } from '../../catalog/catalog.js';
import { findStack } from '../../catalog/stacks.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { planTraining, type TrainingPlanOptions } from './plan.js';

const llama405b = modelSpecFrom(findModel('llama-3.1-405b').config, 'llama-3.1-405b');
const cluster = findCluster('dgx-h100');
const capacity = cluster.gpu.memoryBytes;
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
// Band multipliers under which the chosen layout's P10 no longer fits; its P90 a little higher.
const over = (1.02 * capacity) / plan.chosen.memoryPerGpuBytes;
const levels = (check: number, searchAt: number) => ({
  check: { single: 1, pipeline: check },
  searchAt: { single: 1, pipeline: searchAt },
});

describe('the likely fit: where even the memory band P10 exceeds the GPU', () => {
  it('names the fastest layout that fits at the P90, never faster than the chosen one, as --memory-fit p90 plans it', () => {
    const p = planTraining(llama405b, cluster, { ...options, likelyFitLevels: levels(over, 1.1 * over) });
    expect(p.chosen.memoryPerGpuBytes).toBe(plan.chosen.memoryPerGpuBytes);
    expect(p.likelyFit?.memoryFit).toEqual({ single: 1, pipeline: 1.1 * over });
    const best = p.likelyFit!.best!;
    expect(best.memoryPerGpuBytes * 1.1 * over).toBeLessThanOrEqual(capacity);
    expect(best.step.stepSeconds).toBeGreaterThanOrEqual(p.chosen.step.stepSeconds);
    const asked = planTraining(llama405b, cluster, {
      ...options,
      memoryFit: { single: 1, pipeline: 1.1 * over },
    });
    expect(best.layout).toEqual(asked.chosen.layout);
    expect(p.likelyFit!.fixedFlags).toBe(true);
    // Asked to fit at a level already: nothing more to say.
    const fitted = planTraining(llama405b, cluster, {
      ...options,
      memoryFit: { single: 1, pipeline: over },
      likelyFitLevels: levels(over, over),
    });
    expect(fitted.likelyFit).toBeNull();
  });
  it('says none fits where no layout does at that level, and whether flags were fixed; nothing where the P10 fits', () => {
    const none = planTraining(llama405b, cluster, { ...options, likelyFitLevels: levels(over, 20) });
    expect(none.likelyFit).toEqual({ memoryFit: { single: 1, pipeline: 20 }, best: null, fixedFlags: true });
    const free = planTraining(llama405b, cluster, {
      ...options,
      constraints: {},
      likelyFitLevels: { check: { single: 20, pipeline: 20 }, searchAt: { single: 40, pipeline: 40 } },
    });
    expect(free.likelyFit?.fixedFlags).toBe(false);
    expect(free.likelyFit?.best).toBeNull();
    expect(
      planTraining(llama405b, cluster, { ...options, likelyFitLevels: levels(1, 2) }).likelyFit,
    ).toBeNull();
  });
});
