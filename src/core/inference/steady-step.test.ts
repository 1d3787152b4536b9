/**
 * The steady step at low concurrency: a prompt is admitted whole (or in the engine's chunks), so at one
 * client a replica runs one prefill and n − 1 decode steps per request, and its throughput is what its
 * own TTFT and TPOT give by Little's law — for a mixture of experts too, whose decode steps reach few
 * experts while a prompt reaches most (spreading the prompt over every step paid that every step).
 */
import { describe, expect, it } from 'vitest';
import { findCluster, findModel } from '../../catalog/catalog.js';
import { engineForGpu, findEngine } from '../../catalog/engines.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { servingPoint } from './serving.js';
import type { Replica } from './serving-step.js';
import { steadyStep } from './steady-step.js';

const h100 = findCluster('dgx-h100');
const spec = (id: string) => modelSpecFrom(findModel(id).config, id);
const replica = (engine?: string): Replica => ({
  tensorParallel: 1,
  expertParallel: 1,
  weightFormat: 'fp8',
  kvFormat: 'fp8',
  ...(engine && { profile: engineForGpu(findEngine(engine), 'h100-sxm') }),
});

describe('steady step at one client: Little’s law with its own TTFT and TPOT', () => {
  for (const model of ['qwen3-30b-a3b', 'llama-3.1-8b'])
    for (const engine of [undefined, 'vllm'])
      it(`${model}${engine ? ` on ${engine}` : ''}: requests/s = 1 / (TTFT + (n − 1) · TPOT) within 3%`, () => {
        const w = { inputTokens: 2048, outputTokens: 512 };
        const p = servingPoint(spec(model), h100, replica(engine), w, 1);
        const perSecond = p.outputTokensPerSecondPerGpu / w.outputTokens;
        const loop = 1 / (p.ttftSeconds + (w.outputTokens - 1) * p.tpotSeconds);
        expect(Math.abs(perSecond / loop - 1)).toBeLessThan(0.03);
      });
  it('more clients never lower the throughput per GPU of a mixture of experts at low concurrency', () => {
    const w = { inputTokens: 2048, outputTokens: 512 };
    let last = 0;
    for (const c of [1, 2, 3, 4, 8]) {
      const p = servingPoint(spec('qwen3-30b-a3b'), h100, replica('vllm'), w, c);
      expect(p.outputTokensPerSecondPerGpu, `c = ${c}`).toBeGreaterThan(last);
      last = p.outputTokensPerSecondPerGpu;
    }
  });
});

describe('steady step over attention data parallelism', () => {
  it('never shortens as concurrency grows, across one chunk a step and one a rank', () => {
    const v3 = spec('deepseek-v3');
    const r: Replica = { ...replica('trt-llm'), expertParallel: 8 };
    const w = { inputTokens: 4096, outputTokens: 256 };
    let last = 0;
    // p = 16·c prompt tokens a step: one chunk (4,096) at c = 256, one per rank at c = 2,048.
    for (let c = 64; c <= 2304; c += 32) {
      const s = steadyStep(v3, h100, r, w, c);
      expect(s.step, `c = ${c}`).toBeGreaterThanOrEqual(last * (1 - 1e-9));
      last = s.step;
    }
  });
});
