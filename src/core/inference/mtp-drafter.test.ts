/**
 * Speculative decoding with the model's MTP modules (`--mtp`): the replica holds the modules' weights and
 * KV cache and runs them each step — one pass over the step's tokens, then one per further draft.
 */
import { describe, expect, it } from 'vitest';
import { findCluster, findModel } from '../../catalog/catalog.js';
import { inferenceMemory } from '../memory/inference-memory.js';
import { moeLayerParams } from '../model/mixer-params.js';
import { mtpParams } from '../model/param-count.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import type { ModelSpec } from '../model/spec.js';
import { servingPoint } from './serving.js';
import { type Replica, type StepWork, servingStepSeconds } from './serving-step.js';

const v3 = modelSpecFrom(findModel('deepseek-v3').config, 'deepseek-v3');
const llama = modelSpecFrom(findModel('llama-3.1-8b').config, 'llama-3.1-8b');
const cluster = findCluster('dgx-h100');
const plain: Replica = { tensorParallel: 1, expertParallel: 8, weightFormat: 'fp8', kvFormat: 'fp8' };
const drafter: Replica = { ...plain, drafter: { kind: 'mtp' } };
const decode = (drafts: number): StepWork => ({
  decodeSequences: 256,
  tokensPerSequence: 1 + drafts,
  context: 4096,
  prefillTokens: 0,
  prefillContext: 0,
  draftTokens: drafts,
});
const step = (spec: ModelSpec, r: Replica, w: StepWork) => servingStepSeconds(spec, cluster, r, w);

describe('an MTP drafter in the serving step', () => {
  it('costs nothing without drafts, without the flag, or on a model with no MTP module', () => {
    expect(step(v3, drafter, decode(0))).toBe(step(v3, plain, decode(0)));
    expect(step(v3, plain, decode(1))).toBe(step(v3, plain, { ...decode(1), draftTokens: 0 }));
    const dense = { ...plain, expertParallel: 1 };
    expect(step(llama, { ...dense, drafter: { kind: 'mtp' } }, decode(1))).toBe(
      step(llama, dense, decode(1)),
    );
  });
  it('adds one pass of the module per step and one more per further draft, a small share of the step', () => {
    const one = step(v3, drafter, decode(1)) - step(v3, plain, decode(1));
    expect(one).toBeGreaterThan(0);
    // One decoder layer of 61 and a second head: well under a tenth of DeepSeek-V3's step.
    expect(one / step(v3, plain, decode(1))).toBeLessThan(0.1);
    const two = step(v3, drafter, decode(2)) - step(v3, plain, decode(2));
    // A pass over one token per sequence, as every further draft runs.
    const single = { ...decode(0), draftTokens: 1 };
    const pass = step(v3, drafter, single) - step(v3, plain, single);
    // The second draft adds that pass, and the first pass grows by a third token per sequence: less than a pass.
    expect(two - one - pass).toBeGreaterThanOrEqual(0);
    expect(two - one - pass).toBeLessThan(pass);
  });
  it('runs over a prefill too, so the first draft follows the prompt', () => {
    const prefill: StepWork = {
      decodeSequences: 0,
      tokensPerSequence: 1,
      context: 0,
      prefillTokens: 8192,
      prefillContext: 2048,
      draftTokens: 1,
    };
    expect(step(v3, drafter, prefill)).toBeGreaterThan(step(v3, plain, prefill));
  });
  it('lowers steady-state throughput against drafts that cost nothing', () => {
    const w = {
      inputTokens: 1000,
      outputTokens: 1000,
      speculative: { draftTokens: 1, acceptanceRate: 0.85 },
    };
    const free = servingPoint(v3, cluster, plain, w, 256).outputTokensPerSecondPerGpu;
    const paid = servingPoint(v3, cluster, drafter, w, 256).outputTokensPerSecondPerGpu;
    expect(paid).toBeLessThan(free);
    expect(paid).toBeGreaterThan(0.85 * free);
  });
});

describe('an MTP drafter in inference memory', () => {
  const memory = (mtpDrafter: boolean) =>
    inferenceMemory(v3, {
      weightFormat: 'fp8',
      kvFormat: 'fp8',
      batchSize: 16,
      contextTokens: 4096,
      tensorParallel: 1,
      expertParallel: 8,
      drafter: mtpDrafter ? { kind: 'mtp' } : undefined,
    });
  it('holds the module: its routed experts over EP, the rest whole, at the weights’ precision', () => {
    const routed = v3.moe!.numExperts * moeLayerParams(v3, v3.moe!).expert;
    const expected = mtpParams(v3) - routed + routed / 8;
    expect(memory(true).weightsBytes - memory(false).weightsBytes).toBeCloseTo(expected, 0);
  });
  it("caches the module's layer like a decoder layer: one MLA latent + RoPE key per token", () => {
    // (512 + 64) FP8 bytes per token, 16 sequences of 4,096 tokens.
    expect(memory(true).kvCacheBytes - memory(false).kvCacheBytes).toBe(16 * 4096 * (512 + 64));
  });
});
