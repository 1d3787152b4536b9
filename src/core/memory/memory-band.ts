/**
 * The P10–P90 band of a per-GPU memory prediction, from the leave-one-out residuals
 * ln(measured peak / predicted peak) of runs with their exact layout (catalog/validation/memory.json,
 * run by src/validation/memory-cases.ts). The prediction itself is not shifted: the band says how
 * far a measured peak has strayed from it. A stack without measured peaks gets the pooled band of
 * every stack's peaks and says so (one global spread until it has its own; widening it further would
 * make every prediction "may not fit"). When P90 crosses the GPU's capacity, "fits" is qualified.
 */
import { type Range, residualBand, scaledRange } from '../uncertainty/range.js';

export interface MemoryBand {
  /** Multipliers on the predicted bytes: P10 and P90. */
  readonly low: number;
  readonly high: number;
  /** Measured peaks behind the band (its own, or the pooled count when it has none). */
  readonly cases: number;
  /** Where the prediction is outside what was measured, in words. */
  readonly outside: readonly string[];
}

/** Leave-one-out log residuals of the memory calibration cases, by stack. */
export type MemoryResiduals = Readonly<Record<string, readonly number[]>>;

/** The band for a stack: its own residuals when it has at least two, else every stack's pooled. */
export function memoryBand(residuals: MemoryResiduals, stack: string): MemoryBand {
  const own = residuals[stack] ?? [];
  if (own.length >= 2) return { ...residualBand(own), cases: own.length, outside: [] };
  const pooled = Object.values(residuals).flat();
  if (pooled.length < 2)
    return {
      low: 0.5,
      high: 2,
      cases: 0,
      outside: ['no measured memory peaks at all: a factor-of-two band'],
    };
  return {
    ...residualBand(pooled),
    cases: pooled.length,
    outside: [
      `no measured memory peaks for the ${stack} stack: the memory band pools the ${pooled.length} measured peaks of other stacks`,
    ],
  };
}

/** P10–P90 of a memory figure in bytes. */
export const memoryRange = (bytes: number, band: MemoryBand): Range =>
  scaledRange(bytes, band.low, band.high);

/** Whether a prediction fits, and whether its P90 still does ("fits, but P90 exceeds capacity"). */
export function bandedFit(
  bytes: number,
  band: MemoryBand,
  capacityBytes: number,
): { readonly fits: boolean; readonly p90Fits: boolean; readonly range: Range } {
  const range = memoryRange(bytes, band);
  return { fits: bytes <= capacityBytes, p90Fits: range.p90 <= capacityBytes, range };
}
