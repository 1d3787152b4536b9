/**
 * Full recomputation of only the first N layers of each pipeline chunk (Megatron-Core's
 * `--recompute-method block --recompute-num-layers N`): the share of layers it re-runs (layout.ts),
 * what they stop keeping (activations.ts) and what they re-run (recompute.ts, step-time.ts).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { findCluster, findModel } from '../../catalog/catalog.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import {
  DEFAULT_LAYOUT,
  type ParallelLayout,
  partialRecompute,
  recomputedLayerShare,
  stageRecomputeShare,
} from '../parallelism/layout.js';
import { trainingStepTime } from '../training/step-time.js';
import { trainingMemory } from './training-memory.js';

// Llama 3.1 70B (80 layers) on TP 8 · PP 4 at 8K tokens: 20 layers per stage, 10 per chunk at VPP 2.
const llama = modelSpecFrom(findModel('llama-3.1-70b').config, 'llama-3.1-70b');
const layout: ParallelLayout = {
  ...DEFAULT_LAYOUT,
  tensorParallel: 8,
  pipelineParallel: 4,
  sequenceParallel: true,
  recompute: 'full',
};
const run = { seqLen: 8192, globalBatchSize: 64, precision: 'bf16' as const, optimizer: 'adamw' as const };
const cluster = findCluster('dgx-h100');
const memory = (l: ParallelLayout, recomputeLayers?: number) =>
  trainingMemory(llama, { ...l, ...(recomputeLayers !== undefined && { recomputeLayers }) }, run).peak;
const step = (l: ParallelLayout, recomputeLayers?: number) =>
  trainingStepTime(llama, cluster, { ...l, ...(recomputeLayers !== undefined && { recomputeLayers }) }, run);

describe('the share of layers partial recomputation re-runs', () => {
  const n = (recomputeLayers: number) => ({ recomputeLayers });
  const share = (
    layers: number,
    l: ParallelLayout,
    partial: { recomputeLayers?: number; recomputeEvery?: number },
  ) => recomputedLayerShare(layers, { ...l, ...partial });
  it('block: N of each chunk of L/(p·v) layers; every layer without N; none without full recomputation', () => {
    expect(share(80, layout, {})).toBe(1);
    expect(share(80, layout, n(5))).toBe(0.25);
    // With interleaving every chunk (a TransformerBlock of 10 layers) recomputes its own first 5.
    expect(share(80, { ...layout, virtualStages: 2 }, n(5))).toBe(0.5);
    // Without a pipeline the model is one chunk (virtual stages count only with PP > 1).
    expect(share(80, { ...layout, pipelineParallel: 1, virtualStages: 2 }, n(20))).toBe(0.25);
    // More layers than a chunk holds recompute the whole chunk.
    expect(share(80, layout, n(50))).toBe(1);
    expect(share(80, { ...layout, recompute: 'selective' }, n(5))).toBe(0);
    expect(share(80, { ...layout, recompute: 'none' }, {})).toBe(0);
  });
  it("torchtitan's layer-wise checkpointing: ⌊l / K⌋ of a stage's l layers, every K-th block the rank builds", () => {
    const every = (recomputeEvery: number) => partialRecompute({ ...layout, recomputeEvery });
    expect(stageRecomputeShare(20, every(2))).toBe(0.5);
    expect(stageRecomputeShare(20, every(3))).toBe(6 / 20);
    expect(stageRecomputeShare(20, every(1))).toBe(1);
    expect(stageRecomputeShare(20, every(40))).toBe(0);
    expect(share(80, layout, { recomputeEvery: 4 })).toBe(0.25);
    // Stages of uneven depth, as step-time.ts places them: 126 layers on 16 stages, 15 of 8 and one of 6.
    const sixteen = { ...layout, pipelineParallel: 16 };
    expect(share(126, sixteen, { recomputeEvery: 1 })).toBe(1);
    expect(share(126, sixteen, { recomputeEvery: 4 })).toBe((15 * 2 + 1) / 126);
  });
  it('a stage that recomputes none of its layers (K above its depth) holds what it would without recomputation', () => {
    const none = trainingMemory(llama, { ...layout, recompute: 'none' }, run).peak.totalBytes;
    expect(trainingMemory(llama, { ...layout, recomputeEvery: 21 }, run).peak.totalBytes).toBe(none);
  });
});

describe('memory and time between no and full recomputation', () => {
  const none = { ...layout, recompute: 'none' as const };
  it('a whole chunk recomputed is full recomputation, byte for byte and second for second', () => {
    expect(memory(layout, 20).totalBytes).toBe(memory(layout).totalBytes);
    expect(step(layout, 20).stepSeconds).toBe(step(layout).stepSeconds);
  });
  it("activations are the recomputed layers' checkpoints and the other layers' full activations", () => {
    const share = 5 / 20;
    const expected = share * memory(layout).activations + (1 - share) * memory(none).activations;
    expect(memory(layout, 5).activations).toBeCloseTo(expected, 0);
  });
  it("the recomputed layers' forward is run again: time and HFU by the share, MFU unchanged in FLOPs", () => {
    const plain = step(none);
    const all = step(layout);
    const half = step(layout, 10);
    const extra = (s: typeof plain) => s.stepSeconds - plain.stepSeconds;
    expect(extra(half)).toBeGreaterThan(0);
    // Half the layers: about half the extra time of full recomputation (the bubble scales with it).
    expect(extra(half) / extra(all)).toBeGreaterThan(0.45);
    expect(extra(half) / extra(all)).toBeLessThan(0.55);
    // HFU counts the recomputed forward: 1 + share/3 of MFU's FLOPs (the head's aside).
    expect(half.hfu / half.mfu).toBeGreaterThan(1 + 0.5 / 3 - 0.01);
    expect(half.hfu / half.mfu).toBeLessThan(1 + 0.5 / 3);
  });
  test.prop([fc.integer({ min: 1, max: 19 })])(
    'one more recomputed layer never raises memory and never shortens the step',
    (n) => {
      expect(memory(layout, n + 1).totalBytes).toBeLessThanOrEqual(memory(layout, n).totalBytes);
      expect(step(layout, n + 1).stepSeconds).toBeGreaterThanOrEqual(step(layout, n).stepSeconds);
      expect(memory(layout, n).totalBytes).toBeLessThanOrEqual(memory(none).totalBytes);
      expect(memory(layout, n).totalBytes).toBeGreaterThanOrEqual(memory(layout).totalBytes);
    },
  );
});

describe('stages of uneven depth', () => {
  it("a stage recomputes N layers per chunk whatever its depth: 27-layer stages keep one layer's activations at N = 26", () => {
    // 80 layers on 3 stages: 26 on the first (it also holds the embedding), 27 on the others.
    const three = { ...layout, pipelineParallel: 3 };
    const at = (l: ParallelLayout, recomputeLayers?: number) =>
      trainingMemory(llama, { ...l, ...(recomputeLayers !== undefined && { recomputeLayers }) }, run).stages;
    const [none, full, block] = [at({ ...three, recompute: 'none' }), at(three), at(three, 26)];
    expect(block.map((s) => s.layers)).toEqual([26, 27, 27]);
    // The 26-layer stage recomputes every layer; a 27-layer one keeps one layer whole.
    expect(block[0]!.activations).toBe(full[0]!.activations);
    const perLayer = (s: number) => (none[s]!.activations - full[s]!.activations) / 27;
    for (const s of [1, 2]) expect(block[s]!.activations - full[s]!.activations).toBeCloseTo(perLayer(s), 0);
  });
});

describe('MTP layers under the block method', () => {
  it("keep their activations: Megatron-Core skips the block method's recomputation on them", () => {
    const v3 = modelSpecFrom(findModel('deepseek-v3').config, 'deepseek-v3');
    // 61 layers on 4 stages: 16 a stage (the last 13 and the MTP module); 16 per chunk covers every layer.
    const moeLayout = { ...layout, tensorParallel: 1, expertParallel: 8, dataParallel: 8 };
    const options = { ...run, seqLen: 4096, globalBatchSize: 64 };
    const stages = (recomputeLayers?: number) =>
      trainingMemory(v3, { ...moeLayout, ...(recomputeLayers !== undefined && { recomputeLayers }) }, options)
        .stages;
    const full = stages();
    const block = stages(16);
    expect(block[0]!.activations).toBe(full[0]!.activations);
    expect(block.at(-1)!.activations).toBeGreaterThan(full.at(-1)!.activations);
  });
});

describe("torchtitan's layer-wise checkpointing (every K-th layer)", () => {
  const every = (recomputeEvery: number) => ({ recomputeEvery });
  it('memory and time between none and full by the ⌊l / K⌋ layers recomputed; K = 1 is full recomputation', () => {
    const none = { ...layout, recompute: 'none' as const };
    const peak = (l: ParallelLayout, o: object) => trainingMemory(llama, { ...l, ...o }, run).stages[1]!;
    // 20 layers a stage: K = 2 recomputes 10, keeping the checkpoints of 10 and everything of the others.
    const half = peak(layout, every(2)).activations;
    expect(half).toBeCloseTo((peak(layout, {}).activations + peak(none, {}).activations) / 2, 0);
    expect(peak(layout, every(1)).activations).toBe(peak(layout, {}).activations);
    expect(trainingStepTime(llama, cluster, { ...layout, ...every(1) }, run).stepSeconds).toBe(
      step(layout).stepSeconds,
    );
    const t = trainingStepTime(llama, cluster, { ...layout, ...every(2) }, run).stepSeconds;
    expect(t).toBeGreaterThan(step(none).stepSeconds);
    expect(t).toBeLessThan(step(layout).stepSeconds);
  });
});
