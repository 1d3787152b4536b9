/**
 * Speculative decoding as a tree (SGLang --speculative-eagle-topk > 1): each decoding sequence verifies the
 * tree's nodes and the drafter's later passes run its top-k branches; the accepted length is stated.
 */
import { describe, expect, it } from 'vitest';
import { findCluster, findModel } from '../../catalog/catalog.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { checkWorkload, servingPoint } from './serving.js';
import { type Replica, servingStepSeconds } from './serving-step.js';
import { acceptanceRateForLength, type SpeculativePlan, verifiedTokens } from './speculative-plan.js';

const spec = (id: string) => modelSpecFrom(findModel(id).config, id);
const target = spec('llama-3.1-8b');
const draft = spec('llama-3.2-1b');
const cluster = findCluster('dgx-h100');
const replica: Replica = {
  tensorParallel: 1,
  expertParallel: 1,
  weightFormat: 'bf16',
  kvFormat: 'bf16',
  drafter: { kind: 'model', spec: draft, weightFormat: 'bf16' },
};
const chain: SpeculativePlan = { draftTokens: 5, acceptanceRate: acceptanceRateForLength(5, 4.2) };
const tree: SpeculativePlan = { ...chain, tree: { width: 8, verifyTokens: 64 } };
const w = (speculative: SpeculativePlan) => ({ inputTokens: 1000, outputTokens: 300, speculative });

describe('a tree of drafts', () => {
  it('verifies its nodes: 64 tokens per sequence where the chain verifies 6', () => {
    expect(verifiedTokens(chain)).toBe(6);
    expect(verifiedTokens(tree)).toBe(64);
    expect(verifiedTokens(undefined)).toBe(1);
  });
  it('costs more per step than the chain at the same accepted length, more so at a large batch', () => {
    const ratio = (c: number) =>
      servingPoint(target, cluster, replica, w(tree), c).stepSeconds /
      servingPoint(target, cluster, replica, w(chain), c).stepSeconds;
    expect(ratio(1)).toBeGreaterThan(1);
    expect(ratio(64)).toBeGreaterThan(ratio(1));
  });
  it("runs the drafter's later passes over its top-k branches", () => {
    const step = (draftWidth: number) =>
      servingStepSeconds(target, cluster, replica, {
        decodeSequences: 64,
        tokensPerSequence: 64,
        context: 2048,
        prefillTokens: 0,
        prefillContext: 0,
        draftTokens: 5,
        draftWidth,
      });
    // Four later passes of the draft model, each over 8 tokens per sequence instead of 1.
    const draftStep = (tokensPerSequence: number) =>
      servingStepSeconds(
        draft,
        cluster,
        { ...replica, drafter: undefined },
        {
          decodeSequences: 64,
          tokensPerSequence,
          context: 2048,
          prefillTokens: 0,
          prefillContext: 0,
        },
      );
    expect(step(8) - step(1)).toBeCloseTo(4 * (draftStep(8) - draftStep(1)), 12);
  });
  it('refuses a tree its steps and top-k cannot hold, or an accepted length beyond its longest path', () => {
    const bad =
      (t: SpeculativePlan['tree'], length = 4.2) =>
      () =>
        checkWorkload(w({ draftTokens: 5, acceptanceRate: acceptanceRateForLength(5, length), tree: t }));
    expect(bad({ width: 8, verifyTokens: 265 })).not.toThrow();
    expect(bad({ width: 8, verifyTokens: 266 })).toThrow(/--verify-tokens: .*from 2 to 265/);
    expect(bad({ width: 1, verifyTokens: 6 })).toThrow(/--draft-topk/);
    expect(bad({ width: 8, verifyTokens: 3 })).toThrow(/--acceptance-length: at most 3 tokens/);
  });
});
