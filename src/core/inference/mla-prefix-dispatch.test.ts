/**
 * SGLang's DeepSeek attention dispatch for prompt chunks (engine.ts absorbsPromptChunks): a step whose
 * chunks' cached prefixes total 0, or at least SGLANG_CHUNKED_PREFIX_CACHE_THRESHOLD, runs multi-head
 * attention; in between it runs absorbed MLA. The rule reaches the operation list from the simulator
 * (the step's chunks) and from the analytic prompt (each chunk's prefix).
 */
import { describe, expect, it } from 'vitest';
import { findModel } from '../../catalog/catalog.js';
import { engineForGpu, findEngine } from '../../catalog/engines.js';
import { resolveHardware } from '../../catalog/training-defaults.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { absorbsPromptChunks, type EngineProfile } from './engine.js';
import { promptChunksSeconds } from './prompt-chunks.js';
import type { ServingReplica } from './serving.js';
import { type StepWork, servingStepSeconds } from './serving-step.js';
import { simulateReplica } from './simulator/simulate.js';
import { syntheticRequests } from './simulator/workload.js';

const h200 = resolveHardware('h200', undefined).cluster;
const deepseek = modelSpecFrom(findModel('deepseek-v3').config, 'deepseek-v3');
const llama = modelSpecFrom(findModel('llama-3.3-70b').config, 'llama-3.3-70b');
const sglang = engineForGpu(findEngine('sglang'), 'h200');
const vllm = engineForGpu(findEngine('vllm'), 'h200');
const tp8 = (profile?: EngineProfile): ServingReplica => ({
  tensorParallel: 8,
  expertParallel: 1,
  weightFormat: 'fp8',
  kvFormat: 'bf16',
  ...(profile && { profile }),
});
const chunk: StepWork = {
  decodeSequences: 0,
  tokensPerSequence: 1,
  context: 0,
  prefillTokens: 8192,
  prefillContext: 3000,
};

describe('MLA prompt chunks: absorbed or multi-head (SGLang PR #5113 dispatch)', () => {
  it('absorbs only between no prefix and the threshold, on the engine that states one', () => {
    expect(sglang.mlaPrefixAbsorbedBelowTokens).toBe(8192);
    expect([0, 1, 184, 8191, 8192, 30_000].map((p) => absorbsPromptChunks(sglang, p))).toEqual([
      false,
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(vllm.mlaPrefixAbsorbedBelowTokens).toBeUndefined();
    expect(absorbsPromptChunks(vllm, 1000)).toBe(false);
    expect(absorbsPromptChunks(undefined, 1000)).toBe(false);
  });

  it('an absorbed chunk costs an MLA model more attention and leaves a GQA model alone', () => {
    const step = (spec: typeof deepseek, absorbed: boolean) =>
      servingStepSeconds(spec, h200, tp8(), { ...chunk, ...(absorbed && { prefillAbsorbed: true }) });
    expect(step(deepseek, true)).toBeGreaterThan(step(deepseek, false) * 1.05);
    expect(step(llama, true)).toBe(step(llama, false));
  });

  it('prices a lone prompt chunk by chunk: those whose prefix is under the threshold absorbed', () => {
    const step = (w: StepWork) => servingStepSeconds(deepseek, h200, tp8(), w);
    const base = { ...chunk, prefillTokens: 20_000, prefillContext: 10_000 };
    const one = { ...base, prefillTokens: 4000 };
    // Five chunks cut at 4,096 (priced as five of 4,000): the prefix 4,096 is under 8,192; 8,192, 12,288 and 16,384 are not.
    const seconds = promptChunksSeconds(base, 20_000, 4096, 'serial', step, sglang);
    expect(seconds).toBeCloseTo(4 * step(one) + step({ ...one, prefillAbsorbed: true }), 12);
    // Chunks of the threshold's size never have a prefix under it.
    const whole = promptChunksSeconds(base, 20_000, 8192, 'serial', step, sglang);
    expect(whole).toBeCloseTo(promptChunksSeconds(base, 20_000, 8192, 'serial', step), 12);
  });

  it('a simulated SGLang run of packed 5,000-token prompts is slower than with every chunk multi-head', () => {
    const requests = syntheticRequests({
      requests: 24,
      inputTokens: 5000,
      outputTokens: 16,
      arrival: { kind: 'burst' },
      seed: 1,
    });
    const run = (profile: EngineProfile) =>
      simulateReplica(deepseek, h200, tp8(profile), requests, {
        engine: profile,
        arrival: { kind: 'trace' },
        timelinePoints: 0,
      }).durationSeconds;
    const { mlaPrefixAbsorbedBelowTokens: _, ...multiHead } = sglang;
    // Chunks of 8,192 tokens cut 5,000-token prompts: most steps carry a prompt's rest at a prefix under 8,192.
    expect(run(sglang)).toBeGreaterThan(run(multiHead) * 1.03);
  });
});
