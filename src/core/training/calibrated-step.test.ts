/** The calibrated step's breakdown: every term ≥ 0 and the terms sum to the step, whatever the fitted factors. */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { findCluster, findModel } from '../../catalog/catalog.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { DEFAULT_LAYOUT, type ParallelLayout } from '../parallelism/layout.js';
import { calibratedStep } from './calibrated-step.js';
import { trainingStepTime } from './step-time.js';

const spec = (id: string) => modelSpecFrom(findModel(id).config, id);
const h100 = findCluster('dgx-h100');

describe('calibrated step breakdown', () => {
  test.prop([
    fc.constantFrom('gpt2', 'llama-3-8b', 'qwen3-30b-a3b'),
    fc.record({
      pp: fc.constantFrom(1, 2, 4, 8),
      // Few sequences over many stages: the bubble holds most of the step.
      globalBatch: fc.constantFrom(1, 8, 64),
      k: fc.double({ min: 0.5, max: 2, noNaN: true }),
      a: fc.double({ min: 0.2, max: 5, noNaN: true }),
      x: fc.double({ min: 0.2, max: 5, noNaN: true }),
    }),
  ])(
    'a factor under 1 never takes a term below zero; the bubble keeps its share of each extra; the terms sum to the step',
    (id, r) => {
      const model = spec(id);
      const layout: ParallelLayout = {
        ...DEFAULT_LAYOUT,
        pipelineParallel: r.pp,
        dataParallel: 1,
        expertParallel: 1,
      };
      const step = trainingStepTime(model, h100, layout, {
        seqLen: 1024,
        globalBatchSize: r.globalBatch,
        precision: 'bf16',
        optimizer: 'adamw',
      });
      const calibrated = calibratedStep(step, {
        stepTimeScale: r.k,
        attentionScale: r.a,
        expertScale: r.x,
        localExpertOverheadSeconds: 0,
        layerOverheadSeconds: 0,
        zero3LayerOverheadSeconds: 0,
      });
      const parts = Object.values(calibrated.breakdown);
      for (const seconds of parts) expect(seconds).toBeGreaterThanOrEqual(0);
      expect(parts.reduce((s, v) => s + v, 0)).toBeCloseTo(calibrated.stepSeconds, 12);
      // Attention per microbatch pass scales by k · a exactly.
      expect(calibrated.breakdown.attentionSeconds).toBeCloseTo(
        r.k * r.a * step.breakdown.attentionSeconds,
        12,
      );
    },
  );
});
