/** Packed documents with attention masked at their boundaries (`--document-tokens`): FLOPs and step time. */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { findCluster, findModel } from '../../catalog/catalog.js';
import { trainingFlopsPerToken } from '../model/flops.js';
import { layerOperations } from '../model/operations.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { DEFAULT_LAYOUT, type ParallelLayout } from '../parallelism/layout.js';
import { trainingRequest } from './layer-cost.js';
import { trainingStepTime } from './step-time.js';

const spec = (id: string) => modelSpecFrom(findModel(id).config, id);
const h100 = findCluster('dgx-h100');
const run = { seqLen: 131_072, globalBatchSize: 8, precision: 'bf16' as const, optimizer: 'adamw' as const };
const layout: ParallelLayout = { ...DEFAULT_LAYOUT, contextParallel: 8, zeroStage: 3, recompute: 'full' };

describe('attention masked at document boundaries', () => {
  test.prop([
    fc.constantFrom('llama-3.1-8b', 'gemma-2-9b', 'qwen3-30b-a3b', 'deepseek-v2', 'llama-4-scout'),
    fc.constantFrom(512, 2048, 4096, 16_384),
  ])(
    "attention FLOPs per token are a sequence of the document's length; every other term the sequence's",
    (id, documentTokens) => {
      const model = spec(id);
      const packed = trainingFlopsPerToken(model, 32_768, { documentTokens });
      const whole = trainingFlopsPerToken(model, 32_768);
      const short = trainingFlopsPerToken(model, documentTokens);
      expect(packed.causal.breakdown.attentionScores).toBeCloseTo(short.causal.breakdown.attentionScores, 0);
      expect(packed.causal.breakdown.attentionProjections).toBe(whole.causal.breakdown.attentionProjections);
      expect(packed.causal.breakdown.head).toBe(whole.causal.breakdown.head);
      expect(packed.causal.flopsPerToken).toBeLessThanOrEqual(whole.causal.flopsPerToken);
    },
  );

  it('the attention call runs one span a document: as many calls of its length, each query over its own keys', () => {
    const model = spec('llama-3.1-8b');
    const request = trainingRequest(
      h100,
      { ...layout, microBatchSize: 2 },
      { ...run, documentTokens: 4096 },
      'forward',
    );
    const op = layerOperations(model, model.layers[0]!, request).find((o) => o.type === 'attention');
    expect(op).toMatchObject({ batch: 64, queryLength: 4096 / 8, kvLength: 4096, keysPerQuery: 4096 / 2 });
  });

  it('a document at least the sequence long is the sequence: the same step', () => {
    const model = spec('llama-3.1-8b');
    const whole = trainingStepTime(model, h100, layout, run);
    expect(trainingStepTime(model, h100, layout, { ...run, documentTokens: run.seqLen }).stepSeconds).toBe(
      whole.stepSeconds,
    );
  });

  test.prop([fc.constantFrom(1024, 4096, 16_384, 65_536)], { numRuns: 4 })(
    'shorter documents never slow the step; at 128K tokens 4K documents cut attention most of the way',
    (documentTokens) => {
      const model = spec('llama-3.1-8b');
      const whole = trainingStepTime(model, h100, layout, run);
      const packed = trainingStepTime(model, h100, layout, { ...run, documentTokens });
      const half = trainingStepTime(model, h100, layout, { ...run, documentTokens: documentTokens / 2 });
      expect(packed.stepSeconds).toBeLessThan(whole.stepSeconds);
      expect(half.stepSeconds).toBeLessThanOrEqual(packed.stepSeconds);
      expect(packed.breakdown.attentionSeconds).toBeLessThan(whole.breakdown.attentionSeconds);
      // MFU counts the attention FLOPs the mask leaves (the masked pairs are not computed).
      expect(packed.mfu * packed.stepSeconds).toBeLessThan(whole.mfu * whole.stepSeconds);
      if (documentTokens === 4096)
        expect(packed.breakdown.attentionSeconds).toBeLessThan(0.1 * whole.breakdown.attentionSeconds);
    },
  );
});
