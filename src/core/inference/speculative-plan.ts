/**
 * Speculative decoding's plan (Leviathan et al. 2023): drafts per step, their acceptance — as a rate, or
 * from the mean accepted length engines log — and, for a tree of drafts, its width and verified nodes.
 */
import { inputError } from '../errors.js';

/**
 * Speculative decoding's shape: `draftTokens` drafting steps, each draft accepted with probability
 * `acceptanceRate` along the accepted path (for a tree, the chain rate that gives its mean accepted length).
 * A `tree` (SGLang `--speculative-eagle-topk` > 1, `--speculative-num-draft-tokens`; EAGLE-2's dynamic
 * tree) drafts `width` branches a step after the first and verifies `verifyTokens` nodes per sequence.
 */
export interface SpeculativePlan {
  readonly draftTokens: number;
  readonly acceptanceRate: number;
  readonly tree?: { readonly width: number; readonly verifyTokens: number };
}

/** Tokens each decoding sequence verifies in a step: 1 + its drafts along a chain, a tree's nodes, 1 without. */
export function verifiedTokens(s: SpeculativePlan | undefined): number {
  return s ? (s.tree?.verifyTokens ?? 1 + s.draftTokens) : 1;
}

/** Expected tokens per verification step with k drafts accepted i.i.d. with probability a: Σ a^i, i = 0..k. */
export function tokensPerStep(speculative: SpeculativePlan | undefined): number {
  if (!speculative) return 1;
  let total = 0;
  for (let i = 0; i <= speculative.draftTokens; i += 1) total += speculative.acceptanceRate ** i;
  return total;
}

/** A plan in words, as the CLI and the web app state it: drafts, acceptance and tokens per step (or the tree). */
export function speculationPhrase(s: SpeculativePlan): string {
  const k = s.draftTokens;
  const perStep = tokensPerStep(s).toFixed(2);
  if (s.tree)
    return `a tree of ${k} draft steps × top-${s.tree.width}, ${verifiedTokens(s)} tokens verified per sequence, ${perStep} accepted per step`;
  return `${k} draft${k > 1 ? 's' : ''} per step at ${(100 * s.acceptanceRate).toFixed(0)}% acceptance (${perStep} tokens per step)`;
}

/**
 * The acceptance rate a at which k drafts give `meanTokensPerStep` tokens a verifying step ({@link tokensPerStep}
 * = L, increasing in a from 1 at a = 0 to k + 1 at a = 1), by bisection: engines report the mean acceptance
 * length (vLLM's "Mean acceptance length", 1 + accepted drafts per draft step; SGLang's "accept len").
 */
export function acceptanceRateForLength(draftTokens: number, meanTokensPerStep: number): number {
  if (!(meanTokensPerStep >= 1 && meanTokensPerStep <= draftTokens + 1))
    inputError(
      'invalid_value',
      ['--acceptance-length'],
      `mean tokens per step from 1 to ${draftTokens + 1}, got ${meanTokensPerStep}`,
    );
  let low = 0;
  let high = 1;
  for (let i = 0; i < 60; i += 1) {
    const mid = (low + high) / 2;
    if (tokensPerStep({ draftTokens, acceptanceRate: mid }) < meanTokensPerStep) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/** Refuses a speculative plan no engine runs, naming the flag. */
export function checkSpeculation(s: SpeculativePlan | undefined): void {
  if (
    s &&
    (!(s.acceptanceRate >= 0 && s.acceptanceRate <= 1) ||
      !Number.isInteger(s.draftTokens) ||
      s.draftTokens < 1)
  ) {
    inputError(
      'invalid_value',
      ['--acceptance-rate'],
      'speculative decoding needs ≥ 1 draft token and an acceptance rate in [0, 1]',
    );
  }
  const tree = s?.tree;
  if (s && tree) {
    // SGLang's EAGLE tree: w candidates after the first step and w² (w kept nodes × w children) after each
    // later one, from which the verified nodes are chosen (eagle_utils organize_draft_results).
    const w = tree.width;
    const most = 1 + w + (s.draftTokens - 1) * w * w;
    if (!Number.isInteger(w) || w < 2)
      inputError('invalid_value', ['--draft-topk'], `a tree needs a whole top-k of at least 2, got ${w}`);
    if (!Number.isInteger(tree.verifyTokens) || tree.verifyTokens < 2 || tree.verifyTokens > most)
      inputError(
        'invalid_value',
        ['--verify-tokens'],
        `tokens verified per sequence from 2 to ${most} (the root, ${w} first drafts and ${w}² candidates in each of ${s.draftTokens - 1} later steps), got ${tree.verifyTokens}`,
      );
    const longest = Math.min(s.draftTokens + 1, tree.verifyTokens);
    if (tokensPerStep(s) > longest + 1e-9)
      inputError(
        'invalid_value',
        ['--acceptance-length'],
        `at most ${longest} tokens a step are accepted from ${tree.verifyTokens} verified over ${s.draftTokens} steps`,
      );
  }
}
