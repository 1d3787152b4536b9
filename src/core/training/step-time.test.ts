/** Step-time structure: parts sum to the step, per-layer sliding windows, QLoRA dequantisation. */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { findCluster, findModel } from '../../catalog/catalog.js';
import { gradientBytes } from '../memory/training-recipes.js';
import { adapterRuntime } from '../model/adapters.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import type { ModelSpec } from '../model/spec.js';
import {
  DEFAULT_LAYOUT,
  type ParallelLayout,
  PIPELINE_SCHEDULES,
  RECOMPUTE_MODES,
} from '../parallelism/layout.js';
import { exposedTensorParallel } from './comm-overlap.js';
import { localExperts, type StepTime, trainingStepTime } from './step-time.js';

const spec = (id: string) => modelSpecFrom(findModel(id).config, id);
const h100 = findCluster('dgx-h100');
const options = {
  seqLen: 4096,
  globalBatchSize: 256,
  precision: 'bf16' as const,
  optimizer: 'adamw' as const,
};
const sumOfParts = (step: StepTime) => Object.values(step.breakdown).reduce((a, b) => a + b, 0);
const pow2 = (max: number) => fc.integer({ min: 0, max }).map((e) => 2 ** e);

describe('training step breakdown', () => {
  test.prop([
    fc.constantFrom('llama-3-8b', 'qwen3-30b-a3b', 'deepseek-v2', 'gemma-2-9b'),
    fc.record({
      tp: pow2(2),
      pp: pow2(2),
      cp: pow2(1),
      ep: pow2(2),
      recompute: fc.constantFrom(...RECOMPUTE_MODES),
      schedule: fc.constantFrom(...PIPELINE_SCHEDULES),
      precision: fc.constantFrom('bf16' as const, 'fp8' as const),
      overlapTp: fc.boolean(),
    }),
  ])(
    'every part sums to the step, for every schedule, recomputation, CP, EP and TP overlap; overlap never lengthens it',
    (id, r) => {
      const model = spec(id);
      const layout: ParallelLayout = {
        ...DEFAULT_LAYOUT,
        tensorParallel: r.tp,
        pipelineParallel: r.pp,
        contextParallel: r.cp,
        dataParallel: 8,
        expertParallel: model.moe ? r.ep : 1,
        sequenceParallel: r.tp > 1,
        recompute: r.recompute,
        schedule: r.schedule,
        virtualStages: r.schedule === 'interleaved' ? 2 : 1,
      };
      const run = { ...options, precision: r.precision };
      const step = trainingStepTime(model, h100, layout, { ...run, overlapTensorParallel: r.overlapTp });
      expect(sumOfParts(step)).toBeCloseTo(step.stepSeconds, 9);
      if (r.overlapTp)
        expect(step.stepSeconds).toBeLessThanOrEqual(trainingStepTime(model, h100, layout, run).stepSeconds);
    },
  );

  it('QLoRA: dequantisation is in the breakdown and the parts sum to the step', () => {
    const model = spec('llama-3-8b');
    const adapter = adapterRuntime(
      model,
      { method: 'qlora', rank: 16, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] },
      0.516,
    );
    const step = trainingStepTime(
      model,
      h100,
      { ...DEFAULT_LAYOUT, recompute: 'full' },
      {
        ...options,
        globalBatchSize: 16,
        adapter,
      },
    );
    expect(step.breakdown.dequantizationSeconds).toBeGreaterThan(0);
    expect(sumOfParts(step)).toBeCloseTo(step.stepSeconds, 12);
  });
});

describe('local-expert passes (the host work a stack calibration weighs per MoE layer)', () => {
  it('are the critical-path MoE-layer passes times the E/EP experts a GPU holds; none for a dense model', () => {
    const qwen = spec('qwen3-30b-a3b');
    const layout = { ...DEFAULT_LAYOUT, dataParallel: 8, expertParallel: 8, microBatchSize: 1 };
    const step = trainingStepTime(qwen, h100, layout, { ...options, globalBatchSize: 64 });
    // 48 MoE layers × 8 micro-batches, 128 / 8 = 16 experts per GPU.
    expect(localExperts(qwen, layout)).toBe(16);
    expect(step.calibrationTerms.localExpertPasses).toBeCloseTo(48 * 8 * 16, 6);
    const ep4 = trainingStepTime(
      qwen,
      h100,
      { ...layout, expertParallel: 4 },
      { ...options, globalBatchSize: 64 },
    );
    expect(ep4.calibrationTerms.localExpertPasses).toBeCloseTo(48 * 8 * 32, 6);
    const dense = trainingStepTime(spec('llama-3-8b'), h100, { ...layout, expertParallel: 1 }, options);
    expect(dense.calibrationTerms.localExpertPasses).toBe(0);
  });
});

describe('gradient buffers (Megatron-Core grad_reduce_in_fp32)', () => {
  it("BF16 buffers halve the accumulation and the FP8 run's reduction bytes; the default keeps FP32 accumulation", () => {
    // held: the buffer between micro-batches (training memory); pure BF16 keeps BF16 gradients.
    expect(gradientBytes('fp8', undefined)).toEqual({ held: 4, accumulate: 4, reduce: 4 });
    expect(gradientBytes('bf16', undefined)).toEqual({ held: 2, accumulate: 4, reduce: 2 });
    expect(gradientBytes('fp8', false)).toEqual({ held: 2, accumulate: 2, reduce: 2 });
    expect(gradientBytes('bf16', true)).toEqual({ held: 4, accumulate: 4, reduce: 4 });
    expect(gradientBytes('bf16-pure', true)).toEqual({ held: 2, accumulate: 4, reduce: 4 });
    // 64 GPUs over 8 nodes, 8 micro-batches: both terms shrink with BF16 buffers, nothing else moves.
    const layout = { ...DEFAULT_LAYOUT, dataParallel: 64, microBatchSize: 1 };
    const fp8 = { ...options, precision: 'fp8' as const, globalBatchSize: 512 };
    const fp32Buffers = trainingStepTime(spec('llama-3-8b'), h100, layout, fp8);
    const bf16Buffers = trainingStepTime(spec('llama-3-8b'), h100, layout, {
      ...fp8,
      gradReduceInFp32: false,
    });
    expect(bf16Buffers.breakdown.gradientAccumulationSeconds).toBeLessThan(
      fp32Buffers.breakdown.gradientAccumulationSeconds,
    );
    expect(bf16Buffers.breakdown.dataParallelCommSeconds).toBeLessThanOrEqual(
      fp32Buffers.breakdown.dataParallelCommSeconds,
    );
    expect(bf16Buffers.breakdown.gemmSeconds).toBe(fp32Buffers.breakdown.gemmSeconds);
  });
});

describe('optimizer step of a sharded MoE (ZeRO-1)', () => {
  it('each GPU updates 1/(DP·CP) of every parameter whatever the EP: experts shard over DP·CP/EP', () => {
    const moe = spec('qwen3-30b-a3b');
    const seconds = [1, 2, 4, 8].map(
      (ep) =>
        trainingStepTime(
          moe,
          h100,
          { ...DEFAULT_LAYOUT, dataParallel: 8, expertParallel: ep, zeroStage: 1, microBatchSize: 1 },
          options,
        ).breakdown.optimizerSeconds,
    );
    for (const s of seconds) expect(s).toBeCloseTo(seconds[0]!, 12);
  });
});

describe('sliding-window attention per layer', () => {
  const withLayers = (model: ModelSpec, attention: 'full' | 'sliding'): ModelSpec => ({
    ...model,
    layers: model.layers.map((l) => ({ ...l, attention })),
  });
  for (const id of ['gemma-2-9b', 'gpt-oss-120b']) {
    it(`${id}: alternating layers cost between all-sliding and all-full attention`, () => {
      const model = spec(id);
      const layout = { ...DEFAULT_LAYOUT, dataParallel: 8, expertParallel: model.moe ? 8 : 1 };
      const o = { ...options, seqLen: 16384, globalBatchSize: 64 };
      const attention = (m: ModelSpec) => trainingStepTime(m, h100, layout, o).breakdown.attentionSeconds;
      const mixed = attention(model);
      const full = attention(withLayers(model, 'full'));
      const sliding = attention(withLayers(model, 'sliding'));
      expect(sliding).toBeLessThan(mixed);
      expect(mixed).toBeLessThan(full);
      // Half the layers slide in both models: the mixed cost is the mean of the two.
      expect(mixed).toBeCloseTo((full + sliding) / 2, 9);
    });
  }
});

describe('exposed tensor-parallel seconds under overlap (comm-overlap.ts)', () => {
  it('one chunk of t stays exposed while the GEMMs outlast the transfer; the excess beyond them otherwise', () => {
    expect(exposedTensorParallel(8, 20, 4)).toBe(2);
    expect(exposedTensorParallel(8, 5, 4)).toBe(3);
    expect(exposedTensorParallel(8, 20, 0)).toBe(8);
    expect(exposedTensorParallel(8, 20, 1)).toBe(8);
  });
});
