/**
 * A parallel layout (how a training job is split over GPUs) and its validity rules, after Megatron-LM:
 * world = TP × PP × DP × CP; experts are split over EP ranks carved out of DP × CP (with expert tensor
 * parallelism equal to TP), so EP must divide DP × CP.
 */
import type { InputIssue } from '../errors.js';
import type { ModelSpec } from '../model/spec.js';

export const PIPELINE_SCHEDULES = ['1f1b', 'interleaved', 'zero-bubble', 'dualpipe'] as const;
export type PipelineSchedule = (typeof PIPELINE_SCHEDULES)[number];
export const RECOMPUTE_MODES = ['none', 'selective', 'full'] as const;
export type RecomputeMode = (typeof RECOMPUTE_MODES)[number];

export interface ParallelLayout {
  readonly tensorParallel: number;
  readonly pipelineParallel: number;
  readonly dataParallel: number;
  readonly expertParallel: number;
  readonly contextParallel: number;
  /** Virtual pipeline stages per GPU (interleaved schedule); 1 otherwise. */
  readonly virtualStages: number;
  readonly microBatchSize: number;
  readonly sequenceParallel: boolean;
  readonly recompute: RecomputeMode;
  /** 0 = plain DP; 1 = optimizer states sharded; 2 = + gradients; 3 = + weights (FSDP). */
  readonly zeroStage: 0 | 1 | 2 | 3;
  readonly schedule: PipelineSchedule;
}

export const DEFAULT_LAYOUT: ParallelLayout = {
  tensorParallel: 1,
  pipelineParallel: 1,
  dataParallel: 1,
  expertParallel: 1,
  contextParallel: 1,
  virtualStages: 1,
  microBatchSize: 1,
  sequenceParallel: false,
  recompute: 'none',
  zeroStage: 1,
  schedule: '1f1b',
};

export function worldSize(layout: ParallelLayout): number {
  return layout.tensorParallel * layout.pipelineParallel * layout.dataParallel * layout.contextParallel;
}

/** Why a layout cannot run this model (empty when it can). Flags are named as on the CLI. */
export function layoutIssues(spec: ModelSpec, layout: ParallelLayout, seqLen: number): InputIssue[] {
  const issues: InputIssue[] = [];
  const add = (flag: string, message: string) => issues.push({ code: 'infeasible', path: [flag], message });
  const positive: [string, number][] = [
    ['--tp', layout.tensorParallel],
    ['--pp', layout.pipelineParallel],
    ['--dp', layout.dataParallel],
    ['--ep', layout.expertParallel],
    ['--cp', layout.contextParallel],
    ['--vpp', layout.virtualStages],
    ['--micro-batch', layout.microBatchSize],
  ];
  for (const [flag, value] of positive) {
    if (!Number.isInteger(value) || value < 1) add(flag, `must be a whole number ≥ 1, got ${value}`);
  }
  if (issues.length > 0) return issues;
  const a = spec.attention;
  if (a.numHeads % layout.tensorParallel !== 0) {
    add('--tp', `tensor parallelism ${layout.tensorParallel} must divide the ${a.numHeads} attention heads`);
  } else if (
    a.kind === 'gqa' &&
    a.numKvHeads % layout.tensorParallel !== 0 &&
    layout.tensorParallel % a.numKvHeads !== 0
  ) {
    add(
      '--tp',
      `tensor parallelism ${layout.tensorParallel} must divide, or be a multiple of, the ${a.numKvHeads} KV heads`,
    );
  }
  const stages = layout.pipelineParallel * layout.virtualStages;
  if (stages > spec.numLayers) {
    add('--pp', `${stages} pipeline stages (pp × vpp) exceed the ${spec.numLayers} layers`);
  }
  if (layout.virtualStages > 1 && layout.schedule !== 'interleaved') {
    add('--vpp', `virtual stages need the interleaved schedule, got '${layout.schedule}'`);
  }
  if (layout.expertParallel > 1) {
    if (!spec.moe) add('--ep', `expert parallelism needs a mixture-of-experts model; ${spec.name} is dense`);
    else if (spec.moe.numExperts % layout.expertParallel !== 0) {
      add(
        '--ep',
        `expert parallelism ${layout.expertParallel} must divide the ${spec.moe.numExperts} experts`,
      );
    }
    const dpcp = layout.dataParallel * layout.contextParallel;
    if (dpcp % layout.expertParallel !== 0) {
      add(
        '--ep',
        `expert parallelism ${layout.expertParallel} must divide dp × cp = ${dpcp} (experts are split across data-parallel ranks)`,
      );
    }
  }
  if (seqLen % (2 * layout.contextParallel) !== 0 && layout.contextParallel > 1) {
    add(
      '--cp',
      `context parallelism ${layout.contextParallel} needs a sequence length divisible by ${2 * layout.contextParallel} (load-balanced causal split), got ${seqLen}`,
    );
  }
  if (layout.sequenceParallel && layout.tensorParallel === 1) {
    add('--sequence-parallel', 'sequence parallelism needs tensor parallelism > 1');
  }
  if (layout.zeroStage === 3 && layout.pipelineParallel > 1) {
    add(
      '--zero',
      'ZeRO-3/FSDP with pipeline parallelism is not supported by Megatron-LM or DeepSpeed; use ZeRO-1 with pp > 1',
    );
  }
  return issues;
}
