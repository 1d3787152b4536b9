/** The levers outcome names every degree of the chosen layout, as `llmecon run` and `train` do. */
import { describe, expect, it } from 'vitest';
import { baselineState, evaluateState } from './levers.js';
import { trainingBaselineSchema } from './schema.js';

describe('levers layout words', () => {
  it('name context parallelism beside tp, pp and dp: the GPUs the degrees multiply to', () => {
    const baseline = trainingBaselineSchema.parse({
      kind: 'train',
      model: 'llama-3.1-405b',
      tokens: 1e12,
      gpu: 'h100',
      gpus: 16384,
      seqLen: 131072,
      globalBatchTokens: 16_777_216,
      layout: { tp: 8, pp: 16, dp: 16, cp: 8 },
    });
    const detail = evaluateState(baselineState(baseline)).detail;
    expect(detail).toMatch(/tp 8 · pp 16 · dp 16 · cp 8/);
  }, 60_000);
});
