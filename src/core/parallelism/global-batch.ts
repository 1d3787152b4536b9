/**
 * The global batch in sequences for a batch asked in tokens. Megatron-LM and DeepSpeed run
 * global batch = micro-batch × dp × accumulation steps (Megatron-LM `get_num_microbatches`;
 * DeepSpeed `train_batch_size`), so a batch of tokens / seqLen sequences that has few factors in
 * common with the GPU count leaves the data-parallel dimension almost nothing to split: 4·10⁶ tokens
 * at 4,096 is 977 sequences, a prime, which 2,048 GPUs split only as dp 1. A run planner picks a
 * batch near the asked one that the GPUs divide; so does this.
 */
import { formatCount } from '../format.js';
import { divisors } from './layout.js';

/**
 * How far from tokens / seqLen a batch asked in tokens may move: 5% covers "4M" read as 4·10⁶
 * against the 4·2²⁰ (4.9% more) that papers mean by it (Llama 2, Touvron et al. 2023, Sec. 2.2:
 * "a global batch-size of 4M tokens" at 4,096 = 1,024 sequences).
 */
export const BATCH_TOKENS_TOLERANCE = 0.05;

/** The batch in tokens where none is asked: 4·2²⁰, Llama 3 405B's initial batch (Llama 3 paper Sec. 3.4.1). */
export const DEFAULT_BATCH_TOKENS = 4 * 2 ** 20;

/** The largest micro-batch the layout search tries (training/layout-search.ts): batches divisible by it give it the most choices. */
const LARGEST_MICRO_BATCH = 16;

export function greatestCommonDivisor(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y > 0) [x, y] = [y, x % y];
  return x;
}

/**
 * Of the whole sequence counts within ±BATCH_TOKENS_TOLERANCE of `asked` sequences: the one that shares
 * the largest factor with the GPU count (the most data-parallel ranks it can split over), then with
 * 16 × the GPU count (the most micro-batch sizes beside), then the nearest; at least one sequence. The
 * best such count is a multiple of some divisor d of 16 × gpus, so the candidates are the multiples of
 * each d nearest to the asked count (a few hundred at most).
 */
export function splittableGlobalBatch(asked: number, gpus: number): number {
  const low = Math.max(1, Math.ceil(asked * (1 - BATCH_TOKENS_TOLERANCE)));
  const high = Math.floor(asked * (1 + BATCH_TOKENS_TOLERANCE));
  if (high < low) return Math.max(1, Math.round(asked));
  const wide = LARGEST_MICRO_BATCH * gpus;
  let best = Math.max(low, Math.min(high, Math.round(asked)));
  const score = (s: number) => [
    greatestCommonDivisor(s, gpus),
    greatestCommonDivisor(s, wide),
    -Math.abs(s - asked),
  ];
  let bestScore = score(best);
  for (const d of divisors(wide)) {
    for (const s of [Math.floor(asked / d) * d, Math.ceil(asked / d) * d]) {
      if (s < low || s > high) continue;
      const candidate = score(s);
      const better =
        candidate[0]! > bestScore[0]! ||
        (candidate[0] === bestScore[0] &&
          (candidate[1]! > bestScore[1]! ||
            (candidate[1] === bestScore[1] && candidate[2]! > bestScore[2]!)));
      if (better) {
        best = s;
        bestScore = candidate;
      }
    }
  }
  return best;
}

/** The global batch in sequences for a batch asked in tokens: {@link splittableGlobalBatch} of tokens / seqLen. */
export const globalBatchForTokens = (tokens: number, seqLen: number, gpus: number): number =>
  splittableGlobalBatch(tokens / seqLen, gpus);

/** Says where a batch asked in tokens moved to split over the GPUs, or null where it did not move. */
export function globalBatchNote(
  tokens: number,
  seqLen: number,
  gpus: number,
  sequences: number,
): string | null {
  const asked = tokens / seqLen;
  // Under one sequence: a step trains at least one whole sequence.
  if (asked < 1)
    return `global batch 1 sequence (${formatCount(seqLen)} tokens): ${formatCount(tokens)} tokens at ${seqLen} is ${asked.toPrecision(2)} of a sequence, and a step trains at least one`;
  if (sequences === Math.round(asked)) return null;
  const change = ((sequences / asked - 1) * 100).toFixed(1);
  const ranks = greatestCommonDivisor(Math.max(1, Math.round(asked)), gpus);
  return `global batch ${sequences} sequences (${formatCount(sequences * seqLen)} tokens, ${Number(change) >= 0 ? '+' : ''}${change}%): ${formatCount(tokens)} tokens at ${seqLen} is ${asked.toFixed(1)} sequences, which ${gpus} GPUs split over at most ${ranks} data-parallel rank${ranks === 1 ? '' : 's'}; ${sequences} is the batch within ±${BATCH_TOKENS_TOLERANCE * 100}% that splits over the most (global batch = micro-batch × dp × accumulation steps)`;
}
