import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { findModel } from '../../catalog/catalog.js';
import { engineForGpu, findEngine } from '../../catalog/engines.js';
import { resolveHardware } from '../../catalog/training-defaults.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { type EngineProfile, promptStreaming } from './engine.js';
import { computedPromptContext, promptChunksSeconds } from './prompt-chunks.js';
import { type ServingReplica, servingPoint } from './serving.js';
import { servingStepSeconds } from './serving-step.js';
import { simulateReplica } from './simulator/simulate.js';
import { syntheticRequests } from './simulator/workload.js';
import { loneTtftSeconds } from './static-batch.js';

const qwen = modelSpecFrom(findModel('qwen3-235b-a22b').config, 'qwen3-235b-a22b');
const llama70 = modelSpecFrom(findModel('llama-3.3-70b').config, 'llama-3.3-70b');
const h200 = resolveHardware('h200', undefined).cluster;
const sglang = engineForGpu(findEngine('sglang'), 'h200');
const vllm = engineForGpu(findEngine('vllm'), 'h200');

const replica = (
  profile: EngineProfile,
  pp: number,
  tp = 8,
  spec: 'qwen' | 'llama' = 'qwen',
): ServingReplica => ({
  tensorParallel: tp,
  expertParallel: 1,
  ...(pp > 1 ? { pipelineParallel: pp } : {}),
  weightFormat: 'fp8',
  kvFormat: spec === 'qwen' ? 'bf16' : 'fp8',
  profile,
});
/** One request of `tokens` prompt tokens and 2 output tokens, sent at t = 0. */
const loneRequest = (tokens: number) =>
  syntheticRequests({
    requests: 1,
    inputTokens: tokens,
    outputTokens: 2,
    arrival: { kind: 'burst' },
    seed: 1,
  });
const prompt = (tokens: number) => ({
  decodeSequences: 0,
  tokensPerSequence: 1,
  context: 0,
  prefillTokens: tokens,
  prefillContext: tokens / 2,
});

describe("a long prompt's chunks streamed through a pipeline (SGLang's chunked pipeline parallelism)", () => {
  it('streams only on a pipeline of an engine that pipelines chunks; dynamic sizes where the deployment enables them', () => {
    expect(promptStreaming(sglang, 1)).toBe('serial');
    expect(promptStreaming(sglang, 4)).toBe('fixed');
    expect(promptStreaming(vllm, 4)).toBe('serial');
    expect(promptStreaming(undefined, 4)).toBe('serial');
    expect(promptStreaming({ ...sglang, dynamicChunking: { smoothFactor: 0.6 } }, 4)).toEqual({
      smoothFactor: 0.6,
    });
  });

  it('a streamed chunk holds the pipeline for its slowest stage, less than the chain; a step that decodes keeps the chain', () => {
    const r = replica(sglang, 4);
    const chunk = { ...prompt(8192), prefillContext: 50_000 };
    const chain = servingStepSeconds(qwen, h200, r, chunk);
    const streamed = servingStepSeconds(qwen, h200, r, { ...chunk, prefillStreams: true });
    expect(streamed).toBeLessThan(chain / 3);
    expect(streamed).toBeGreaterThan(chain / 4.5);
    const mixed = { ...chunk, decodeSequences: 16, context: 4000 };
    expect(servingStepSeconds(qwen, h200, r, { ...mixed, prefillStreams: true })).toBe(
      servingStepSeconds(qwen, h200, r, mixed),
    );
  });

  it('fixed chunks: the first token after Σ t_k + (p − 1)·t_last (a flow shop of equal stages)', () => {
    const r = replica(sglang, 4);
    const step = (w: Parameters<typeof servingStepSeconds>[3]) => servingStepSeconds(qwen, h200, r, w);
    const seconds = promptChunksSeconds(prompt(65_536), 65_536, 8192, 'fixed', step);
    let expected = 0;
    for (let k = 0; k < 7; k += 1)
      expected += step({ ...prompt(8192), prefillContext: k * 8192 + 4096, prefillStreams: true });
    expected += step({ ...prompt(8192), prefillContext: 7 * 8192 + 4096 });
    expect(seconds).toBeCloseTo(expected, 9);
  });

  test.prop([fc.constantFrom(2, 4, 8), fc.integer({ min: 20_000, max: 400_000 })], { numRuns: 12 })(
    "streamed TTFT lies between the serial time / stages and the serial time; dynamic chunks beat fixed ones on a long prompt's pipeline",
    (pp, tokens) => {
      const serial = loneTtftSeconds(qwen, h200, replica(vllm, pp, 4), tokens);
      const fixed = loneTtftSeconds(qwen, h200, replica(sglang, pp, 4), tokens);
      const dynamic = loneTtftSeconds(
        qwen,
        h200,
        replica({ ...sglang, dynamicChunking: { smoothFactor: 0.75 } }, pp, 4),
        tokens,
      );
      expect(fixed).toBeLessThan(serial);
      expect(dynamic).toBeLessThan(serial);
      expect(fixed).toBeGreaterThan(serial / pp);
      expect(dynamic).toBeGreaterThan(serial / pp);
      if (tokens >= 100_000) expect(dynamic).toBeLessThan(fixed);
    },
  );

  it('one pass where the prompt fits one chunk; serial chunks as before without a pipeline', () => {
    const r = replica(sglang, 4);
    const one = servingStepSeconds(qwen, h200, r, prompt(4000));
    expect(loneTtftSeconds(qwen, h200, r, 4000)).toBeCloseTo(one, 12);
    expect(loneTtftSeconds(qwen, h200, replica(sglang, 1), 100_000)).toBeCloseTo(
      servingStepSeconds(qwen, h200, replica(sglang, 1), prompt(100_000)),
      12,
    );
  });

  test.prop([fc.constantFrom(2, 4), fc.integer({ min: 9_000, max: 200_000 })], { numRuns: 8 })(
    'the simulator and the analytic TTFT of a lone long prompt on a streamed pipeline agree within 8%, fixed or dynamic chunks, whatever the last',
    (pp, tokens) => {
      const r = replica(sglang, pp, 4, 'llama');
      const requests = loneRequest(tokens);
      const run = (profile: EngineProfile) =>
        simulateReplica(llama70, h200, replica(profile, pp, 4, 'llama'), requests, {
          engine: profile,
          arrival: { kind: 'burst' },
          timelinePoints: 0,
        }).ttftSeconds.p50;
      const analytic = (profile: EngineProfile) =>
        servingPoint(llama70, h200, { ...r, profile }, { inputTokens: tokens, outputTokens: 2 }, 1)
          .ttftSeconds;
      const dynamic = { ...sglang, dynamicChunking: { smoothFactor: 0.75 } };
      // The simulator prices a step on its grid (contexts 2^(1/4) apart, step-cost.ts): a few percent.
      expect(Math.abs(run(sglang) / analytic(sglang) - 1)).toBeLessThan(0.08);
      expect(Math.abs(run(dynamic) / analytic(dynamic) - 1)).toBeLessThan(0.08);
      // vLLM's serial chunks take longer on the same pipeline.
      expect(run(vllm)).toBeGreaterThan(run(sglang));
    },
  );
});

describe('a prompt partly served from the prefix cache: its computed tokens attend to the cached prefix', () => {
  it('mean context input·(1 + hit)/2: half the prompt without a hit, the cached prefix plus half the rest with one', () => {
    expect(computedPromptContext(4000)).toBe(2000);
    expect(computedPromptContext(4000, 0.5)).toBe(3000);
  });

  it("a lone prompt's first token: one pass of the computed tokens at that context (a 45K-token cached prefix: +32%)", () => {
    const r: ServingReplica = { tensorParallel: 4, expertParallel: 1, weightFormat: 'fp8', kvFormat: 'fp8' };
    const w = { inputTokens: 60_000, outputTokens: 2, cacheHitRate: 0.75 };
    const pass = (context: number) =>
      servingStepSeconds(llama70, h200, r, { ...prompt(15_000), prefillContext: context });
    expect(servingPoint(llama70, h200, r, w, 1).ttftSeconds).toBeCloseTo(pass(52_500), 12);
    expect(pass(52_500) / pass(30_000)).toBeGreaterThan(1.3);
  });

  test.prop([fc.constantFrom(0.25, 0.5, 0.75), fc.integer({ min: 8_000, max: 60_000 })], { numRuns: 24 })(
    'the analytic TTFT agrees with the simulator within 5%, and exceeds that of a fresh prompt of the computed tokens',
    (hit, tokens) => {
      const r = replica(sglang, 1, 4, 'llama');
      const requests = loneRequest(tokens);
      const simulated = simulateReplica(llama70, h200, r, requests, {
        engine: sglang,
        arrival: { kind: 'burst' },
        timelinePoints: 0,
        cacheHitRate: hit,
      }).ttftSeconds.p50;
      const analytic = servingPoint(
        llama70,
        h200,
        r,
        { inputTokens: tokens, outputTokens: 2, cacheHitRate: hit },
        1,
      );
      expect(Math.abs(simulated / analytic.ttftSeconds - 1)).toBeLessThan(0.05);
      const computed = Math.round(tokens * (1 - hit));
      const fresh = servingPoint(llama70, h200, r, { inputTokens: computed, outputTokens: 2 }, 1);
      expect(analytic.ttftSeconds).toBeGreaterThan(fresh.ttftSeconds);
    },
  );
});
