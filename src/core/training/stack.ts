/**
 * Software stacks (Megatron-Core/NeMo, torchtitan, DeepSpeed, Hugging Face Trainer, Unsloth): what
 * each can split, how it allocates memory, and its calibrated speed on a GPU family. The catalog
 * (catalog/stacks/) supplies the values with their sources; this module is pure.
 *
 * The stack's speed is applied outside the step-time model: the engine's step time (kernels,
 * communication, bubbles) is multiplied by the (GPU family × stack) scale fitted by
 * scripts/calibrate.ts on published runs, and its P10–P90 band comes from that fit's leave-one-out
 * residuals (see docs/training-engine.md, "Calibration").
 */
import { InputError, type InputIssue } from '../errors.js';
import type { ParallelLayout } from '../parallelism/layout.js';
import type { StepTime } from './step-time.js';

export const STACK_IDS = ['megatron', 'torchtitan', 'deepspeed', 'hf', 'unsloth'] as const;
export type StackId = (typeof STACK_IDS)[number];

export interface StackParallelism {
  readonly tensor: boolean;
  readonly pipeline: boolean;
  readonly expert: boolean;
  readonly context: boolean;
  readonly sequence: boolean;
  readonly interleaved: boolean;
  readonly zeroStages: readonly (0 | 1 | 2 | 3)[];
  /** ZeRO-3/FSDP combined with pipeline parallelism (torchtitan: FSDP2 + PP). */
  readonly zero3WithPipeline: boolean;
}

/** How the stack allocates training memory (applied by trainingMemory). */
import type { StackMemory } from '../memory/training-memory.js';

export type { StackMemory };

/** A (GPU family × stack) calibration: the fitted step-time scale and its leave-one-out residuals. */
export interface StackCalibration {
  readonly family: string;
  /** Published step time / engine step time, geometric mean over the calibration cases. */
  readonly stepTimeScale: number;
  /** ln(published / calibrated prediction) of each case with that case left out of the fit. */
  readonly leaveOneOutLogResiduals: readonly number[];
  readonly cases: readonly string[];
  /** Largest GPU count among the cases (beyond it the band is an extrapolation). */
  readonly maxGpus: number;
}

export interface StackProfile {
  readonly id: StackId;
  readonly name: string;
  readonly parallelism: StackParallelism;
  readonly memory: StackMemory;
  readonly calibrations: readonly StackCalibration[];
}

/** Why a fixed layout cannot run on this stack (empty when it can). Flags named as on the CLI. */
export function stackLayoutIssues(stack: StackProfile, layout: Partial<ParallelLayout>): InputIssue[] {
  const issues: InputIssue[] = [];
  const p = stack.parallelism;
  const add = (field: keyof ParallelLayout, what: string) =>
    issues.push({
      code: 'infeasible',
      path: ['layout', field],
      message: `${stack.name} does not support ${what}`,
    });
  if (!p.tensor && (layout.tensorParallel ?? 1) > 1) add('tensorParallel', 'tensor parallelism');
  if (!p.pipeline && (layout.pipelineParallel ?? 1) > 1) add('pipelineParallel', 'pipeline parallelism');
  if (!p.expert && (layout.expertParallel ?? 1) > 1) add('expertParallel', 'expert parallelism');
  if (!p.context && (layout.contextParallel ?? 1) > 1) add('contextParallel', 'context parallelism');
  if (!p.sequence && layout.sequenceParallel) add('sequenceParallel', 'sequence parallelism');
  if (!p.interleaved && (layout.virtualStages ?? 1) > 1)
    add('virtualStages', 'the interleaved pipeline schedule');
  if (layout.zeroStage !== undefined && !p.zeroStages.includes(layout.zeroStage))
    add('zeroStage', `ZeRO-${layout.zeroStage} (it runs ${p.zeroStages.map((z) => `ZeRO-${z}`).join(', ')})`);
  if (!p.zero3WithPipeline && layout.zeroStage === 3 && (layout.pipelineParallel ?? 1) > 1)
    add('zeroStage', 'ZeRO-3/FSDP with pipeline parallelism; use ZeRO-1 with pp > 1');
  return issues;
}

/** Throws the issues of {@link stackLayoutIssues}. */
export function checkStackLayout(stack: StackProfile, layout: Partial<ParallelLayout>): void {
  const issues = stackLayoutIssues(stack, layout);
  if (issues.length > 0) throw new InputError(issues);
}

/** The stack's calibration on a GPU family (or pooled over families, '*'), null when it has none. */
export function stackCalibration(stack: StackProfile, family: string): StackCalibration | null {
  return (
    stack.calibrations.find((c) => c.family === family) ??
    stack.calibrations.find((c) => c.family === '*') ??
    null
  );
}

/** The engine's step time as the stack runs it: every time scaled by the fitted (family × stack) factor. */
export function calibratedStep(step: StepTime, calibration: StackCalibration | null): StepTime {
  const k = calibration?.stepTimeScale ?? 1;
  if (k === 1) return step;
  const breakdown = Object.fromEntries(
    Object.entries(step.breakdown).map(([key, seconds]) => [key, seconds * k]),
  ) as unknown as StepTime['breakdown'];
  return {
    ...step,
    stepSeconds: step.stepSeconds * k,
    tokensPerSecond: step.tokensPerSecond / k,
    mfu: step.mfu / k,
    mfuNonCausal: step.mfuNonCausal / k,
    hfu: step.hfu / k,
    hardwareFlopsPerSecondPerGpuNonCausal: step.hardwareFlopsPerSecondPerGpuNonCausal / k,
    breakdown,
    microbatchForwardSeconds: step.microbatchForwardSeconds * k,
    microbatchBackwardSeconds: step.microbatchBackwardSeconds * k,
  };
}
