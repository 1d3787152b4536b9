/**
 * Speculative decoding with a draft model (`--draft-model`): the replica holds the draft's weights and KV
 * cache and runs it each step — one pass over the step's tokens, then one per further draft — at the
 * draft's own weight format, on the target's GPUs and layout.
 */
import { describe, expect, it } from 'vitest';
import { findCluster, findModel } from '../../catalog/catalog.js';
import { inferenceMemory } from '../memory/inference-memory.js';
import type { Drafter } from '../model/drafter.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import type { WeightFormat } from '../precision.js';
import { servingPoint } from './serving.js';
import { type Replica, type StepWork, servingStepSeconds } from './serving-step.js';

const spec = (id: string) => modelSpecFrom(findModel(id).config, id);
const target = spec('llama-3.1-70b');
const small = spec('llama-3.2-1b');
const larger = spec('llama-3.1-8b');
const cluster = findCluster('dgx-h100');
const plain: Replica = { tensorParallel: 4, expertParallel: 1, weightFormat: 'bf16', kvFormat: 'bf16' };
const drafted = (draft = small, weightFormat: WeightFormat = 'bf16'): Replica => ({
  ...plain,
  drafter: { kind: 'model', spec: draft, weightFormat },
});
const decode = (sequences: number, drafts: number, verified = drafts): StepWork => ({
  decodeSequences: sequences,
  tokensPerSequence: 1 + verified,
  context: 2048,
  prefillTokens: 0,
  prefillContext: 0,
  draftTokens: drafts,
});
const step = (r: Replica, w: StepWork) => servingStepSeconds(target, cluster, r, w);

describe('a draft model in the serving step', () => {
  it('costs nothing without drafts', () => {
    expect(step(drafted(), decode(32, 0))).toBe(step(plain, decode(32, 0)));
  });
  it('adds a pass of the whole draft model per further draft, at its own weight format', () => {
    // Same verified tokens, one draft more: the target's pass and the draft's first pass are unchanged.
    const extra = step(drafted(), decode(32, 3, 3)) - step(drafted(), decode(32, 2, 3));
    // One decode token per sequence through the draft model as a model of its own (layers and head).
    const pass = servingStepSeconds(small, cluster, { ...plain, weightFormat: 'bf16' }, decode(32, 0));
    expect(extra).toBeCloseTo(pass, 12);
    const fp8 = { ...plain, weightFormat: 'fp8' as const };
    const fp8Extra =
      step(drafted(small, 'fp8'), decode(32, 3, 3)) - step(drafted(small, 'fp8'), decode(32, 2, 3));
    expect(fp8Extra).toBeCloseTo(servingStepSeconds(small, cluster, fp8, decode(32, 0)), 12);
    expect(fp8Extra).toBeLessThan(extra);
  });
  it('costs more for a larger draft, and runs over a prefill so its cache holds the prompt', () => {
    const cost = (d: typeof small) => step(drafted(d), decode(32, 4)) - step(plain, decode(32, 4));
    expect(cost(small)).toBeGreaterThan(0);
    expect(cost(larger)).toBeGreaterThan(cost(small));
    const prefill: StepWork = { ...decode(0, 1), prefillTokens: 4096, prefillContext: 1024 };
    expect(step(drafted(), prefill)).toBeGreaterThan(step(plain, prefill));
  });
  it('pays off at a single sequence with good acceptance, and loses when nothing is accepted', () => {
    const tpot = (r: Replica, acceptanceRate: number) =>
      servingPoint(
        target,
        cluster,
        r,
        {
          inputTokens: 1000,
          outputTokens: 500,
          speculative: { draftTokens: 4, acceptanceRate },
        },
        1,
      ).tpotSeconds;
    const none = servingPoint(
      target,
      cluster,
      plain,
      { inputTokens: 1000, outputTokens: 500 },
      1,
    ).tpotSeconds;
    expect(tpot(drafted(), 0.7)).toBeLessThan(0.6 * none);
    // Drafting for free beats drafting with a model: the drafter's passes are in the step.
    expect(tpot(drafted(), 0.7)).toBeGreaterThan(tpot(plain, 0.7));
    expect(tpot(drafted(), 0)).toBeGreaterThan(none);
  });
});

describe('a draft model in inference memory', () => {
  const options = {
    weightFormat: 'bf16' as const,
    kvFormat: 'fp8' as const,
    batchSize: 16,
    contextTokens: 4096,
  };
  const memory = (drafter?: Drafter) => inferenceMemory(target, { ...options, tensorParallel: 4, drafter });
  it("holds the draft's weights at its format and its KV cache at the replica's, over the same TP", () => {
    const own = inferenceMemory(small, { ...options, weightFormat: 'fp8', tensorParallel: 4 });
    const withDraft = memory({ kind: 'model', spec: small, weightFormat: 'fp8' });
    const without = memory();
    expect(withDraft.weightsBytes - without.weightsBytes).toBeCloseTo(own.weightsBytes, 0);
    expect(withDraft.kvCacheBytes - without.kvCacheBytes).toBe(own.kvCacheBytes);
    // Llama 3.2 1B: 16 layers × 8 KV heads × 64 dims × K and V, FP8, its 8 heads over TP4.
    expect(own.kvCacheBytes).toBe(16 * 4096 * 16 * 2 * 64 * 2);
    expect(withDraft.workspaceBytes).toBe(without.workspaceBytes);
  });
});
