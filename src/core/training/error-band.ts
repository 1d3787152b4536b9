/**
 * The P10–P90 band of a prediction from the leave-one-out residuals of its (GPU family × stack)
 * calibration: residuals r = ln(published / predicted) are taken as normal around their median, so
 * the true value of a time-like figure lies in prediction × exp(m ± 1.2816 σ) with 80% probability
 * (z₀.₉ = 1.2816; σ from the median absolute deviation, robust to a case the engine misses badly).
 * Outside what was calibrated (no cases for the family or stack, or a scale beyond the cases) the band
 * is widened and the reason is stated.
 */
import { inverseRange, type Range, residualBand, scaledRange } from '../uncertainty/range.js';
import type { StackCalibration } from './stack.js';

export type { Range };

export interface ErrorBand {
  /** Multipliers on a time-like figure (seconds, GPU-hours, $, energy): P10 and P90. */
  readonly low: number;
  readonly high: number;
  /** Cases behind the band (0 when uncalibrated). */
  readonly cases: number;
  /** Plain statements of where the case is outside what was calibrated. */
  readonly outside: readonly string[];
}

/**
 * The band for a prediction on `gpus` GPUs of a family on a stack. `all` are every calibration of
 * every stack: when this (family × stack) has none, their pooled residuals, doubled, give the band.
 */
export function errorBand(
  calibration: StackCalibration | null,
  all: readonly StackCalibration[],
  where: { readonly family: string; readonly stack: string; readonly gpus: number },
): ErrorBand {
  const outside: string[] = [];
  let residuals: readonly number[];
  let widen = 1;
  if (calibration && calibration.leaveOneOutLogResiduals.length >= 2) {
    residuals = calibration.leaveOneOutLogResiduals;
  } else {
    outside.push(
      `no calibration cases for ${where.stack} on ${where.family} GPUs: the band is the pooled error of every calibrated family and stack, doubled`,
    );
    residuals = all.flatMap((c) => c.leaveOneOutLogResiduals);
    widen = 2;
  }
  if (calibration && where.gpus > 2 * calibration.maxGpus) {
    outside.push(
      `${where.gpus} GPUs is beyond the calibration cases (up to ${calibration.maxGpus}): the band is widened by half`,
    );
    widen *= 1.5;
  }
  if (residuals.length === 0) {
    // Nothing calibrated anywhere: a factor-of-two band either way, said plainly.
    return { low: 0.5, high: 2, cases: 0, outside: [...outside, 'no calibration data at all'] };
  }
  return { ...residualBand(residuals, widen), cases: calibration?.cases.length ?? 0, outside };
}

/** The band of a time-like figure (seconds, hours, $, joules, CO2). */
export const timeRange = (value: number, band: ErrorBand): Range => scaledRange(value, band.low, band.high);

/** The band of a rate (tokens/s): the inverse of a time. */
export const rateRange = (value: number, band: ErrorBand): Range => inverseRange(value, band.low, band.high);
