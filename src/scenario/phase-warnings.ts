/**
 * What a scenario phase's figures rest on that is worth saying, as the CLI says it beside a result:
 * how the model's config was read (a lookalike family, a structure approximated) and a training or
 * served length beyond the config's context, computed as given (core/model/context-limit.ts).
 */
import { beyondContextWarning, defaultTrainingSeqLen } from '../core/model/context-limit.js';
import type { ModelSpec } from '../core/model/spec.js';

/** The lengths of a phase (a scenario `Phase` is one). */
type PhaseLengths =
  | { readonly kind: 'pretrain' | 'finetune'; readonly seqLen?: number | undefined }
  | { readonly kind: 'serve'; readonly inputTokens: number; readonly outputTokens: number }
  | { readonly kind: 'rl' };

/** A training phase's sequence length: as given, else as `llmecon train` picks it (4,096 or the context). */
export const phaseSeqLen = (
  spec: Pick<ModelSpec, 'maxContextTokens'>,
  phase: { readonly seqLen?: number | undefined },
): number => phase.seqLen ?? defaultTrainingSeqLen(spec);

export function phaseWarnings(
  spec: Pick<ModelSpec, 'name' | 'maxContextTokens' | 'warnings'> &
    Partial<Pick<ModelSpec, 'learnedPositionEmbeddings'>>,
  phase: PhaseLengths,
  index: number,
): string[] {
  const at = `phases[${index}]`;
  // An RL rollout beyond the context is refused (check.ts), as `llmecon rl` refuses it.
  const context =
    phase.kind === 'pretrain' || phase.kind === 'finetune'
      ? beyondContextWarning(spec, `${at}.seqLen`, phaseSeqLen(spec, phase), 'trained')
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
