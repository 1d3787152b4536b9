/**
 * The P10–P90 band of a per-GPU memory prediction, from the leave-one-out residuals
 * ln(measured peak / predicted peak) of runs with their exact layout (catalog/validation/memory.json,
 * run by src/validation/memory-cases.ts). The prediction itself is not shifted: the band says how
 * far a measured peak has strayed from it. A stack without measured peaks of its own gets no band
 * (cases 0, and says so): one stack's memory behaviour (torchtitan's FSDP keeping unsharded
 * parameters under pipeline parallelism, its reserved-memory peaks) must not widen another's.
 * When P90 crosses the GPU's capacity, "fits" is qualified.
 */
import { type Range, residualBand, scaledRange } from '../uncertainty/range.js';

export interface MemoryBand {
  /** Multipliers on the predicted bytes: P10 and P90. */
  readonly low: number;
  readonly high: number;
  /** Measured peaks behind the band (its own, or the pooled count when it has none). */
  readonly cases: number;
  /** Whose peaks: the stack, or the stack's pipeline-parallel layouts ({@link memoryBandKey}). */
  readonly of: string;
  /** Where the prediction is outside what was measured, in words. */
  readonly outside: readonly string[];
}

/** Log residuals of the memory calibration cases, by {@link memoryBandKey}. */
export type MemoryResiduals = Readonly<Record<string, readonly number[]>>;

const PIPELINE = ' with pipeline parallelism';

/**
 * The residual set a layout's band is drawn from: a stack's pipeline-parallel layouts apart from the
 * rest, because the engine misses them differently (torchtitan: FSDP2 keeps whole stages unsharded
 * under PP, and its measured PP peaks sit 2–36% above the engine where the others are within 11%).
 */
export const memoryBandKey = (stack: string, pipeline: boolean): string =>
  pipeline ? `${stack}${PIPELINE}` : stack;

/**
 * The band for a stack's layout from the peaks measured in its regime (at least two), else from all
 * of the stack's peaks; none (cases 0) when the stack has fewer than two, saying how far its one
 * peak, if any, is from the engine.
 */
export function memoryBand(residuals: MemoryResiduals, stack: string, pipeline = false): MemoryBand {
  const regime = residuals[memoryBandKey(stack, pipeline)] ?? [];
  const own =
    regime.length >= 2
      ? regime
      : [...(residuals[memoryBandKey(stack, false)] ?? []), ...(residuals[memoryBandKey(stack, true)] ?? [])];
  const of = regime.length >= 2 ? memoryBandKey(stack, pipeline) : stack;
  if (own.length >= 2) return { ...residualBand(own), cases: own.length, of, outside: [] };
  const none = (why: string): MemoryBand => ({ low: 1, high: 1, cases: 0, of, outside: [why] });
  if (own.length === 1) {
    const error = Math.exp(own[0]!) - 1;
    return none(
      `one measured memory peak for the ${stack} stack (${error >= 0 ? '+' : ''}${(100 * error).toFixed(1)}% against this engine): a P10–P90 band needs two`,
    );
  }
  const measured = [
    ...new Set(
      Object.entries(residuals)
        .filter(([, r]) => r.length > 0)
        .map(([key]) => key.replace(PIPELINE, '')),
    ),
  ];
  return none(
    `no measured memory peaks for the ${stack} stack: its memory has no P10–P90 band (measured peaks exist for ${measured.length > 0 ? measured.join(', ') : 'no stack'})`,
  );
}

/** P10–P90 of a memory figure in bytes; null for a band without cases. */
export const memoryRange = (bytes: number, band: MemoryBand): Range | null =>
  band.cases > 0 ? scaledRange(bytes, band.low, band.high) : null;

/**
 * Where a predicted peak and its P10–P90 band sit against a GPU's capacity: `over` (the prediction
 * itself does not fit), `p10-over` (it fits, but so few measured peaks of its regime sat this low
 * that even P10 exceeds capacity: it will most likely run out of memory), `p90-over` (it may), or
 * `fits` (P90 included, or no band to say otherwise).
 */
export type BandedFit = 'fits' | 'p90-over' | 'p10-over' | 'over';

export function bandedFit(bytes: number, range: Range | null, capacityBytes: number): BandedFit {
  if (bytes > capacityBytes) return 'over';
  if (!range) return 'fits';
  if (range.p10 > capacityBytes) return 'p10-over';
  return range.p90 > capacityBytes ? 'p90-over' : 'fits';
}

/** A short note on a {@link BandedFit} beside a memory figure (empty when it fits, P90 included). */
export const BANDED_FIT_NOTE: Readonly<Record<BandedFit, string>> = {
  fits: '',
  'p90-over': 'P90 over capacity: it may run out of memory',
  'p10-over': 'even P10 over capacity: it will most likely run out of memory',
  over: 'over capacity',
};
