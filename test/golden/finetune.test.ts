/**
 * Fine-tuning against published figures (QLoRA, LoRA, s1, Alpaca). Memory target 10%, time 20%;
 * where a published run is far from the engine the gap is asserted as measured and explained in
 * docs/finetuning.md, so it cannot drift silently.
 */
import { describe, expect, it } from 'vitest';
import { findCluster, findModel } from '../../src/catalog/catalog.js';
import { findStack } from '../../src/catalog/stacks.js';
import { methodAdapter, planFinetune } from '../../src/core/adaptation/finetune.js';
import { trainingMemory } from '../../src/core/memory/training-memory.js';
import { specFromInput } from '../../src/core/model/model-spec-schema.js';
import { paramCount } from '../../src/core/model/param-count.js';
import { modelSpecFrom } from '../../src/core/model/resolve-model.js';
import { DEFAULT_LAYOUT } from '../../src/core/parallelism/layout.js';
import { trainingStepTime } from '../../src/core/training/step-time.js';
import { gpt3_175b, llama65b, testCost } from '../fixtures.js';

const ALL_LINEAR = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
const gpt3 = gpt3_175b;
const cost = testCost;

describe('QLoRA (Dettmers et al. 2023, Abstract and Sec. 1)', () => {
  it('LLaMA-65B with QLoRA (r=64 on all linear layers, gradient checkpointing) fits in 48 GB', () => {
    const adapter = methodAdapter(llama65b, {
      method: 'qlora',
      rank: 64,
      targets: ALL_LINEAR,
    })!;
    const memory = trainingMemory(
      llama65b,
      { ...DEFAULT_LAYOUT, recompute: 'full', zeroStage: 0 },
      {
        seqLen: 512,
        globalBatchSize: 16,
        precision: 'bf16',
        optimizer: 'adamw',
        adapter,
      },
    );
    expect(memory.peak.totalBytes).toBeLessThan(48e9);
    expect(memory.peak.totalBytes).toBeGreaterThan(40e9);
  });
  it('16-bit full fine-tuning of the same model needs > 780 GB (2 + 2 + 8 bytes per parameter, their accounting)', () => {
    const params = paramCount(llama65b).totalParams;
    expect((params * 12) / 1e9).toBeCloseTo(782, -1);
    const memory = trainingMemory(
      llama65b,
      { ...DEFAULT_LAYOUT, recompute: 'full' },
      { seqLen: 512, globalBatchSize: 16, precision: 'bf16', optimizer: 'adamw' },
    );
    expect(memory.peak.totalBytes).toBeGreaterThan(780e9);
  });
});

describe('LoRA on GPT-3 175B (Hu et al. 2021, Sec. 4.2)', () => {
  const lora = methodAdapter(gpt3, { method: 'lora', rank: 4, targets: ['q', 'v'], baseFormat: 'bf16' })!;
  it('r=4 on W_q and W_v trains 18.9M parameters: a 35 MB FP16 checkpoint, ~10,000× smaller than 350 GB', () => {
    expect(lora.trainableParams).toBe(96 * 2 * 4 * (12288 + 12288));
    expect((lora.trainableParams * 2) / 1e6).toBeCloseTo(37.7, 1); // the paper rounds to 35 MB
    expect(Math.abs(paramCount(gpt3).totalParams / lora.trainableParams / 10_000 - 1)).toBeLessThan(0.1);
  });
  it('model-state memory 350 GB within 10% (the frozen FP16 weights), down from full fine-tuning', () => {
    const layout = { ...DEFAULT_LAYOUT, tensorParallel: 8, pipelineParallel: 16, dataParallel: 1 };
    const options = {
      seqLen: 2048,
      globalBatchSize: 16,
      precision: 'bf16' as const,
      optimizer: 'adamw' as const,
    };
    const states = (adapter?: typeof lora) => {
      const m = trainingMemory(gpt3, layout, { ...options, adapter });
      // Per GPU of the first stage × GPUs = model states across the job.
      return (
        (m.peak.modelStates.weights + m.peak.modelStates.gradients + m.peak.modelStates.optimizerStates) *
        8 *
        16
      );
    };
    expect(Math.abs(states(lora) / 350e9 - 1)).toBeLessThan(0.1);
    expect(states() / states(lora)).toBeGreaterThan(3); // the abstract's "3 times" lower memory
  });
  it('~25% faster than full fine-tuning (time within 20%: 1.0–1.5× speed)', () => {
    const cluster = findCluster('selene-a100');
    const layout = {
      ...DEFAULT_LAYOUT,
      tensorParallel: 8,
      pipelineParallel: 12,
      dataParallel: 1,
      recompute: 'selective' as const,
    };
    const options = {
      seqLen: 2048,
      globalBatchSize: 64,
      precision: 'bf16' as const,
      optimizer: 'adamw' as const,
    };
    const full = trainingStepTime(gpt3, cluster, layout, options).stepSeconds;
    const loRA = trainingStepTime(gpt3, cluster, layout, { ...options, adapter: lora }).stepSeconds;
    const speedup = full / loRA;
    expect(speedup).toBeGreaterThan(1.25 * 0.8);
    expect(speedup).toBeLessThan(1.25 * 1.2);
  });
});

/** s1-32B: full fine-tuning of Qwen2.5-32B on 16 H100 at batch 16, with the given settings. */
const s1Plan = (
  o: Pick<Parameters<typeof planFinetune>[2], 'seqLen' | 'constraints' | 'dataset'> &
    Partial<Parameters<typeof planFinetune>[2]>,
) =>
  planFinetune(modelSpecFrom(findModel('qwen2.5-32b').config, 'qwen2.5-32b'), findCluster('dgx-h100'), {
    method: 'full',
    rank: 16,
    targets: ALL_LINEAR,
    baseFormat: 'bf16',
    globalBatchSize: 16,
    precision: 'bf16',
    optimizer: 'adamw',
    gpus: 16,
    cost,
    ...o,
  });

describe('published fine-tuning runs', () => {
  it('s1-32B: 26 min on 16 H100 (s1 paper Sec. 4.1) — the engine predicts 7 min: a known gap', () => {
    // 1,000 examples × 5 epochs; ~4,100 tokens each (the 59K pool averages 3.6K thinking tokens and
    // costs 56× the GPU-hours of s1K for 59× the examples, so s1K examples are pool-sized).
    const plan = s1Plan({
      seqLen: 8192,
      constraints: {},
      dataset: { tokens: 1000 * 4100, epochs: 5, packing: true },
    });
    const minutes = plan.run!.wallClockDays * 1440;
    // Published: 26 min and ~7 GPU-hours, i.e. ~17% MFU; the engine's best layout reaches ~60%.
    expect(minutes).toBeGreaterThan(5);
    expect(minutes).toBeLessThan(10);
    // The "$6": 6.93 GPU-hours × $0.87/h; at the $2/h DeepSeek assumption it would be $13.9.
    expect((26 / 60) * 16 * 2).toBeCloseTo(13.9, 1);
  });
  it('s1-32B as it ran (sft_multinode.sh: FSDP, micro-batch 1, no packing, block size 32,768), hf calibrated: within 20% of 26 min (regression guard: today 24.1 min at the test goodput, 26 min published is +8%; leave-one-out +7.8%)', () => {
    // Each step waits for the longest of the 16 ranks' examples: mean 4,100, P99 3× the mean (assumed:
    // s1K publishes no length distribution; catalog/validation/finetune-runs.json).
    const plan = s1Plan({
      seqLen: 32768,
      flashAttention: true,
      constraints: { dataParallel: 16, zeroStage: 3, microBatchSize: 1, recompute: 'full' },
      stack: findStack('hf'),
      dataset: {
        tokens: 1000 * 4100,
        examples: 1000,
        epochs: 5,
        packing: false,
        padding: 'longest',
        lengthP99: 12300,
      },
    });
    expect(plan.stepSequenceTokens).toBeGreaterThan(9000);
    expect(plan.stepSequenceTokens).toBeLessThan(10000);
    const minutes = plan.run!.wallClockDays * 1440;
    expect(Math.abs(minutes / 26 - 1)).toBeLessThan(0.2);
    // The published 26 min lies inside the band.
    expect(26).toBeGreaterThan(minutes * plan.band!.low);
    expect(26).toBeLessThan(minutes * plan.band!.high);
  });
  it('Alpaca 7B: 3 h on 8 A100-80GB for 52K examples × 3 epochs (CRFM blog) — the engine predicts under 1 h', () => {
    const plan = planFinetune(
      specFromInput({
        name: 'LLaMA-7B',
        vocabSize: 32000,
        hiddenSize: 4096,
        numLayers: 32,
        maxContextTokens: 2048,
        attention: { kind: 'gqa', numHeads: 32 },
        mlp: { intermediateSize: 11008 },
      }),
      findCluster('selene-a100'),
      {
        method: 'full',
        rank: 16,
        targets: ALL_LINEAR,
        baseFormat: 'bf16',
        seqLen: 512,
        globalBatchSize: 128,
        precision: 'bf16',
        optimizer: 'adamw',
        gpus: 8,
        constraints: {},
        // Padded to the 512-token maximum: an upper bound on the tokens processed.
        dataset: { tokens: 52_000 * 300, examples: 52_000, epochs: 3, packing: false },
        cost,
      },
    );
    const hours = plan.run!.wallClockDays * 24;
    expect(hours).toBeGreaterThan(0.3);
    expect(hours).toBeLessThan(1);
  });
});
