/**
 * Pipeline bubbles: the idle time of a pipeline schedule per training step, from each schedule's
 * paper. p stages; F and B are one micro-batch's forward and full backward time on a stage; W is the
 * weight-gradient part of B (zero-bubble schedules defer it into the bubble).
 */
import type { PipelineSchedule } from '../parallelism/layout.js';

export interface BubbleInput {
  readonly schedule: PipelineSchedule;
  readonly stages: number;
  /** Virtual stages per GPU (interleaved schedule). */
  readonly virtualStages: number;
  readonly forwardSeconds: number;
  /** Full backward: input gradients and weight gradients. */
  readonly backwardSeconds: number;
  readonly weightGradientSeconds: number;
}

/** Bubble seconds per step. */
export function pipelineBubbleSeconds(input: BubbleInput): number {
  const p = input.stages;
  if (p <= 1) return 0;
  const F = input.forwardSeconds;
  const B = input.backwardSeconds;
  const W = Math.min(input.weightGradientSeconds, B);
  switch (input.schedule) {
    case '1f1b':
      return (p - 1) * (F + B); // Narayanan et al. 2021, Sec. 2.2.1: (p−1)(t_f + t_b)
    case 'interleaved':
      return ((p - 1) * (F + B)) / input.virtualStages; // Narayanan et al. 2021, Sec. 2.2.2: ÷ v
    case 'zero-bubble':
      // ZB-H1, Qi et al. 2023 ("Zero Bubble Pipeline Parallelism"), Sec. 3.1: (p−1)(T_F + T_B − T_W)
      // with T_B the input-gradient part only; = (PP−1)(F + B − 2W) in DeepSeek-V3 Table 2's notation.
      return (p - 1) * Math.max(0, F + B - 2 * W);
    case 'dualpipe':
      // DeepSeek-V3 Table 2: (PP/2 − 1)(F&B + B − 3W), F&B the time of an overlapped forward and
      // backward chunk pair (compute adds up: F + B), B the full backward.
      return (p / 2 - 1) * Math.max(0, F + B + B - 3 * W);
    default:
      return unhandled(input.schedule);
  }
}

function unhandled(schedule: never): never {
  throw new Error(`unknown pipeline schedule ${String(schedule)}`);
}
