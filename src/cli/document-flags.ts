/** `train --document-tokens` and `--document-tokens-p99`: packed documents masked at their boundaries. */
import { documentSpanTokens, type PackedDocuments } from '../core/training/document-span.js';
import { positiveInteger } from './options.js';

/** Packed documents and the attention span they give (TrainingOptions.documentTokens). */
export type DocumentFlags = PackedDocuments & {
  readonly documentTokens: number;
  readonly spanTokens: number;
};

/** The documents the flags state, or undefined where there are none or they span whole sequences. */
export function documentFlags(
  o: { readonly documentTokens?: string; readonly documentTokensP99?: string },
  seqLen: number,
): DocumentFlags | undefined {
  const read = (text: string | undefined, flag: string) =>
    text === undefined ? undefined : positiveInteger(text, flag, 1);
  const documents = {
    documentTokens: read(o.documentTokens, '--document-tokens'),
    documentTokensP99: read(o.documentTokensP99, '--document-tokens-p99'),
  };
  const spanTokens = documentSpanTokens(documents, seqLen, {
    mean: ['--document-tokens'],
    p99: ['--document-tokens-p99'],
  });
  const { documentTokens } = documents;
  return spanTokens === undefined || documentTokens === undefined
    ? undefined
    : { ...documents, documentTokens, spanTokens };
}
