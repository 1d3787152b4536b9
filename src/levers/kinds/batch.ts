/** Lever `batch`: sequence length, global batch and packed documents' attention mask. */
import { type LeverKind, training } from '../kind.js';

export const batch: LeverKind<'batch'> = {
  label(l) {
    const shape =
      `${l.globalBatchTokens ? `${(l.globalBatchTokens / 2 ** 20).toFixed(0)}M tokens` : ''}${l.seqLen ? ` at ${l.seqLen} context` : ''}`.trim();
    const documents = l.documentTokens ? `attention within ${l.documentTokens}-token documents` : '';
    return [shape && `batch ${shape}`, documents].filter((part) => part !== '').join(' · ');
  },
  apply(s, lever, i) {
    const x = training(s, i, lever.lever);
    const documentTokens = lever.documentTokens ?? x.documentTokens;
    return {
      state: {
        ...x,
        seqLen: lever.seqLen ?? x.seqLen,
        globalBatchTokens: lever.globalBatchTokens ?? x.globalBatchTokens,
        ...(documentTokens !== undefined && { documentTokens }),
      },
      caveat: `sequence length and global batch change the step, not the tokens; a larger batch can need more tokens to reach the same loss past the critical batch size (McCandlish et al. 2018)${lever.documentTokens ? '; masking attention at document boundaries changes what a token sees (Llama 3 found it of limited impact in standard pre-training and important for very long sequences, Sec. 3.2)' : ''}`,
    };
  },
};
