/**
 * The `speculative` lever: the deployment re-planned with a drafter (the model's MTP modules or a draft
 * model) whose passes, weights and KV cache the serving engine costs.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { applyLever, baselineState, evaluateState, type LeverState, servingCandidates } from './levers.js';
import { type Lever, leverSchema, servingBaselineSchema } from './schema.js';
import type { ServingState } from './state.js';

const deployment = (model: string, tpotSloSeconds: number) =>
  baselineState(
    servingBaselineSchema.parse({
      kind: 'serve',
      model,
      gpu: 'h100',
      weights: 'fp8',
      kv: 'fp8',
      inputTokens: 1000,
      outputTokens: 300,
      tokensPerDay: 2e9,
      tpotSloSeconds,
      days: 30,
    }),
  );
const apply = (s: LeverState, l: unknown) => applyLever(s, leverSchema.parse(l) as Lever, 2);
const refusal = (s: LeverState, l: unknown) => {
  try {
    apply(s, l);
  } catch (e) {
    if (e instanceof InputError) return e.issues[0]!;
  }
  throw new Error('expected an InputError');
};

describe('the speculative lever', () => {
  const llama = deployment('llama-3.1-70b', 0.02);
  const draft = { lever: 'speculative', drafter: 'llama-3.2-1b', draftTokens: 4, acceptanceRate: 0.7 };
  it('drafts with a draft model: a plan the engine costs, cheaper under a tight TPOT limit', () => {
    const { state, caveat } = apply(llama, draft);
    const s = state as ServingState;
    expect(s.drafter).toMatchObject({ kind: 'model', weightFormat: 'bf16' });
    expect(s.workload.speculative).toEqual({ draftTokens: 4, acceptanceRate: 0.7 });
    expect(caveat).toMatch(/2\.77 tokens a step.*costed/);
    expect(evaluateState(state).costUsd).toBeLessThan(evaluateState(llama).costUsd);
    // The same drafts for free would be cheaper still: the draft model's passes are in every step.
    const free: ServingState = { ...s, drafter: undefined };
    expect(evaluateState(free).costUsd).toBeLessThan(evaluateState(state).costUsd);
  });
  it('takes acceptance 0 as `--acceptance-rate 0` does: the worst case, one token a step and the drafts still paid', () => {
    const relaxed = deployment('llama-3.1-70b', 0.2);
    const none = apply(relaxed, { ...draft, acceptanceRate: 0 }).state;
    expect(Number.isFinite(evaluateState(none).costUsd)).toBe(true);
    expect(evaluateState(none).costUsd).toBeGreaterThan(evaluateState(relaxed).costUsd);
  });
  it("drafts with the model's MTP modules at DeepSeek's acceptance by default", () => {
    const v3 = deployment('deepseek-v3', 0.05);
    const s = apply(v3, { lever: 'speculative' }).state as ServingState;
    expect(s.drafter).toEqual({ kind: 'mtp' });
    expect(s.workload.speculative).toEqual({ draftTokens: 1, acceptanceRate: 0.85 });
  });
  it("plans only the TPs the draft model's heads split over (engines run it at the target's TP)", () => {
    const qwen = deployment('qwen2.5-72b', 0.05);
    const drafted = apply(qwen, { ...draft, drafter: 'qwen2.5-7b' }).state as ServingState;
    const tps = (s: ServingState) => servingCandidates(s).map((c) => c.replica.tensorParallel);
    expect(tps(qwen as ServingState)).toContain(8);
    expect(tps(drafted)).not.toContain(8);
    expect(tps(drafted)).toContain(4);
  });
  it('is refused where it cannot apply, naming the field', () => {
    expect(refusal(llama, { lever: 'speculative' }).message).toMatch(/no MTP modules; name a draft model/);
    const { draftTokens: _, ...noTokens } = draft;
    expect(refusal(llama, noTokens)).toMatchObject({ path: ['levers', 2, 'draftTokens'] });
    const { acceptanceRate: __, ...noRate } = draft;
    expect(refusal(llama, noRate)).toMatchObject({ path: ['levers', 2, 'acceptanceRate'] });
    expect(refusal(apply(llama, draft).state, draft).message).toMatch(/drafts already/);
    expect(refusal(llama, { ...draft, drafter: 'no-such-model' }).message).toMatch(/no-such-model/);
    expect(refusal(llama, { ...draft, drafter: 'llama-3.1-405b' })).toMatchObject({
      path: ['levers', 2, 'drafter'],
      message: expect.stringMatching(/is not smaller than .*cannot be faster/),
    });
  });
});
