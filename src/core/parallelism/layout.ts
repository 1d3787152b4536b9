/**
 * A parallel layout (how a training job is split over GPUs) and its validity rules, after Megatron-LM:
 * world = TP × PP × DP × CP; experts are split over EP ranks carved out of DP × CP (with expert tensor
 * parallelism equal to TP), so EP must divide DP × CP.
 */
import type { InputIssue } from '../errors.js';
import { type ModelSpec, unsplittableKvHeads } from '../model/spec.js';

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

/** Domain paths of a layout's fields in issues (the CLI maps them to its flags, e.g. `--tp`). */
const at = (field: keyof ParallelLayout) => ['layout', field] as const;

/** The check that EP divides DP × CP: callers that have not fixed DP yet skip it by this rule id. */
export const EP_DIVIDES_DP_CP = 'ep-divides-dp-cp';
/** The Megatron-LM/DeepSpeed rule that ZeRO-3 does not combine with PP: a stack that can (torchtitan) drops it. */
export const ZERO3_WITH_PIPELINE = 'zero3-with-pipeline';

/** Microbatches per step on each data-parallel rank: global batch / (DP × micro-batch), at least 1. */
export function microbatchCount(
  globalBatchSize: number,
  layout: Pick<ParallelLayout, 'dataParallel' | 'microBatchSize'>,
): number {
  return Math.max(1, Math.round(globalBatchSize / (layout.dataParallel * layout.microBatchSize)));
}

/** The global batch (sequences) must split evenly over DP ranks and micro-batches; null when it does. */
export function globalBatchIssue(
  globalBatchSize: number,
  layout: Pick<ParallelLayout, 'dataParallel' | 'microBatchSize'>,
): InputIssue | null {
  const unit = layout.dataParallel * layout.microBatchSize;
  return globalBatchSize % unit === 0
    ? null
    : {
        code: 'infeasible',
        path: ['globalBatchSize'],
        message: `global batch ${globalBatchSize} must be a multiple of dp × micro-batch = ${unit}`,
      };
}

/** Why a layout cannot run this model (empty when it can), with domain paths (`layout.tensorParallel`). */
export function layoutIssues(spec: ModelSpec, layout: ParallelLayout, seqLen: number): InputIssue[] {
  const issues: InputIssue[] = [];
  const add = (field: keyof ParallelLayout, message: string, rule?: string) =>
    issues.push({ code: 'infeasible', path: at(field), message, ...(rule ? { rule } : {}) });
  const positive: (keyof ParallelLayout)[] = [
    'tensorParallel',
    'pipelineParallel',
    'dataParallel',
    'expertParallel',
    'contextParallel',
    'virtualStages',
    'microBatchSize',
  ];
  for (const field of positive) {
    const value = layout[field] as number;
    if (!Number.isInteger(value) || value < 1) add(field, `must be a whole number ≥ 1, got ${value}`);
  }
  if (issues.length > 0) return issues;
  const a = spec.attention;
  if (a.numHeads % layout.tensorParallel !== 0) {
    add(
      'tensorParallel',
      `tensor parallelism ${layout.tensorParallel} must divide the ${a.numHeads} attention heads`,
    );
  } else {
    const kvHeads = unsplittableKvHeads(spec, layout.tensorParallel);
    if (kvHeads !== null)
      add(
        'tensorParallel',
        `tensor parallelism ${layout.tensorParallel} must divide, or be a multiple of, the ${kvHeads} KV heads`,
      );
  }
  const stages = layout.pipelineParallel * layout.virtualStages;
  if (stages > spec.numLayers) {
    add('pipelineParallel', `${stages} pipeline stages (pp × vpp) exceed the ${spec.numLayers} layers`);
  }
  if (layout.virtualStages > 1 && layout.schedule !== 'interleaved') {
    add('virtualStages', `virtual stages need the interleaved schedule, got '${layout.schedule}'`);
  }
  if (layout.expertParallel > 1) {
    if (!spec.moe)
      add('expertParallel', `expert parallelism needs a mixture-of-experts model; ${spec.name} is dense`);
    else if (spec.moe.numExperts % layout.expertParallel !== 0) {
      add(
        'expertParallel',
        `expert parallelism ${layout.expertParallel} must divide the ${spec.moe.numExperts} experts`,
      );
    }
    const dpcp = layout.dataParallel * layout.contextParallel;
    if (dpcp % layout.expertParallel !== 0) {
      add(
        'expertParallel',
        `expert parallelism ${layout.expertParallel} must divide dp × cp = ${dpcp} (experts are split across data-parallel ranks)`,
        EP_DIVIDES_DP_CP,
      );
    }
  }
  if (seqLen % (2 * layout.contextParallel) !== 0 && layout.contextParallel > 1) {
    add(
      'contextParallel',
      `context parallelism ${layout.contextParallel} needs a sequence length divisible by ${2 * layout.contextParallel} (load-balanced causal split), got ${seqLen}`,
    );
  }
  if (layout.sequenceParallel && layout.tensorParallel === 1) {
    add('sequenceParallel', 'sequence parallelism needs tensor parallelism > 1');
  }
  if (layout.zeroStage === 3 && layout.pipelineParallel > 1) {
    add(
      'zeroStage',
      'ZeRO-3/FSDP with pipeline parallelism is not supported by Megatron-LM or DeepSpeed; use ZeRO-1 with pp > 1',
      ZERO3_WITH_PIPELINE,
    );
  }
  return issues;
}
