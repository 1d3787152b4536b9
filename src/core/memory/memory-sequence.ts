/** The sequence length a run's training memory is sized at (TrainingMemoryOptions.longestSequence). */
import type { TrainingMemoryOptions } from './training-memory-types.js';

/**
 * The sequence length memory is sized at: `seqLen`, or where the run's longest sequence is longer
 * (`longestSequence`), the micro-batch that holds it: padded, its b sequences at the longest; packed, its
 * b·seqLen tokens or the longest alone where that is more (a sequence is never split between micro-batches).
 */
export function memorySequenceTokens(
  o: Pick<TrainingMemoryOptions, 'seqLen' | 'longestSequence'>,
  microBatchSize: number,
): number {
  const longest = o.longestSequence;
  if (!longest || longest.tokens <= o.seqLen) return o.seqLen;
  return longest.padded ? longest.tokens : Math.max(o.seqLen, Math.ceil(longest.tokens / microBatchSize));
}
