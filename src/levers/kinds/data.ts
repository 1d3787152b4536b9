/** Lever `data`: fewer or curated training tokens. */
import { type LeverKind, training } from '../kind.js';

export const data: LeverKind<'data'> = {
  label(l) {
    return l.tokens
      ? `train on ${(l.tokens / 1e12).toFixed(1)}T tokens`
      : `curated data (×${l.effectiveTokenMultiplier})`;
  },
  apply(s, lever, i) {
    const x = training(s, i, lever.lever);
    const tokens = lever.tokens ?? x.tokens / lever.effectiveTokenMultiplier!;
    return { state: { ...x, tokens }, caveat: `assumption: ${lever.assumption}` };
  },
};
