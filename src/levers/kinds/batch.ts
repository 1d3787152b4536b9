/** Lever `batch`: sequence length and global batch. */
import { type LeverKind, training } from '../kind.js';

export const batch: LeverKind<'batch'> = {
  label(l) {
    return `batch ${l.globalBatchTokens ? `${(l.globalBatchTokens / 2 ** 20).toFixed(0)}M tokens` : ''}${l.seqLen ? ` at ${l.seqLen} context` : ''}`.trim();
  },
  apply(s, lever, i) {
    const x = training(s, i, lever.lever);
    return {
      state: {
        ...x,
        seqLen: lever.seqLen ?? x.seqLen,
        globalBatchTokens: lever.globalBatchTokens ?? x.globalBatchTokens,
      },
      caveat:
        'sequence length and global batch change the step, not the tokens; a larger batch can need more tokens to reach the same loss past the critical batch size (McCandlish et al. 2018)',
    };
  },
};
