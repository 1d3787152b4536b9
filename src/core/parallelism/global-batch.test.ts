import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BATCH_TOKENS_TOLERANCE,
  globalBatchForTokens,
  globalBatchNote,
  greatestCommonDivisor,
} from './global-batch.js';

describe('globalBatchForTokens', () => {
  it('reads "4M" tokens at 4,096 as the 1,024 sequences Llama 2 ran, not the prime 977', () => {
    expect(Math.round(4e6 / 4096)).toBe(977);
    expect(globalBatchForTokens(4e6, 4096, 2048)).toBe(1024);
    expect(globalBatchForTokens(4 * 2 ** 20, 4096, 2048)).toBe(1024);
  });
  it('keeps a batch the GPUs already split, and moves one to a multiple of a GPU count with a factor of 3', () => {
    expect(globalBatchForTokens(2048 * 4096, 4096, 64)).toBe(2048);
    // 1,024 splits over at most 32 of 96 GPUs; 1,056 = 96 × 11 is 3.1% more.
    expect(globalBatchForTokens(1024 * 4096, 4096, 96)).toBe(1056);
  });
  it('is at least one sequence, and the nearest count where ±5% holds no other', () => {
    expect(globalBatchForTokens(100, 4096, 8)).toBe(1);
    expect(globalBatchForTokens(3 * 4096, 4096, 8)).toBe(3);
  });
  it('stays within ±5% and never splits over fewer data-parallel ranks than the rounded count', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000_000 }),
        fc.integer({ min: 1, max: 131_072 }),
        fc.integer({ min: 1, max: 100_000 }),
        (tokens, seqLen, gpus) => {
          const asked = tokens / seqLen;
          const batch = globalBatchForTokens(tokens, seqLen, gpus);
          expect(Number.isInteger(batch) && batch >= 1).toBe(true);
          const rounded = Math.max(1, Math.round(asked));
          if (batch !== rounded) {
            expect(Math.abs(batch / asked - 1)).toBeLessThanOrEqual(BATCH_TOKENS_TOLERANCE + 1e-12);
            expect(greatestCommonDivisor(batch, gpus)).toBeGreaterThanOrEqual(
              greatestCommonDivisor(rounded, gpus),
            );
          }
        },
      ),
    );
  });
  it('notes the move, with the ranks the asked batch allowed, and nothing where it did not move', () => {
    expect(globalBatchNote(4e6, 4096, 2048, 1024)).toMatch(
      /^global batch 1024 sequences \(4\.19M tokens, \+4\.9%\): 4\.00M tokens at 4096 is 976\.6 sequences, which 2048 GPUs split over at most 1 data-parallel rank;/,
    );
    expect(globalBatchNote(4 * 2 ** 20, 4096, 2048, 1024)).toBeNull();
    // Under one sequence, even one that rounds to it: a step trains one whole sequence, and says so.
    expect(globalBatchNote(1.5, 4096, 8, 1)).toBe(
      'global batch 1 sequence (4.10K tokens): 1.50 tokens at 4096 is 0.00037 of a sequence, and a step trains at least one',
    );
    expect(globalBatchNote(3000, 4096, 8, 1)).toMatch(/is 0\.73 of a sequence/);
  });
});
