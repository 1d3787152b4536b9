/** Lever `batch`: sequence length, global batch and packed documents' attention mask. */
import { inputError } from '../../core/errors.js';
import { documentSpanTokens, documentsText } from '../../core/training/document-span.js';
import { type LeverKind, training } from '../kind.js';

export const batch: LeverKind<'batch'> = {
  label(l) {
    const shape =
      `${l.globalBatchTokens ? `${(l.globalBatchTokens / 2 ** 20).toFixed(0)}M tokens` : ''}${l.seqLen ? ` at ${l.seqLen} context` : ''}`.trim();
    const documents = l.documentTokens
      ? documentsText({ ...l, documentTokens: l.documentTokens })
      : l.documentTokensP99
        ? `document lengths P99 ${l.documentTokensP99.toLocaleString('en-US')}`
        : '';
    return [shape && `batch ${shape}`, documents].filter((part) => part !== '').join(' · ');
  },
  apply(s, lever, i) {
    const { documentTokens: mean, documentTokensP99: p99, ...x } = training(s, i, lever.lever);
    const documentField = lever.documentTokens !== undefined ? 'documentTokens' : 'documentTokensP99';
    if (x.kind === 'finetune' && lever[documentField] !== undefined)
      inputError(
        'invalid_value',
        ['levers', i, documentField],
        "packs a pretraining run's documents; a fine-tuning baseline masks its packed examples with packingMask (their spread: lengthP99)",
      );
    // New documents replace the baseline's with their own spread; a P99 alone spreads the baseline's.
    const documentTokens = lever.documentTokens ?? mean;
    const documentTokensP99 =
      lever.documentTokens !== undefined ? lever.documentTokensP99 : (lever.documentTokensP99 ?? p99);
    // A spread the lever states is checked here, so that its error names the lever, not the baseline.
    if (lever[documentField] !== undefined)
      documentSpanTokens({ documentTokens, documentTokensP99 }, lever.seqLen ?? x.seqLen, {
        mean: ['levers', i, 'documentTokens'],
        p99: ['levers', i, 'documentTokensP99'],
      });
    return {
      state: {
        ...x,
        seqLen: lever.seqLen ?? x.seqLen,
        globalBatchTokens: lever.globalBatchTokens ?? x.globalBatchTokens,
        ...(documentTokens !== undefined && { documentTokens }),
        ...(documentTokensP99 !== undefined && { documentTokensP99 }),
      },
      caveat: `sequence length and global batch change the step, not the tokens; a larger batch can need more tokens to reach the same loss past the critical batch size (McCandlish et al. 2018)${lever.documentTokens || lever.documentTokensP99 ? '; masking attention at document boundaries changes what a token sees (Llama 3 found it of limited impact in standard pre-training and important for very long sequences, Sec. 3.2)' : ''}`,
    };
  },
};
