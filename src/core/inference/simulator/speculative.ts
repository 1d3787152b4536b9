/**
 * Speculative decoding in the simulator: each of `draftTokens` drafts is accepted one after another
 * with probability a, stopping at the first rejection, and the verifying step adds one token of its
 * own (Leviathan et al. 2023, Sec. 3; expected tokens per step (1 − a^(k+1)) / (1 − a), Eq. 1).
 */
import type { Rng } from '../../uncertainty/distributions.js';

/** Tokens one verifying step emits for one sequence: 1 + the accepted prefix of the drafts. */
export function tokensPerVerifyStep(rng: Rng, draftTokens: number, acceptanceRate: number): number {
  let tokens = 1;
  for (let k = 0; k < draftTokens && rng.uniform() < acceptanceRate; k += 1) tokens += 1;
  return tokens;
}
