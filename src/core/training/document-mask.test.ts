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
    fc.constantFrom(
      'llama-3.1-8b',
      'gemma-2-9b',
      'qwen3-30b-a3b',
      'deepseek-v2',
      'llama-4-scout',
      'deepseek-v3.2',
    ),
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

  it("a sliding window wider than the document: the document bounds the keys (Gemma 2's 4,096-token window)", () => {
    const model = spec('gemma-2-9b');
    const sliding = model.layers.find((l) => l.attention === 'sliding')!;
    expect(model.slidingWindow).toBe(4096);
    const at = (documentTokens?: number) => {
      const request = trainingRequest(
        h100,
        { ...layout, contextParallel: 1 },
        { ...run, seqLen: 8192, ...(documentTokens && { documentTokens }) },
        'forward',
      );
      return layerOperations(model, sliding, request).find((o) => o.type === 'attention');
    };
    // Whole sequence: (w·s − w²/2)/s = 4,096 − 1,024 = 3,072 keys a query; 2,048-token documents: 1,024.
    expect(at()).toMatchObject({ batch: 1, queryLength: 8192, keysPerQuery: 3072 });
    expect(at(2048)).toMatchObject({ batch: 4, queryLength: 2048, kvLength: 2048, keysPerQuery: 1024 });
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
