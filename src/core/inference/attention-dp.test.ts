/**
 * Attention data parallelism places whole requests on ranks: the busiest rank of an EP > 1 replica holds a
 * lone prompt whole, at least one of fewer decoding sequences than ranks, and an even share of more; the
 * routed experts still receive exactly the step's tokens.
 */
import { describe, expect, it } from 'vitest';
import { findCluster, findModel } from '../../catalog/catalog.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { servingPoint } from './serving.js';
import { type Replica, type StepWork, servingRequest, servingStepSeconds } from './serving-step.js';
import { loneTtftSeconds } from './static-batch.js';

const v3 = modelSpecFrom(findModel('deepseek-v3').config, 'deepseek-v3');
const h100 = findCluster('dgx-h100');
const dep = (ep: number): Replica => ({
  tensorParallel: 1,
  expertParallel: ep,
  weightFormat: 'fp8',
  kvFormat: 'bf16',
});
/** `prompts` prompts of `tokens` tokens each, prefilled in one step (one without `prefillSequences`). */
const prefill = (tokens: number, prompts?: number): StepWork => ({
  decodeSequences: 0,
  tokensPerSequence: 1,
  context: 0,
  prefillTokens: tokens * (prompts ?? 1),
  prefillContext: tokens / 2,
  ...(prompts !== undefined && { prefillSequences: prompts }),
});
const decode = (sequences: number): StepWork => ({
  decodeSequences: sequences,
  tokensPerSequence: 1,
  context: 4096,
  prefillTokens: 0,
  prefillContext: 0,
});

describe('attention data parallelism: the busiest rank', () => {
  it('a lone prompt runs whole on one rank; 64 prompts over 8 ranks, 8 each; the experts get every token once', () => {
    const lone = servingRequest(h100, dep(8), prefill(4096)).shape;
    expect(lone.prefill!.tokens).toBe(4096);
    expect(lone.groupTokens).toBe(4096);
    const full = servingRequest(h100, dep(8), prefill(4096, 64)).shape;
    expect(full.prefill!.tokens).toBe(8 * 4096);
    expect(full.groupTokens).toBe(64 * 4096);
  });

  it('decoding: one sequence of three on its rank, an even share of 800; a mixed step spreads its prompt chunks', () => {
    expect(servingRequest(h100, dep(8), decode(3)).shape.sequences).toBe(1);
    expect(servingRequest(h100, dep(8), decode(800)).shape.sequences).toBe(100);
    const mixed = servingRequest(h100, dep(8), {
      ...decode(800),
      prefillTokens: 8192,
      prefillContext: 4096,
    }).shape;
    expect(mixed.prefill!.tokens).toBe(1024);
    expect(mixed.groupTokens).toBe(800 + 8192);
  });

  it('without attention data parallelism (EP 1) nothing changes: the TP group shares every token', () => {
    const tp8 = servingRequest(h100, { ...dep(1), tensorParallel: 8 }, prefill(4096)).shape;
    expect(tp8.prefill!.tokens).toBe(4096);
    expect(tp8.groupTokens).toBeUndefined();
  });

  it("a lone long prompt's first token comes later on DP attention than on TP 8, whose 8 GPUs split its work", () => {
    const tp8: Replica = { ...dep(1), tensorParallel: 8 };
    expect(loneTtftSeconds(v3, h100, dep(8), 8192)).toBeGreaterThan(
      1.5 * loneTtftSeconds(v3, h100, tp8, 8192),
    );
    // A full prefill batch keeps every rank busy: the step is no slower per token than the lone prompt's.
    const perToken = (w: StepWork) => servingStepSeconds(v3, h100, dep(8), w) / w.prefillTokens;
    expect(perToken(prefill(4096, 64))).toBeLessThan(perToken(prefill(4096)) / 3);
  });

  it('one client: the first token is the lone prompt on its rank (within 3%), on EP8 and EP32 at 1K to 30K tokens', () => {
    for (const ep of [8, 32])
      for (const tokens of [1000, 8000, 30_000]) {
        const point = servingPoint(v3, h100, dep(ep), { inputTokens: tokens, outputTokens: 100 }, 1);
        expect(Math.abs(point.ttftSeconds / loneTtftSeconds(v3, h100, dep(ep), tokens) - 1)).toBeLessThan(
          0.03,
        );
      }
  });

  it('a second client: the new prompt still runs whole on one rank, so its first token never comes sooner', () => {
    for (const ep of [8, 32]) {
      const w = { inputTokens: 4096, outputTokens: 1024 };
      const one = servingPoint(v3, h100, dep(ep), w, 1).ttftSeconds;
      const two = servingPoint(v3, h100, dep(ep), w, 2).ttftSeconds;
      expect(two).toBeGreaterThanOrEqual(one);
      // A named prompt count places them: one of them on its rank, whole, beside the decodes.
      const admitted = servingRequest(h100, dep(ep), {
        ...decode(1),
        prefillTokens: 4096,
        prefillSequences: 1,
      });
      expect(admitted.shape.prefill!.tokens).toBe(4096);
    }
  });
});
