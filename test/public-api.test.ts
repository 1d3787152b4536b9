import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('public API (src/index.ts)', () => {
  it('answers the README question from the library: DeepSeek-V3 parameters and one training step', () => {
    const spec = api.modelSpecFrom(api.findModel('deepseek-v3').config, 'deepseek-v3');
    expect(api.paramCount(spec).totalParams).toBe(671_026_419_200);
    const step = api.trainingStepTime(
      spec,
      api.findCluster('hgx-h800-deepseek'),
      {
        ...api.DEFAULT_LAYOUT,
        pipelineParallel: 16,
        dataParallel: 128,
        expertParallel: 64,
        schedule: 'dualpipe',
        recompute: 'full',
      },
      {
        seqLen: 4096,
        globalBatchSize: 15360,
        precision: 'fp8',
        optimizer: 'adamw-bf16-moments',
      },
    );
    expect(step.stepSeconds).toBeGreaterThan(10);
  });
  it.runIf(existsSync('dist/src/index.js'))('the built package exports the same API', async () => {
    const built = await import('../dist/src/index.js' as string);
    expect(Object.keys(built).sort()).toEqual(Object.keys(api).sort());
  });
});
