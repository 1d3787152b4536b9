/**
 * The P10–P90 band of a prediction from the leave-one-out residuals of its (GPU family × stack)
 * calibration: residuals r = ln(published / predicted) are taken as normal around their median, so
 * the true value of a time-like figure lies in prediction × exp(m ± q σ) with 80% probability
 * (q = t₀.₉(n − 1)·√(1 + 1/n) for n residuals, a prediction interval for the next case, 1.2816 as n
 * grows; σ the larger of the median and the mean absolute deviation, uncertainty/range.ts).
 * Outside what was calibrated (no cases for the family or stack, or a scale beyond the cases) the band
 * is widened and the reason is stated.
 */

import { formatCount } from '../format.js';
import { type LabelledMixer, unseenMixerStatement } from '../model/layer-mix.js';
import { percentile } from '../statistics.js';
import { reachRecord, recordOf } from '../uncertainty/model-record.js';
import { inverseRange, type Range, residualBand, scaledRange } from '../uncertainty/range.js';
import type { SharedCalibrationParameter, StackCalibration } from './stack.js';

/** The calibration parameters in words, for the outside-calibration statements. */
const PARAMETER_WORDS: Readonly<Record<SharedCalibrationParameter, string>> = {
  attentionScale: 'the attention factor',
  expertScale: 'the routed-expert factor',
  localExpertOverheadSeconds: 'the host time per local expert of an MoE layer',
};

export type { Range };

export interface ErrorBand {
  /** Multipliers on a time-like figure (seconds, GPU-hours, $, energy): P10 and P90. */
  readonly low: number;
  readonly high: number;
  /** Cases behind the band (0 when uncalibrated). */
  readonly cases: number;
  /** Held-out runs whose residuals joined the band (0 when none). */
  readonly heldOutRuns: number;
  /** Plain statements of where the case is outside what was calibrated. */
  readonly outside: readonly string[];
}

/** Residuals each (family × stack) fit contributes to a pooled band. */
const POOLED_PER_FIT = 20;

/**
 * Every fit's residuals as POOLED_PER_FIT evenly spaced quantiles of its own, so each fit weighs
 * equally in a pooled band: a stack with many cases (LLM Foundry's 111 benchmark rows) does not
 * narrow the band of every uncalibrated pair by its count alone.
 */
function pooledResiduals(perFit: readonly (readonly number[])[]): number[] {
  return perFit.flatMap((r) => {
    if (r.length === 0) return [];
    const sorted = [...r].sort((a, b) => a - b);
    return Array.from({ length: POOLED_PER_FIT }, (_, i) => percentile(sorted, (i + 0.5) / POOLED_PER_FIT));
  });
}

/**
 * The band for a prediction on `gpus` GPUs of a family on a stack. `all` are every calibration of
 * every stack: when this (family × stack) has none, their pooled residuals, doubled, give the band.
 */
export function errorBand(
  calibration: StackCalibration | null,
  all: readonly StackCalibration[],
  where: {
    readonly family: string;
    readonly stack: string;
    readonly gpus: number;
    /** The model's total parameters and whether it routes to experts (when known). */
    readonly params?: number;
    readonly moe?: boolean;
    /** The model's token-mixer kinds and their labels (layer-mix.ts labelledMixerKinds), when known. */
    readonly mixers?: readonly LabelledMixer[];
    /** The stack's own model types, when this model is not one (it runs another stack's modules). */
    readonly foreignTo?: readonly string[];
    /** Attention's share of the engine's step before calibration (calibration-case.ts caseTerms), when known. */
    readonly attentionFraction?: number;
    /** Model states the run keeps in host memory (`--offload`): no calibration case did (activations, some do). */
    readonly hostOffload?: string;
  },
): ErrorBand {
  const outside: string[] = [];
  let residuals: readonly number[];
  let widen = 1;
  // Residuals of the fit's cases left out one at a time, and of the held-out runs on the same family
  // and stack (the fit never saw them): the band is as wide as both say.
  const evidence = (c: StackCalibration) => [...c.leaveOneOutLogResiduals, ...(c.heldOutLogResiduals ?? [])];
  if (calibration && calibration.leaveOneOutLogResiduals.length >= 2) {
    residuals = evidence(calibration);
  } else {
    const moved = calibration?.transferred;
    outside.push(
      `no calibration cases for ${where.stack} on ${where.family} GPUs: ${moved ? `its terms are the medians of its fits on ${moved.families.join(', ')} (its overhead over the engine, taken as the same on every GPU family); ` : ''}the band is the pooled error of every calibrated family and stack, doubled`,
    );
    residuals = pooledResiduals(all.map(evidence));
    widen = 2;
  }
  const families = calibration?.caseFamilies;
  if (calibration?.family === '*' && families && !families.includes(where.family)) {
    outside.push(
      `no ${where.stack} calibration cases ran on ${where.family} GPUs: its fit over ${families.join(', ')} is applied unchanged; the band is doubled`,
    );
    widen *= 2;
  }
  if (calibration && where.gpus > 2 * calibration.maxGpus) {
    outside.push(
      `${where.gpus} GPUs is beyond the calibration cases (up to ${calibration.maxGpus}): the band is widened by half`,
    );
    widen *= 1.5;
  }
  if (calibration && where.params !== undefined && where.params > 2 * calibration.maxParams) {
    outside.push(
      `a ${formatCount(where.params)}-parameter model is beyond the calibration cases (up to ${formatCount(calibration.maxParams)}): the band is widened by half`,
    );
    widen *= 1.5;
  }
  // The compute scale and attention factor are fitted on the cases' attention shares: far beyond them (a long context) they extrapolate.
  const attentionMax = calibration?.maxAttentionFraction;
  if (
    attentionMax !== undefined &&
    where.attentionFraction !== undefined &&
    where.attentionFraction > Math.max(1.5 * attentionMax, attentionMax + 0.1)
  ) {
    outside.push(
      `attention is ${(100 * where.attentionFraction).toFixed(0)}% of this step, beyond the calibration cases (up to ${(100 * attentionMax).toFixed(0)}%): the fit's compute scale and attention factor are extrapolated to it; the band is widened by half`,
    );
    widen *= 1.5;
  }
  if (calibration && where.foreignTo) {
    outside.push(
      `the ${where.stack} calibration cases ran its own ${where.foreignTo.join(', ')} modules; this model runs transformers' modules: the band is widened by half`,
    );
    widen *= 1.5;
  }
  // No calibration case kept model states in host memory (NeMo's offload activations only): their copies and the
  // host's optimizer step are priced at the host's peak rates (offload.ts), which a CPU Adam rarely reaches.
  if (where.hostOffload) {
    outside.push(
      `model states in host memory (--offload ${where.hostOffload}): no calibration case offloaded them, and the host's optimizer step and copies are priced at its peak rates: the band is widened by half`,
    );
    widen *= 1.5;
  }
  const unseen = unseenMixerStatement(where.mixers, calibration?.caseMixers, 'no calibration case');
  if (unseen) {
    outside.push(unseen);
    widen *= 1.5;
  }
  // A transferred calibration says where its terms come from in the pooled-band line above.
  const borrowed = calibration?.transferred
    ? []
    : (calibration?.extrapolated.filter((p) => where.moe || p === 'attentionScale') ?? []);
  // A parameter borrowed from other families is an extrapolation like the ones above: the band widens.
  if (calibration && borrowed.length > 0) {
    outside.push(
      `${borrowed.map((p) => PARAMETER_WORDS[p]).join(' and ')} ${borrowed.length > 1 ? 'are' : 'is'} not calibrated on ${where.family} GPUs for ${where.stack} (taken from the stack's other GPU families, or neutral where none has data): the band is widened by half`,
    );
    widen *= 1.5;
  }
  if (residuals.length === 0) {
    // Nothing calibrated anywhere: a factor-of-two band either way, said plainly.
    return {
      low: 0.5,
      high: 2,
      cases: 0,
      heldOutRuns: 0,
      outside: [...outside, 'no calibration data at all'],
    };
  }
  // The median of the model's own runs among the cases (each left out of the fit) where the band misses it.
  const reached = reachRecord(
    residualBand(residuals, widen),
    recordOf(calibration?.modelRecords, where.params),
    `${calibration?.fittedOn ?? where.stack} × ${calibration?.family === '*' ? 'every GPU family' : where.family}`,
  );
  if (reached.statement) outside.push(reached.statement);
  return {
    low: reached.low,
    high: reached.high,
    cases: calibration?.cases.length ?? 0,
    heldOutRuns: calibration?.heldOutLogResiduals?.length ?? 0,
    outside,
  };
}

/** The band of a time-like figure (seconds, hours, $, joules, CO2). */
export const timeRange = (value: number, band: ErrorBand): Range => scaledRange(value, band.low, band.high);

/** The band of a rate (tokens/s): the inverse of a time. */
export const rateRange = (value: number, band: ErrorBand): Range => inverseRange(value, band.low, band.high);
