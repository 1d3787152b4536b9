/** Lever `data`: fewer or curated training tokens. */
import { formatCount } from '../../core/format.js';
import { type LeverKind, training } from '../kind.js';

export const data: LeverKind<'data'> = {
  label(l) {
    return l.tokens
      ? `train on ${formatCount(l.tokens)} tokens`
      : `curated data (×${l.effectiveTokenMultiplier})`;
  },
  apply(s, lever, i) {
    const x = training(s, i, lever.lever);
    const tokens = lever.tokens ?? x.tokens / lever.effectiveTokenMultiplier!;
    // A fine-tuning dataset of examples keeps its examples' length: fewer tokens are fewer examples.
    const examples = x.kind === 'finetune' ? x.dataset.examples : undefined;
    const state =
      x.kind === 'finetune' && examples !== undefined
        ? {
            ...x,
            tokens,
            dataset: { ...x.dataset, examples: Math.max(1, Math.round((examples * tokens) / x.tokens)) },
          }
        : { ...x, tokens };
    return { state, caveat: `assumption: ${lever.assumption}` };
  },
};
