/**
 * The P10–P90 band of one kernel's time (`llmecon kernel`), from the residuals ln(measured / predicted)
 * the kernel fit left on its own measurements (leave-one-out where scripts/fit-kernels.ts computed
 * them, kernel-calibration.ts), by kernel class. A GPU without kernel measurements is timed by the
 * datasheet and published size curves: its band is those curves' residuals on the GPUs that were
 * measured, and it says that it extrapolates from them.
 */

import type { KernelClass, KernelResiduals } from '../hardware/kernel-model.js';
import { type Range, residualBand, scaledRange } from './range.js';

export interface KernelBand {
  /** Multipliers on the predicted time: P10 and P90 (1 and 1 where there is no band). */
  readonly low: number;
  readonly high: number;
  /** Measured kernels behind the band (0: no band). */
  readonly cases: number;
  /** The class whose residuals it is, and from which measurements. */
  readonly of: string;
  /** Where the prediction is outside what was measured, in words. */
  readonly outside: readonly string[];
}

/**
 * The band of a kernel of class `wanted` from `residuals`: that class where it holds at least two
 * kernels, else `fallback` (said so), else none. `foreign` names the GPU when the residuals were
 * measured on other GPUs (its figures are then extrapolated from theirs).
 */
export function kernelBand(
  residuals: KernelResiduals | undefined,
  wanted: KernelClass,
  options: { readonly fallback?: KernelClass; readonly foreign?: string } = {},
): KernelBand {
  const outside: string[] = [];
  if (residuals === undefined)
    return {
      low: 1,
      high: 1,
      cases: 0,
      of: wanted,
      outside: ['no measured residuals for this kernel model: no P10–P90 band'],
    };
  let cls = wanted;
  let values = residuals.byClass[wanted] ?? [];
  if (values.length < 2 && options.fallback !== undefined) {
    cls = options.fallback;
    values = residuals.byClass[cls] ?? [];
    outside.push(`no measured ${wanted} kernels: the band is the ${cls} kernels' (an estimate)`);
  }
  if (options.foreign !== undefined)
    outside.push(
      `no kernel measurements for ${options.foreign}: the band is the ${cls} residuals measured on ${residuals.fittedOn} (another GPU: extrapolated)`,
    );
  const of = `${cls} (${values.length} measured on ${residuals.fittedOn}, ${residuals.method})`;
  if (values.length < 2)
    return {
      low: 1,
      high: 1,
      cases: 0,
      of,
      outside: [...outside, `fewer than two measured ${cls} kernels: no P10–P90 band`],
    };
  return { ...residualBand(values), cases: values.length, of, outside };
}

/** P10–P90 of a kernel time; null for a band without cases. */
export const kernelTimeRange = (seconds: number, band: KernelBand): Range | null =>
  band.cases > 0 ? scaledRange(seconds, band.low, band.high) : null;
