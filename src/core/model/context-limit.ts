/**
 * Lengths beyond a checkpoint's trained context (`max_position_embeddings`): engines serve them and
 * context extension trains on them with RoPE scaling or position interpolation, so they are computed
 * as given, with a warning that names the limit; what such lengths do to quality is not modelled.
 */
import type { ModelSpec } from './spec.js';

/** The training sequence length when none is given: 4,096 tokens, or the model's context where shorter. */
export const defaultTrainingSeqLen = (spec: Pick<ModelSpec, 'maxContextTokens'>): number =>
  Math.min(4096, spec.maxContextTokens);

/**
 * The warning for `tokens` of `what` on `spec` (null within its context); `what` is a flag or field
 * (`--seq-len`, `phases[0].seqLen`) or a sum (`input + output`). A learned position table (GPT-2's
 * `n_positions`) has no row past its length, so RoPE scaling is no way past it there.
 */
export function beyondContextWarning(
  spec: Pick<ModelSpec, 'name' | 'maxContextTokens'> & { readonly learnedPositionEmbeddings?: number },
  what: string,
  tokens: number,
  use: 'served' | 'trained',
): string | null {
  if (tokens <= spec.maxContextTokens) return null;
  const verb = what.includes(' + ') ? 'exceed' : 'exceeds';
  const limit = `${what} (${tokens} tokens) ${verb} ${spec.name}'s max_position_embeddings of ${spec.maxContextTokens}`;
  if ((spec.learnedPositionEmbeddings ?? 0) > 0)
    return `${limit}, a learned position table with no row beyond it; ${use} only with the table grown to that length (its extra rows are not counted), quality beyond it is not modelled`;
  return `${limit}; ${use} only with RoPE scaling or a longer-context checkpoint, quality beyond it is not modelled`;
}
