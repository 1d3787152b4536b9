/**
 * The core names a problem by its domain path (`layout.tensorParallel`, `gpus`); the CLI names the
 * flag a user typed. This table is the one mapping between the two.
 */
import { formatPath, type InputIssue } from '../core/errors.js';

/** The CLI flag of each stack run switch (catalog/stacks.ts StackSwitch). */
export const SWITCH_FLAGS = {
  tpCommOverlap: '--tp-comm-overlap',
  fullIterationCudaGraphs: '--full-iteration-cuda-graphs',
  bf16GradBuffers: '--bf16-grad-buffers',
} as const;

export const FLAG_FOR_PATH: Readonly<Record<string, string>> = {
  'layout.tensorParallel': '--tp',
  'layout.pipelineParallel': '--pp',
  'layout.dataParallel': '--dp',
  'layout.expertParallel': '--ep',
  'layout.redundantExperts': '--redundant-experts',
  'layout.epInTp': '--ep-in-tp',
  'deployment.tp': '--tp',
  'deployment.ep': '--ep',
  'deployment.pp': '--pp',
  'deployment.epInTp': '--ep-in-tp',
  'deployment.expertImbalance': '--expert-imbalance',
  'deployment.redundantExperts': '--redundant-experts',
  'layout.expertTensorParallel': '--etp',
  'layout.contextParallel': '--cp',
  'layout.virtualStages': '--vpp',
  'layout.microBatchSize': '--micro-batch',
  'layout.sequenceParallel': '--sequence-parallel',
  'layout.zeroStage': '--zero',
  'layout.recompute': '--recompute',
  'layout.schedule': '--schedule',
  gpus: '--gpus',
  globalBatchSize: '--global-batch',
  tokens: '--tokens',
  offload: '--offload',
  activationOffload: '--offload-activations',
  precision: '--precision',
  engine: '--engine',
  rolloutWeights: '--rollout-weights',
  rolloutKv: '--rollout-kv',
};

/** The issue with its path named as the CLI flag, where the path has one. */
export function asFlagIssue(issue: InputIssue): InputIssue {
  const path = formatPath(issue.path);
  // Own keys only: a user's key such as `__proto__` or `constructor` is no flag.
  return Object.hasOwn(FLAG_FOR_PATH, path) ? { ...issue, path: [FLAG_FOR_PATH[path]!] } : issue;
}
