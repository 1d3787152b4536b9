import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { testCost } from '../../../test/fixtures.js';
import { findCluster, findModel } from '../../catalog/catalog.js';
import { findStack } from '../../catalog/stacks.js';
import { DoesNotFitError, InputError } from '../errors.js';
import { generationTime } from '../inference/generation.js';
import { expectedExpertsTouched, servingStepSeconds } from '../inference/serving-step.js';
import { memorySequenceTokens } from '../memory/memory-sequence.js';
import { trainingMemory } from '../memory/training-memory.js';
import { paramCount } from '../model/param-count.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { lognormalFromMeanAndQuantile } from '../uncertainty/distributions.js';
import { planRl, type RlOptions } from './rl.js';
import { longestSequenceText } from './rl-policy-update.js';
import { responseLengths } from './rl-rollout.js';
import { weightSyncSeconds } from './rl-weight-sync.js';

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
      s.generation.seconds +
        s.weightSync.seconds +
        s.oldLogprobSeconds +
        s.trainingSeconds +
        s.referenceSeconds +
        s.rewardSeconds,
      9,
    );
    expect(plan.costUsd).toBeCloseTo(plan.gpuHours * 2, 6);
    expect(plan.gpuHours).toBeCloseTo((10 * s.stepSeconds * 8) / 3600, 6);
    // The loop's fixed seconds add once per step; the rollout scale multiplies the rollout alone.
    const calibrated = planRl(qwen, cluster, { ...base, rolloutTimeScale: 2, loopOverheadSeconds: 40 }).step;
    expect(calibrated.loopOverheadSeconds).toBe(40);
    expect(calibrated.generation.seconds).toBeCloseTo(2 * s.generation.seconds, 9);
    expect(calibrated.stepSeconds).toBeCloseTo(s.stepSeconds + s.generation.seconds + 40, 9);
  });
  it('a fixed rollout TP is the replica shape; one that does not divide the GPUs is refused', () => {
    const g = planRl(qwen, cluster, { ...base, rolloutTensorParallel: 4 }).step.generation;
    expect(g).toMatchObject({ tensorParallel: 4, expertParallel: 1, replicas: 2 });
    expect(() => planRl(qwen, cluster, { ...base, rolloutTensorParallel: 3 })).toThrowError(
      '--rollout-tp: must be a whole number ≥ 1 that divides the 8 rollout GPUs, got 3',
    );
  });
  it('more samples per prompt raise generation and training time; no reference removes its pass', () => {
    const small = planRl(qwen, cluster, base).step;
    const large = planRl(qwen, cluster, { ...base, samplesPerPrompt: 16 }).step;
    expect(large.generation.seconds).toBeGreaterThan(small.generation.seconds);
    expect(large.trainingSeconds).toBeGreaterThan(small.trainingSeconds);
    expect(planRl(qwen, cluster, { ...base, reference: false }).step.referenceSeconds).toBe(0);
  });
  it('a LoRA policy update is faster than a full one and syncs only the adapters', () => {
    const lora = planRl(qwen, cluster, { ...base, method: 'lora' }).step;
    const full = planRl(qwen, cluster, base).step;
    expect(lora.trainingSeconds).toBeLessThan(full.trainingSeconds);
    expect(lora.weightSync.bytes).toBeLessThan(full.weightSync.bytes / 10);
    expect(full.weightSync.bytes).toBe(paramCount(qwen).totalParams * 2);
  });
  it('a long tail at the same mean slows the rollout; the cut responses keep the stated mean', () => {
    const fixed = planRl(qwen, cluster, base).step.generation;
    const tail = planRl(qwen, cluster, { ...base, responseTokensP99: 4096, maxResponseTokens: 8192 }).step
      .generation;
    expect(tail.seconds).toBeGreaterThan(fixed.seconds);
    expect(tail.meanResponseTokens).toBeCloseTo(1024, -1);
    expect(tail.longestResponseTokens).toBeLessThanOrEqual(8192);
    expect(tail.longestResponseTokens).toBeGreaterThan(2048);
    // The tail decodes at a small batch: the last 10% of responses take a large share of the rollout.
    expect(tail.p90CompletionSeconds).toBeLessThan(0.9 * tail.seconds);
  });
  it('separate pools: synchronous steps add up with idle pools; one step off-policy overlaps them', () => {
    const sep = { ...base, placement: 'separate' as const, rolloutGpus: 8 };
    const sync = planRl(qwen, cluster, sep);
    const off = planRl(qwen, cluster, { ...sep, asyncSteps: 1 });
    const s = sync.step;
    expect(s.stepSeconds).toBeCloseTo(s.generation.seconds + s.weightSync.seconds + s.trainerSeconds, 9);
    // One step off (NeMo RL's async GRPO with in-flight weight updates): the batch of step n starts
    // when the weights of step n − 1 land, so P = max(trainer + sync, (rollout + loop + trainer +
    // sync) / 2, the engine's rate with the next batch queued).
    const o = off.step;
    const trainerSide = o.trainerSeconds + o.weightSync.seconds;
    expect(o.streamedRolloutSeconds).not.toBeNull();
    expect(o.streamedRolloutSeconds!).toBeGreaterThanOrEqual(0);
    expect(o.stepSeconds).toBeCloseTo(
      Math.max(
        trainerSide,
        (o.generation.seconds + o.loopOverheadSeconds + trainerSide) / 2,
        o.streamedRolloutSeconds!,
      ),
      9,
    );
    expect(s.streamedRolloutSeconds).toBeNull();
    // More steps of staleness never slow the step (k + 1 steps to generate each batch).
    expect(planRl(qwen, cluster, { ...sep, asyncSteps: 2 }).step.stepSeconds).toBeLessThanOrEqual(
      o.stepSeconds + 1e-9,
    );
    expect(off.step.stepSeconds).toBeLessThan(s.stepSeconds);
    expect(s.idleFraction.rollout).toBeGreaterThan(0);
    expect(s.idleFraction.training).toBeGreaterThan(0);
    expect(Math.min(off.step.idleFraction.rollout, off.step.idleFraction.training)).toBeGreaterThanOrEqual(0);
    // Every GPU of both pools is paid for the whole run.
    expect(sync.totalGpus).toBe(16);
    expect(sync.gpuHours).toBeCloseTo((10 * s.stepSeconds * 16) / 3600, 6);
    // Across the network the weights take longer than over NVLink inside the node.
    expect(s.weightSync.transferSeconds).toBeGreaterThan(
      planRl(qwen, cluster, base).step.weightSync.transferSeconds,
    );
  });
  it('separate pools: the weight broadcast runs over NVLink inside a node and leaves a node through all of its NICs', () => {
    const bytes = 1.342e12; // DeepSeek-V3 in BF16
    const sync = (trainingGpus: number, rolloutGpus: number) =>
      weightSyncSeconds(cluster, {
        placement: 'separate',
        trainingGpus,
        rolloutGpus,
        bytes,
        reloadBytesPerSecond: 0,
      }).transferSeconds;
    const nvlink = cluster.scaleUp.bytesPerSecond * cluster.scaleUp.efficiency;
    const nics = cluster.gpusPerNode * cluster.scaleOut.bytesPerSecond * cluster.scaleOut.efficiency;
    expect(sync(4, 4)).toBeCloseTo(bytes / nvlink, 3);
    expect(sync(256, 256)).toBeCloseTo(bytes / Math.min(nvlink, nics), 3);
    // The bytes pass once through each link: more receivers do not add time.
    expect(sync(256, 256)).toBeCloseTo(sync(8, 8), 3);
    // Faster than one NIC alone (last round's model), slower than NVLink inside one node.
    expect(sync(256, 256)).toBeLessThan(
      bytes / (cluster.scaleOut.bytesPerSecond * cluster.scaleOut.efficiency),
    );
    expect(sync(256, 256)).toBeGreaterThanOrEqual(sync(4, 4));
  });
  it('bad inputs name the flag', () => {
    expect(() => planRl(qwen, cluster, { ...base, promptsPerStep: 0 })).toThrowError(
      '--prompts: must be a whole number ≥ 1, got 0',
    );
    expect(() => planRl(spec('llama-2-7b'), cluster, { ...base, responseTokens: 8192 })).toThrowError(
      InputError,
    );
    expect(() => planRl(spec('llama-2-7b'), cluster, { ...base, responseTokens: 8192 })).toThrowError(
      "--response-tokens: prompt + response (8448) exceed llama-2-7b's maximum context of 4096 tokens, where a rollout engine stops generating (vLLM's max_model_len); give at most 3840 response tokens for 256 prompt tokens",
    );
    expect(() => planRl(qwen, cluster, { ...base, rolloutGpus: 8 })).toThrowError('--rollout-gpus');
    expect(() => planRl(qwen, cluster, { ...base, asyncSteps: 1 })).toThrowError('--async-steps');
    expect(() => planRl(qwen, cluster, { ...base, placement: 'separate' })).toThrowError('--rollout-gpus');
    expect(() => planRl(qwen, cluster, { ...base, responseTokensP99: 1000 })).toThrowError('--response-p99');
    expect(() => planRl(qwen, cluster, { ...base, responseTokensP99: 100_000 })).toThrowError(
      '--response-p99: must lie above the mean response length (1024 tokens) and at most e^(z²/2) = 14.9× it (15327), got 100000',
    );
    expect(() => planRl(qwen, cluster, { ...base, maxResponseTokens: 512 })).toThrowError(
      '--max-response-tokens',
    );
    expect(() => planRl(qwen, cluster, { ...base, loopOverheadSeconds: -1 })).toThrowError(
      'loopOverheadSeconds: must be a number ≥ 0, got -1',
    );
    // A step too large to simulate is refused before anything is drawn.
    expect(() =>
      planRl(qwen, cluster, { ...base, promptsPerStep: 1_000_000, samplesPerPrompt: 64 }),
    ).toThrowError(
      '--prompts: prompts × samples per prompt make 64,000,000 sequences a step, more than the 1,000,000',
    );
    expect(() =>
      planRl(qwen, cluster, { ...base, promptsPerStep: 100_000, samplesPerPrompt: 8 }),
    ).toThrowError(
      '--prompts: one rollout replica would simulate 100,000 sequences and 102,400,000 response tokens',
    );
    // A model that does not fit for generation is "does not fit" (exit 3), naming the pool's flag.
    expect(() => planRl(spec('deepseek-v3'), cluster, { ...base, gpus: 8 })).toThrowError(DoesNotFitError);
    expect(() => planRl(spec('deepseek-v3'), cluster, { ...base, gpus: 8 })).toThrowError(
      '--gpus: deepseek-v3 does not fit for generation',
    );
  });
});

describe('response lengths', () => {
  test.prop([fc.integer({ min: 100, max: 4000 }), fc.double({ min: 1.1, max: 10, noNaN: true })])(
    'a lognormal from a mean and a P99 has them (when one exists)',
    (mean, ratio) => {
      const d = lognormalFromMeanAndQuantile(mean, mean * ratio, 0.99);
      if (d?.dist !== 'lognormal') return;
      const sigma = Math.log(d.p90 / d.median) / 1.2815515655446004;
      expect(d.median * Math.exp(sigma ** 2 / 2)).toBeCloseTo(mean, 6);
      expect(d.median * Math.exp(2.3263478740408408 * sigma)).toBeCloseTo(mean * ratio, 4);
    },
  );
  it('cut responses average the target and never pass the maximum', () => {
    const lengths = responseLengths({
      sequences: 2000,
      responseTokens: lognormalFromMeanAndQuantile(3000, 12000, 0.99)!,
      maxResponseTokens: 3800,
      meanResponseTokens: 3000,
    });
    expect(Math.max(...lengths)).toBeLessThanOrEqual(3800);
    expect(lengths.reduce((a, b) => a + b, 0) / lengths.length).toBeCloseTo(3000, -1);
  });
});

// The step of `llmecon rl`'s defaults, on TRL's stack: data parallelism only, no context parallelism.
const longTail: RlOptions = {
  ...base,
  promptsPerStep: 64,
  samplesPerPrompt: 16,
  promptTokens: 512,
  responseTokens: 4096,
  responseP99OverMean: 4,
  steps: 1,
  stack: findStack('hf'),
};

describe('memorySequenceTokens', () => {
  test.prop([
    fc.integer({ min: 1, max: 1 << 17 }),
    fc.integer({ min: 1, max: 1 << 18 }),
    fc.integer({ min: 1, max: 64 }),
  ])(
    'packed: max(b·s, longest) tokens a micro-batch; padded: every sequence at the longest',
    (seqLen, tokens, b) => {
      const packed = memorySequenceTokens({ seqLen, longestSequence: { tokens, padded: false } }, b);
      const padded = memorySequenceTokens({ seqLen, longestSequence: { tokens, padded: true } }, b);
      expect(packed * b).toBeGreaterThanOrEqual(Math.max(seqLen * b, tokens));
      expect(packed * b).toBeLessThan(Math.max(seqLen * b, tokens) + b);
      expect(padded).toBe(Math.max(seqLen, tokens));
      expect(memorySequenceTokens({ seqLen }, b)).toBe(seqLen);
    },
  );
});

describe('the RL policy update holds its longest sequence', () => {
  it('sized at it where a layout holds it: at micro-batch 1, more than at the mean, within the GPU', () => {
    const plan = planRl(qwen, cluster, {
      ...longTail,
      maxResponseTokens: 16_384,
      constraints: { microBatchSize: 1 },
    });
    const { layout, memoryPerGpuBytes } = plan.training.chosen;
    expect(plan.longestSequence).toMatchObject({ tokens: 512 + 16_384, fits: true });
    expect(memoryPerGpuBytes).toBeLessThanOrEqual(cluster.gpu.memoryBytes);
    const seqLen = 512 + Math.round(plan.step.generation.meanResponseTokens);
    const options = { seqLen, globalBatchSize: 1024, precision: 'bf16', optimizer: 'adamw' } as const;
    const at = (longest: boolean) =>
      trainingMemory(qwen, layout, {
        ...options,
        ...(longest && { longestSequence: { tokens: plan.longestSequence.tokens, padded: false } }),
      }).peak.totalBytes;
    expect(at(true)).toBeGreaterThan(at(false));
  });
  it('where none does, planned at the mean and said: a step that reaches it runs out of memory', () => {
    const plan = planRl(qwen, cluster, longTail);
    const longest = plan.longestSequence;
    // Sized at the cut (the context's room by default), not at one step's draw: hundreds of steps reach it.
    expect(longest.fits).toBe(false);
    expect(plan.step.generation.longestResponseTokens).toBeLessThan(plan.step.generation.maxResponseTokens);
    expect(longest.tokens).toBe(512 + plan.step.generation.maxResponseTokens);
    expect(longest.leastMemoryPerGpuBytes).toBeGreaterThan(cluster.gpu.memoryBytes);
    expect(plan.training.chosen.memoryPerGpuBytes).toBeLessThanOrEqual(cluster.gpu.memoryBytes);
    const text = (context: boolean) =>
      longestSequenceText(longest, cluster.gpu, { parallelism: { context } }, ['megatron', 'torchtitan']);
    expect(text(false)).toMatch(
      /^fits the mean sequence's micro-batches, but no layout on h100-sxm holds the one with the run's longest \(\d{2,3},\d{3} tokens: a prompt and a response at the cut; the closest needs \d+\.\d+ GiB of 79\.65 GiB\): a step that reaches it runs out of memory; cap responses \(--max-response-tokens\) or use a stack that splits it over GPUs \(context parallelism: --stack megatron or torchtitan\)$/,
    );
    // A stack that splits sequences has tried it: more GPUs, not --cp.
    expect(text(true)).toMatch(/or use more GPUs \(context parallelism splits it over them\)$/);
    // Fitting by the estimate but not at an asked memory band: said so.
    const banded = { ...longest, leastMemoryPerGpuBytes: 70 * 2 ** 30 };
    expect(longestSequenceText(banded, cluster.gpu, { parallelism: { context: true } }, [])).toContain(
      'the closest needs 70.00 GiB of 79.65 GiB by the estimate, over at the asked memory band (--memory-fit)',
    );
  });
  it('every response at one length (no tail): the run’s longest is that length, not the cut', () => {
    const fixed = planRl(qwen, cluster, { ...longTail, responseP99OverMean: undefined, responseTokens: 1 });
    expect(fixed.step.generation.longestResponseTokens).toBe(1);
    expect(fixed.longestSequence.tokens).toBe(512 + 1);
    expect(fixed.longestSequence.fits).toBe(true);
  });
});
