/**
 * The hints `llmecon train` prints, as the levers outcome carries them to the web app's Train view
 * (`training.hints`, detailed outcomes only): torchtitan's every-K-th-layer checkpointing here, where the
 * baseline fixes full recomputation (unfixed, the search runs it itself).
 */
import { describe, expect, it } from 'vitest';
import { runCliJson } from '../../test/run-cli.js';
import { baselineState, evaluateState } from './levers.js';
import { trainingBaselineSchema } from './schema.js';

describe('training hints in the levers outcome', () => {
  // Meta's Llama 3 405B layout on 8,192 H100 at 8K tokens and 16M-token batches, on torchtitan.
  const baseline = trainingBaselineSchema.parse({
    kind: 'train',
    model: 'llama-3.1-405b',
    tokens: 1e12,
    gpu: 'h100',
    gpus: 8192,
    seqLen: 8192,
    globalBatchTokens: 16_777_216,
    layout: { tp: 8, pp: 16, dp: 64, cp: 1, recompute: 'full' },
    stack: 'torchtitan',
  });
  it("carries torchtitan's K with the step and memory llmecon train hints, only when details are asked", async () => {
    const detailed = evaluateState(baselineState(baseline), true);
    const cli = await runCliJson(
      'train --model llama-3.1-405b --gpu h100 --gpus 8192 --tp 8 --pp 16 --dp 64 --cp 1 --seq-len 8192 --global-batch 2048 --stack torchtitan --recompute full --json',
    );
    expect(cli.json.recomputeHint.kind).toBe('every');
    expect(detailed.training?.hints?.recompute).toEqual({
      every: cli.json.recomputeHint.every,
      stepSeconds: cli.json.recomputeHint.stepSeconds,
      memoryPerGpuBytes: cli.json.recomputeHint.memoryPerGpuBytes,
    });
    expect(detailed.training?.hints?.offloadActivations).toBeNull();
    expect(evaluateState(baselineState(baseline), false).training).toBeUndefined();
  });
});
