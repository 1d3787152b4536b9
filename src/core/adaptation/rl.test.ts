import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { testCost } from '../../../test/fixtures.js';
import { findCluster, findModel } from '../../catalog/catalog.js';
import { InputError } from '../errors.js';
import { generationTime } from '../inference/generation.js';
import { expectedExpertsTouched, servingStepSeconds } from '../inference/serving-step.js';
import { paramCount } from '../model/param-count.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { planRl, type RlOptions } from './rl.js';

const cluster = findCluster('dgx-h100');
const spec = (id: string) => modelSpecFrom(findModel(id).config, id);
const qwen = spec('qwen2.5-7b');
const cost = testCost;
const base: RlOptions = {
  promptsPerStep: 32,
  samplesPerPrompt: 8,
  promptTokens: 256,
  responseTokens: 1024,
  steps: 10,
  method: 'full',
  rank: 16,
  targets: ['q', 'k', 'v', 'o'],
  gpus: 8,
  reference: true,
  rewardModel: null,
  rolloutWeights: 'bf16',
  rolloutKv: 'bf16',
  constraints: {},
  cost,
};

describe('generation', () => {
  it('a decode step is never faster than reading the weights once (memory roofline)', () => {
    const weights = paramCount(qwen).totalParams * 2;
    const step = servingStepSeconds(
      qwen,
      cluster,
      { tensorParallel: 1, expertParallel: 1, weightFormat: 'bf16', kvFormat: 'bf16' },
      { decodeSequences: 1, tokensPerSequence: 1, context: 1024, prefillTokens: 0, prefillContext: 0 },
    );
    expect(step).toBeGreaterThan(weights / cluster.gpu.memoryBytesPerSecond);
  });
  it('MoE decode reads the experts its batch reaches: 1 token → top-k, many → all', () => {
    expect(expectedExpertsTouched(256, 8, 1)).toBeCloseTo(8, 10);
    expect(expectedExpertsTouched(256, 8, 10_000)).toBeCloseTo(256, 6);
  });
  test.prop([fc.integer({ min: 1, max: 256 }), fc.integer({ min: 1, max: 256 })])(
    'more sequences never take less time',
    (a, b) => {
      const [lo, hi] = a < b ? [a, b] : [b, a];
      const time = (n: number) =>
        generationTime(qwen, cluster, {
          gpus: 8,
          sequences: n,
          promptTokens: 256,
          outputTokens: 512,
          weightFormat: 'bf16',
          kvFormat: 'bf16',
        })!.seconds;
      expect(time(hi)).toBeGreaterThanOrEqual(time(lo) - 1e-12);
    },
  );
});

describe('GRPO plan', () => {
  it('a step is the sum of its phases; cost = GPU-hours × price', () => {
    const plan = planRl(qwen, cluster, base);
    const s = plan.step;
    expect(s.stepSeconds).toBeCloseTo(
      s.generation.seconds + s.trainingSeconds + s.referenceSeconds + s.rewardSeconds,
      9,
    );
    expect(plan.costUsd).toBeCloseTo(plan.gpuHours * 2, 6);
    expect(plan.gpuHours).toBeCloseTo((10 * s.stepSeconds * 8) / 3600, 6);
  });
  it('more samples per prompt raise generation and training time; no reference removes its pass', () => {
    const small = planRl(qwen, cluster, base).step;
    const large = planRl(qwen, cluster, { ...base, samplesPerPrompt: 16 }).step;
    expect(large.generation.seconds).toBeGreaterThan(small.generation.seconds);
    expect(large.trainingSeconds).toBeGreaterThan(small.trainingSeconds);
    expect(planRl(qwen, cluster, { ...base, reference: false }).step.referenceSeconds).toBe(0);
  });
  it('a LoRA policy update is faster than a full one', () => {
    expect(planRl(qwen, cluster, { ...base, method: 'lora' }).step.trainingSeconds).toBeLessThan(
      planRl(qwen, cluster, base).step.trainingSeconds,
    );
  });
  it('bad inputs name the flag', () => {
    expect(() => planRl(qwen, cluster, { ...base, promptsPerStep: 0 })).toThrowError(
      '--prompts: must be a whole number ≥ 1, got 0',
    );
    expect(() => planRl(spec('llama-2-7b'), cluster, { ...base, responseTokens: 8192 })).toThrowError(
      InputError,
    );
    expect(() => planRl(spec('llama-2-7b'), cluster, { ...base, responseTokens: 8192 })).toThrowError(
      "--response-tokens: prompt + response (8448) exceed llama-2-7b's maximum context of 4096 tokens",
    );
  });
});
