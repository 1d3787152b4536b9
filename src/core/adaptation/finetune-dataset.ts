/**
 * A fine-tuning dataset: its tokens, examples and epochs, packed or padded (to the maximum length or to each
 * micro-batch's longest, with a lognormal length spread), and the tokens and sequence lengths it gives a run.
 */
import { inputError } from '../errors.js';
import { documentSpanTokens } from '../training/document-span.js';
import { expectedLognormalMax, lengthSpreadFromP99 } from '../uncertainty/distributions.js';

export interface Dataset {
  /** Tokens in the dataset (one epoch). */
  readonly tokens: number;
  /** Examples in the dataset; needed without packing (each example is padded to the sequence length). */
  readonly examples?: number;
  readonly epochs: number;
  /** Concatenate examples into full sequences (no padding), or pad each example to `seqLen`. */
  readonly packing: boolean;
  /**
   * Without packing, what an example is padded to: `seqLen` ('max-length', the default: a tokenizer
   * called with padding="max_length"), or the longest example of its micro-batch ('longest': the
   * Hugging Face collators' default, DataCollatorForSeq2Seq / DataCollatorWithPadding padding=True),
   * each data-parallel step then waiting for the rank with the longest.
   */
  readonly padding?: 'max-length' | 'longest';
  /**
   * P99 of the examples' lengths in tokens (with 'longest'): their spread, a lognormal of mean
   * tokens/examples; omitted, every example is at the mean.
   */
  readonly lengthP99?: number;
  /** Packed examples attend only within themselves (TRL `padding_free`, FlashAttention varlen): maskedExampleTokens. */
  readonly packingMask?: boolean;
}

/** More examples than tokens: fewer than one token each, refused at `--examples`. */
function refuseSubTokenExamples(d: Pick<Dataset, 'examples' | 'tokens'>): void {
  if (d.examples !== undefined && d.examples > d.tokens)
    inputError(
      'invalid_value',
      ['--examples'],
      `${d.examples} examples in ${d.tokens} tokens: fewer than one token each`,
    );
}

/**
 * The attention span of packed examples where `packingMask` confines attention to each (TokenShape.documentTokens;
 * document-span.ts: the mean tokens / examples, or as their tokens see them with a `lengthP99` spread), else
 * undefined, and where it reaches `seqLen`. Needs packing and the example count.
 */
export function maskedExampleTokens(d: Dataset, seqLen: number): number | undefined {
  if (d.packingMask !== true) return undefined;
  if (!d.packing)
    inputError(
      'invalid_value',
      ['--packing-mask'],
      'masks packed examples from each other: it needs packing (a padded example attends only within itself already)',
    );
  const { examples, tokens } = d;
  if (examples === undefined)
    return inputError(
      'missing_field',
      ['--examples'],
      'the packing mask spans the mean example: give the example count',
    );
  refuseSubTokenExamples(d);
  const spread = { documentTokens: tokens / examples, documentTokensP99: d.lengthP99 };
  return documentSpanTokens(spread, seqLen, { mean: ['--examples'], p99: ['--length-p99'], noun: 'example' });
}

/**
 * The length every sequence of a step runs at: `seqLen` when packed or padded to it; with padding to
 * the longest, the expected longest of the step's `sequencesInStep` examples in flight together
 * (micro-batch × data-parallel ranks: a micro-batch pads to its longest and every rank waits, at the
 * next collective, for the rank holding the longest), a lognormal draw of the dataset's mean and P99
 * (the mean of the largest order statistic: distributions.ts expectedLognormalMax), at most `seqLen`.
 */
export function stepSequenceLength(d: Dataset, seqLen: number, sequencesInStep: number): number {
  if (d.packing || (d.padding ?? 'max-length') === 'max-length' || d.examples === undefined) return seqLen;
  const mean = d.tokens / d.examples;
  if (d.lengthP99 === undefined) return Math.min(seqLen, Math.round(mean));
  const tail = lengthSpreadFromP99(mean, d.lengthP99, ['--length-p99'], 'example length');
  return Math.min(seqLen, Math.round(expectedLognormalMax(tail, sequencesInStep)));
}

/**
 * Tokens processed for a dataset: packed into full sequences, or each example padded to the step's
 * sequence length (`stepLength`: seqLen, or the longest in flight with padding to the longest).
 */
export function datasetTokens(
  d: Dataset,
  seqLen: number,
  stepLength = seqLen,
): { processed: number; useful: number; sequences: number } {
  if (!(d.tokens > 0))
    inputError('invalid_value', ['--tokens'], `dataset tokens must be greater than 0, got ${d.tokens}`);
  if (!(d.epochs > 0)) inputError('invalid_value', ['--epochs'], `must be greater than 0, got ${d.epochs}`);
  refuseSubTokenExamples(d);
  const useful = d.tokens * d.epochs;
  if (d.lengthP99 !== undefined && (d.packing ? d.packingMask !== true : d.padding !== 'longest'))
    inputError(
      'invalid_value',
      ['--length-p99'],
      'a length spread needs --padding longest (and --no-packing), or --packing-mask',
    );
  if (d.packing && d.padding !== undefined)
    inputError('invalid_value', ['--padding'], 'padding applies without packing: add --no-packing');
  if (d.packing) {
    const sequences = Math.ceil(useful / seqLen);
    return { processed: sequences * seqLen, useful, sequences };
  }
  if (d.examples === undefined)
    inputError(
      'missing_field',
      ['--examples'],
      'without --packing, give --examples so each can be padded to --seq-len',
    );
  if (d.tokens / d.examples > seqLen) {
    inputError(
      'invalid_value',
      ['--seq-len'],
      `examples average ${Math.round(d.tokens / d.examples)} tokens, more than --seq-len ${seqLen}; raise it or use --packing`,
    );
  }
  const sequences = Math.ceil(d.examples * d.epochs);
  return { processed: sequences * stepLength, useful, sequences };
}
