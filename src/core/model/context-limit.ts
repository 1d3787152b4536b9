/**
 * Lengths beyond a checkpoint's trained context (`max_position_embeddings`): engines serve them and
 * context extension trains on them with RoPE scaling or position interpolation, so they are computed
 * as given, with a warning that names the limit; what such lengths do to quality is not modelled.
 */
import type { ModelSpec } from './spec.js';

/**
 * The warning for `tokens` of `what` on `spec` (null within its context); `what` is a flag or field
 * (`--seq-len`, `phases[0].seqLen`) or a sum (`input + output`).
 */
export function beyondContextWarning(
  spec: Pick<ModelSpec, 'name' | 'maxContextTokens'>,
  what: string,
  tokens: number,
  use: 'served' | 'trained',
): string | null {
  if (tokens <= spec.maxContextTokens) return null;
  const verb = what.includes(' + ') ? 'exceed' : 'exceeds';
  return `${what} (${tokens} tokens) ${verb} ${spec.name}'s max_position_embeddings of ${spec.maxContextTokens}; ${use} only with RoPE scaling or a longer-context checkpoint, quality beyond it is not modelled`;
}
