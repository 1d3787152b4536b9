/**
 * A step time as a software stack runs it: the engine's step scaled by the fitted (GPU family × stack)
 * parameters (stack.ts), its breakdown still summing to the step. The fit (validation/stack-calibration.ts)
 * and every prediction use this one formula.
 */
import { exposedCopySeconds } from '../memory/activation-offload.js';
import type { CalibrationParameters } from './stack.js';
import type { StepTime } from './step-time.js';
import type { CalibrationTerms } from './step-time-types.js';

/** An engine step as the calibration reads it: its seconds and the terms the parameters act on. */
export type CalibrationInputs = Pick<StepTime, 'stepSeconds' | 'calibrationTerms'>;

/** The calibrated step and its extras over k × the engine's step, by kind of work. */
interface CalibratedParts {
  readonly stepSeconds: number;
  readonly attentionExtra: number;
  /** (x − 1)·k: the extra per second of routed-expert work. */
  readonly expertExtra: number;
  readonly host: number;
  readonly hostOffload: number;
  /** Activation copies exposed again against the calibrated passes, minus the engine's exposure. */
  readonly actMoved: number;
}

/**
 * k·(T − host offload) + host offload + the copies' change in exposure + k·(a − 1)·attention
 * + k·(x − 1)·experts + o·n + h·l + z·l₃ (docs/training-engine.md, "Calibration").
 */
function calibratedParts(
  engineSeconds: number,
  terms: CalibrationTerms,
  calibration: CalibrationParameters,
): CalibratedParts {
  const k = calibration.stepTimeScale;
  const attentionExtra = k * (calibration.attentionScale - 1) * terms.attentionSeconds;
  const expertExtra = k * (calibration.expertScale - 1);
  const host =
    calibration.localExpertOverheadSeconds * terms.localExpertPasses +
    calibration.layerOverheadSeconds * terms.layerPasses +
    calibration.zero3LayerOverheadSeconds * terms.zero3LayerPasses;
  // Offload's host time (CPU optimizer step, PCIe/C2C copies) is not GPU kernel time: left unscaled;
  // activation copies hide behind the passes as the stack runs them (k times the engine's).
  const hostOffload = terms.hostOffloadSeconds ?? 0;
  const act = terms.activationCopy;
  const actMoved = act
    ? act.microbatches *
      (exposedCopySeconds({
        copySeconds: act.copySeconds,
        forwardSeconds: k * act.forwardSeconds,
        backwardSeconds: k * act.backwardSeconds,
      }) -
        exposedCopySeconds(act))
    : 0;
  const stepSeconds =
    k * (engineSeconds - hostOffload) +
    hostOffload +
    actMoved +
    attentionExtra +
    expertExtra * (terms.expertGemmSeconds + terms.expertCommSeconds) +
    host;
  return { stepSeconds, attentionExtra, expertExtra, host, hostOffload, actMoved };
}

/** Calibrated time per engine second of a step under the parameters (what the fit weighs per case). */
export const calibratedRatio = (calibration: CalibrationParameters, step: CalibrationInputs): number =>
  calibratedParts(step.stepSeconds, step.calibrationTerms, calibration).stepSeconds / step.stepSeconds;

/** The engine's step time as the stack runs it, with the fitted (family × stack) parameters. */
export function calibratedStep(step: StepTime, calibration: CalibrationParameters | null): StepTime {
  if (!calibration) return step;
  const k = calibration.stepTimeScale;
  const terms = step.calibrationTerms;
  const { stepSeconds, attentionExtra, expertExtra, host, hostOffload, actMoved } = calibratedParts(
    step.stepSeconds,
    terms,
    calibration,
  );
  if (stepSeconds === step.stepSeconds) return step;
  const slower = stepSeconds / step.stepSeconds;
  // A plain loop: the layout search calibrates every layout that fits (hundreds of thousands for MoE).
  const scaled = { ...step.breakdown } as Record<keyof StepTime['breakdown'], number>;
  for (const key in scaled) scaled[key as keyof StepTime['breakdown']] *= k;
  // The per-pass extras count the critical path's slots (microbatches plus the bubble's share, step-time.ts
  // calibrationTerms): the microbatches' share stays with its kind of work, the bubble's with the bubble, so
  // every term stays ≥ 0 (a factor under 1 shrinks each by at most its own time) and they sum to the step.
  const passes = step.microbatches * (step.microbatchForwardSeconds + step.microbatchBackwardSeconds);
  const inPasses = passes > 0 ? passes / (passes + step.breakdown.pipelineBubbleSeconds) : 1;
  const expertGemmExtra = expertExtra * terms.expertGemmSeconds;
  const expertCommExtra = expertExtra * terms.expertCommSeconds;
  const breakdown: StepTime['breakdown'] = {
    ...scaled,
    ...((terms.hostOptimizerSeconds ?? 0) > 0 && { optimizerSeconds: step.breakdown.optimizerSeconds }),
    ...((hostOffload > 0 || terms.activationCopy) && {
      hostTransferSeconds: step.breakdown.hostTransferSeconds + actMoved,
    }),
    attentionSeconds: scaled.attentionSeconds + inPasses * attentionExtra,
    gemmSeconds: scaled.gemmSeconds + inPasses * expertGemmExtra,
    expertParallelCommSeconds: scaled.expertParallelCommSeconds + inPasses * expertCommExtra,
    pipelineBubbleSeconds:
      scaled.pipelineBubbleSeconds + (1 - inPasses) * (attentionExtra + expertGemmExtra + expertCommExtra),
    hostOverheadSeconds: scaled.hostOverheadSeconds + host,
  };
  return {
    ...step,
    stepSeconds,
    tokensPerSecond: step.tokensPerSecond / slower,
    mfu: step.mfu / slower,
    mfuNonCausal: step.mfuNonCausal / slower,
    hfu: step.hfu / slower,
    hardwareFlopsPerSecondPerGpuNonCausal: step.hardwareFlopsPerSecondPerGpuNonCausal / slower,
    breakdown,
    microbatchForwardSeconds: step.microbatchForwardSeconds * slower,
    microbatchBackwardSeconds: step.microbatchBackwardSeconds * slower,
    calibrationTerms: {
      attentionSeconds: k * calibration.attentionScale * terms.attentionSeconds,
      expertGemmSeconds: k * calibration.expertScale * terms.expertGemmSeconds,
      expertCommSeconds: k * calibration.expertScale * terms.expertCommSeconds,
      localExpertPasses: terms.localExpertPasses,
      layerPasses: terms.layerPasses,
      zero3LayerPasses: terms.zero3LayerPasses,
      hostOffloadSeconds: hostOffload + actMoved,
      ...(terms.hostOptimizerSeconds !== undefined && { hostOptimizerSeconds: terms.hostOptimizerSeconds }),
    },
  };
}
