/**
 * What a scenario phase's figures rest on that is worth saying, as the CLI says it beside a result:
 * how the model's config was read (a lookalike family, a structure approximated) and a training or
 * served length beyond the config's context, computed as given (core/model/context-limit.ts).
 */
import { beyondContextWarning } from '../core/model/context-limit.js';
import type { ModelSpec } from '../core/model/spec.js';

/** The lengths of a phase (a scenario `Phase` is one). */
type PhaseLengths =
  | { readonly kind: 'pretrain' | 'finetune'; readonly seqLen: number }
  | { readonly kind: 'serve'; readonly inputTokens: number; readonly outputTokens: number }
  | { readonly kind: 'rl' };

export function phaseWarnings(
  spec: Pick<ModelSpec, 'name' | 'maxContextTokens' | 'warnings'>,
  phase: PhaseLengths,
  index: number,
): string[] {
  const at = `phases[${index}]`;
  // An RL rollout beyond the context is refused (check.ts), as `llmecon rl` refuses it.
  const context =
    phase.kind === 'pretrain' || phase.kind === 'finetune'
      ? beyondContextWarning(spec, `${at}.seqLen`, phase.seqLen, 'trained')
      : phase.kind === 'serve'
        ? beyondContextWarning(
            spec,
            `${at}.inputTokens + outputTokens`,
            phase.inputTokens + phase.outputTokens,
            'served',
          )
        : null;
  return [...(spec.warnings ?? []), ...(context === null ? [] : [context])];
}
