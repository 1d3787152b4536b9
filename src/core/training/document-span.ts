/**
 * Packed documents with attention masked at their boundaries (FlashAttention's varlen `cu_seqlens`,
 * FlexAttention's document mask; Llama 3, Sec. 3.2): the span a token's attention covers.
 */
import { inputError } from '../errors.js';
import { lengthSpreadFromP99, lognormalSizeBiasedCappedMean } from '../uncertainty/distributions.js';

/** The documents packed into training sequences: their mean length, and its spread (a scenario phase's fields). */
export interface PackedDocuments {
  /** Omitted: no documents (one causal span per sequence). */
  readonly documentTokens?: number;
  /** P99 of their lengths (a lognormal of that mean); omitted, every document is at the mean. */
  readonly documentTokensP99?: number;
}

type Path = readonly (string | number)[];

/**
 * The attention span of packed documents (TokenShape.documentTokens, rounded): a token of a document of D
 * tokens, cut at the sequence's `seqLen`, attends within min(D, seqLen), so tokens see on average
 * E[D·min(D, s)] / E[D] — a long document holds more of the tokens (mean·(1 + cv²) uncut;
 * distributions.ts lognormalSizeBiasedCappedMean). Cuts where a document straddles two sequences are not
 * counted (they would shorten it a little). Undefined without documents or where it reaches `seqLen`: one
 * span per sequence.
 */
export function documentSpanTokens(
  d: PackedDocuments,
  seqLen: number,
  paths: { readonly mean: Path; readonly p99: Path; readonly noun?: string } = {
    mean: ['documentTokens'],
    p99: ['documentTokensP99'],
  },
): number | undefined {
  const noun = paths.noun ?? 'document';
  const { documentTokens: mean, documentTokensP99: p99 } = d;
  const name = (path: Path) => String(path[path.length - 1]);
  if (mean === undefined) {
    if (p99 !== undefined)
      inputError(
        'missing_field',
        paths.mean,
        `${name(paths.p99)} spreads the mean ${noun} length: give ${name(paths.mean)} too`,
      );
    return undefined;
  }
  const span =
    p99 === undefined
      ? Math.min(mean, seqLen)
      : lognormalSizeBiasedCappedMean(lengthSpreadFromP99(mean, p99, paths.p99, `${noun} length`), seqLen);
  const tokens = Math.round(span);
  return tokens < seqLen ? tokens : undefined;
}

/** What a warning says where stated documents span whole sequences (documentSpanTokens undefined). */
export const wholeSequenceDocuments = (seqLen: number): string =>
  `the documents span whole ${seqLen.toLocaleString('en-US')}-token sequences as their tokens see them: attention runs over each sequence, as without a mask`;

/**
 * How output names packed documents (or fine-tuning's examples): "attention within 4,096-token documents", with
 * the spread where given and the span a token sees where known.
 */
export function documentsText(
  d: PackedDocuments & { readonly documentTokens: number },
  spanTokens?: number,
  noun = 'document',
): string {
  const n = (tokens: number) => tokens.toLocaleString('en-US');
  if (d.documentTokensP99 === undefined) return `attention within ${n(d.documentTokens)}-token ${noun}s`;
  const span = spanTokens === undefined ? '' : `: ${n(spanTokens)} as their tokens see them`;
  return `attention within ${noun}s of ${n(d.documentTokens)} tokens on average, P99 ${n(d.documentTokensP99)}${span}`;
}
