/** The throughput–interactivity frontier (frontier.ts): no point beats another on both axes; progress is reported. */
import { describe, expect, it } from 'vitest';
import { testCost } from '../../../test/fixtures.js';
import { findCluster, findModel } from '../../catalog/catalog.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import type { DeploymentCandidate } from './deployment.js';
import { servingFrontier } from './frontier.js';

const h100 = findCluster('dgx-h100');
const spec = modelSpecFrom(findModel('llama-3.1-8b').config, 'llama-3.1-8b');
const candidates: DeploymentCandidate[] = [1, 2].map((tp) => ({
  gpuId: 'h100-sxm',
  cluster: h100,
  usdPerGpuHour: 3,
  replica: { tensorParallel: tp, expertParallel: 1, weightFormat: 'bf16', kvFormat: 'bf16' },
  energy: testCost.energy,
}));

describe('the serving frontier', () => {
  it('keeps only points no other beats on both throughput per GPU and speed per user; reports each candidate of each mode', () => {
    const calls: [number, number][] = [];
    const w = { inputTokens: 1000, outputTokens: 200 };
    const frontier = servingFrontier(spec, candidates, w, {}, [false, true], (done, total) =>
      calls.push([done, total]),
    );
    expect(frontier.length).toBeGreaterThan(3);
    for (const a of frontier)
      for (const b of frontier)
        if (a !== b)
          expect(
            b.tokensPerSecondPerUser >= a.tokensPerSecondPerUser &&
              b.outputTokensPerSecondPerGpu > a.outputTokensPerSecondPerGpu * (1 + 1e-9),
          ).toBe(false);
    expect(calls.map(([done]) => done)).toEqual([0, 1, 2, 3, 4]);
    expect(calls.at(-1)).toEqual([4, 4]);
  });
});
