/** Invariants of the training engine (property tests) and unit checks of its pieces. */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { testCost } from '../../../test/fixtures.js';
import { findCluster, findModel } from '../../catalog/catalog.js';
import { collectiveSeconds, placement } from '../hardware/collectives.js';
import { curveEfficiency } from '../hardware/efficiency.js';
import { trainingMemory } from '../memory/training-memory.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { DEFAULT_LAYOUT, type ParallelLayout, RECOMPUTE_MODES } from '../parallelism/layout.js';
import { searchLayouts } from './layout-search.js';
import { trainingRunCost } from './run-cost.js';
import { trainingStepTime } from './step-time.js';

const cluster = findCluster('dgx-h100');
const llama8b = modelSpecFrom(findModel('llama-3-8b').config, 'llama-3-8b');
const options = {
  seqLen: 4096,
  globalBatchSize: 512,
  precision: 'bf16' as const,
  optimizer: 'adamw' as const,
};
const energy = testCost.energy;

const pow2 = (max: number) => fc.integer({ min: 0, max }).map((e) => 2 ** e);
const layoutArb = fc
  .record({
    tp: pow2(3),
    pp: pow2(2),
    dp: pow2(4),
    mb: pow2(2),
    recompute: fc.constantFrom(...RECOMPUTE_MODES),
    zero: fc.constantFrom(0, 1, 2) as fc.Arbitrary<0 | 1 | 2>,
  })
  .map(
    (r): ParallelLayout => ({
      ...DEFAULT_LAYOUT,
      tensorParallel: r.tp,
      pipelineParallel: r.pp,
      dataParallel: r.dp,
      microBatchSize: r.mb,
      recompute: r.recompute,
      zeroStage: r.zero,
      sequenceParallel: r.tp > 1,
    }),
  );

describe('training engine invariants', () => {
  test.prop([layoutArb])(
    'MFU and HFU stay in (0, 1]; HFU ≥ MFU; every breakdown part is finite and ≥ 0',
    (layout) => {
      const step = trainingStepTime(llama8b, cluster, layout, options);
      expect(step.mfu).toBeGreaterThan(0);
      expect(step.hfu).toBeLessThanOrEqual(1);
      expect(step.hfu).toBeGreaterThanOrEqual(step.mfu - 1e-12);
      for (const part of Object.values(step.breakdown)) {
        expect(Number.isFinite(part)).toBe(true);
        expect(part).toBeGreaterThanOrEqual(0);
      }
    },
  );

  test.prop([layoutArb])('recomputation never lowers the step time (full ≥ selective ≥ none)', (layout) => {
    const time = (recompute: ParallelLayout['recompute']) =>
      trainingStepTime(llama8b, cluster, { ...layout, recompute }, options).stepSeconds;
    expect(time('full')).toBeGreaterThanOrEqual(time('selective'));
    expect(time('selective')).toBeGreaterThanOrEqual(time('none') - 1e-12);
  });

  test.prop([layoutArb])('more GPUs at a fixed layout (doubling DP) never raise per-GPU memory', (layout) => {
    const a = trainingMemory(llama8b, layout, options).peak.totalBytes;
    const b = trainingMemory(llama8b, { ...layout, dataParallel: 2 * layout.dataParallel }, options).peak
      .totalBytes;
    expect(b).toBeLessThanOrEqual(a);
  });

  test.prop([
    layoutArb,
    fc.double({ min: 1e9, max: 1e13, noNaN: true }),
    fc.double({ min: 0.1, max: 20, noNaN: true }),
  ])('costs are ≥ 0 and GPU-hours grow linearly with tokens (to a step)', (layout, tokens, price) => {
    const step = trainingStepTime(llama8b, cluster, layout, options);
    const gpus = layout.tensorParallel * layout.pipelineParallel * layout.dataParallel;
    const base = { gpus, goodput: 0.9, usdPerGpuHour: price, energy, networkingShareOfHardware: 0.19 };
    const t = Math.max(tokens, step.tokensPerStep);
    const one = trainingRunCost(step, { ...base, tokens: t });
    const two = trainingRunCost(step, { ...base, tokens: 2 * t });
    expect(one.costUsd).toBeGreaterThanOrEqual(0);
    expect(one.energyKWh).toBeGreaterThanOrEqual(0);
    expect(one.co2Kg).toBeGreaterThanOrEqual(0);
    expect(two.gpuHours / one.gpuHours).toBeCloseTo(
      (2 * one.steps - (2 * one.steps - two.steps)) / one.steps,
      9,
    );
    expect(Math.abs(two.gpuHours / one.gpuHours - 2)).toBeLessThanOrEqual(1 / one.steps + 1e-9);
  });
});

describe('pieces', () => {
  it('efficiency curves interpolate in log(size) and clamp at the ends', () => {
    const curve = {
      points: [
        { size: 0, efficiency: 0.1 },
        { size: 1e9, efficiency: 0.6 },
        { size: 16e9, efficiency: 0.9 },
      ],
    };
    expect(curveEfficiency(curve, 0)).toBe(0.1);
    expect(curveEfficiency(curve, 4e9)).toBeCloseTo(0.75, 10); // halfway in log between 1 and 16 GFLOP
    expect(curveEfficiency(curve, 1e15)).toBe(0.9);
  });
  it('ring collectives: all-reduce = 2(n−1)/n · S/B; hierarchical groups use the NIC across nodes', () => {
    const link = { bytesPerSecond: 100e9, latencySeconds: 0, efficiency: 1 };
    const nic = { bytesPerSecond: 50e9, latencySeconds: 0, efficiency: 1 };
    expect(collectiveSeconds('all-reduce', 8e9, placement(8, 1, 8), link, nic)).toBeCloseTo(
      (2 * 7 * 8e9) / (8 * 100e9),
      12,
    );
    expect(collectiveSeconds('all-gather', 8e9, placement(8, 1, 8), link, nic)).toBeCloseTo(
      (7 * 8e9) / (8 * 100e9),
      12,
    );
    // 16 ranks over 2 nodes: inside 8 ranks on the full buffer, across 2 nodes on 1/8 of it.
    const inside = (2 * 7 * 8e9) / (8 * 100e9);
    const across = (2 * 1 * 1e9) / (2 * 50e9);
    expect(collectiveSeconds('all-reduce', 8e9, placement(16, 1, 8), link, nic)).toBeCloseTo(
      inside + across,
      12,
    );
    expect(placement(64, 8, 8).perNode).toBe(1);
  });
  it('the 1F1B bubble is (p−1)/m of the pipeline time', () => {
    const layout = { ...DEFAULT_LAYOUT, pipelineParallel: 4, dataParallel: 2, sequenceParallel: false };
    const step = trainingStepTime(llama8b, cluster, layout, { ...options, globalBatchSize: 64 });
    const perMicrobatch = step.microbatchForwardSeconds + step.microbatchBackwardSeconds;
    expect(step.breakdown.pipelineBubbleSeconds).toBeCloseTo(3 * perMicrobatch, 9);
    expect(step.microbatches).toBe(32);
  });
  it('the layout search counts what it evaluates and returns the fastest fitting layout', () => {
    const result = searchLayouts(llama8b, cluster, { ...options, gpus: 16, top: 3 });
    expect(result.layoutsEvaluated).toBeGreaterThan(result.layoutsFeasible);
    expect(result.best).not.toBeNull();
    expect(result.top.map((e) => e.step.stepSeconds)).toEqual(
      [...result.top.map((e) => e.step.stepSeconds)].sort((a, b) => a - b),
    );
    for (const e of result.top) expect(e.memoryPerGpuBytes).toBeLessThanOrEqual(cluster.gpu.memoryBytes);
  });
  it('layouts as fast rank by memory: ZeRO-2 before ZeRO-1 where the step is the same (the one further from capacity)', () => {
    const { top } = searchLayouts(llama8b, cluster, { ...options, gpus: 16, top: 50 });
    const ties = top.filter((e, i) => i > 0 && e.step.stepSeconds === top[i - 1]!.step.stepSeconds);
    expect(ties.length).toBeGreaterThan(0);
    top.forEach((e, i) => {
      if (i > 0 && e.step.stepSeconds === top[i - 1]!.step.stepSeconds)
        expect(e.memoryPerGpuBytes).toBeGreaterThanOrEqual(top[i - 1]!.memoryPerGpuBytes);
    });
  });
  it('a memory-fit multiplier keeps only layouts whose estimate times it fits, per pipeline regime; fewer fit', () => {
    const plain = searchLayouts(llama8b, cluster, { ...options, gpus: 16, top: 50 });
    const fit = { single: 1.3, pipeline: 1.6 };
    const banded = searchLayouts(llama8b, cluster, { ...options, gpus: 16, top: 50, memoryFit: fit });
    expect(banded.layoutsEvaluated).toBe(plain.layoutsEvaluated);
    expect(banded.layoutsFeasible).toBeLessThan(plain.layoutsFeasible);
    for (const e of banded.top) {
      const m = e.layout.pipelineParallel > 1 ? fit.pipeline : fit.single;
      expect(e.memoryPerGpuBytes * m).toBeLessThanOrEqual(cluster.gpu.memoryBytes);
    }
    expect(banded.best!.step.stepSeconds).toBeGreaterThanOrEqual(plain.best!.step.stepSeconds);
  });
});
