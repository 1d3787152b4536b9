/**
 * The trainer's side of an RL step (rl.ts): the policy update over the step's N·G sequences, and the
 * forward passes beside it (the old policy's log-probabilities, a learned reward model), planned as a
 * fine-tuning step whose batch is the step's sequences.
 */
import { InputError } from '../errors.js';
import { formatBytes } from '../format.js';
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import type { ModelSpec } from '../model/spec.js';
import { LayoutDoesNotFitError } from '../training/plan.js';
import { type FinetuneMethod, type FinetunePlan, planFinetune } from './finetune.js';
import type { RlOptions } from './rl.js';
import { asStepBatch } from './rl-batch-issue.js';
import type { RolloutTime } from './rl-rollout.js';

/** The step's longest sequence (prompt + longest response), and whether a layout holds its micro-batch. */
export interface LongestSequenceFit {
  readonly tokens: number;
  /** False where no layout holds it: the plan's layout holds the mean's micro-batches. */
  readonly fits: boolean;
  /** Where it does not fit: the memory per GPU of the closest layout sized for it (null when none was). */
  readonly leastMemoryPerGpuBytes: number | null;
}

export interface PolicyUpdate {
  readonly training: FinetunePlan;
  /** Where it does not fit, the layout holds the mean's micro-batches: a step that reaches it runs out of memory. */
  readonly longestSequence: LongestSequenceFit;
  readonly oldLogprobSeconds: number;
  readonly rewardSeconds: number;
  readonly tokensPerStep: number;
}

/** Forward-only pass over the step's sequences: the forward share of a training step. */
function forwardSeconds(plan: FinetunePlan): number {
  const { stepSeconds, microbatchForwardSeconds: f, microbatchBackwardSeconds: b } = plan.chosen.step;
  return (stepSeconds * f) / (f + b);
}

/**
 * One policy update per step over the N·G sequences at their drawn mean length (packed, as verl's and
 * NeMo-RL's dynamic batching run them), its memory sized at the micro-batch that holds the longest
 * (TrainingMemoryOptions.longestSequence: a sequence is never split between micro-batches). Where no
 * layout holds that micro-batch, the layouts that hold the mean's, and `longestSequence` says so.
 */
export function policyUpdate(
  spec: ModelSpec,
  cluster: ClusterSpec,
  o: RlOptions,
  generation: Pick<RolloutTime, 'meanResponseTokens' | 'longestResponseTokens'>,
): PolicyUpdate {
  const sequences = o.promptsPerStep * o.samplesPerPrompt;
  const seqLen = o.promptTokens + Math.max(1, Math.round(generation.meanResponseTokens));
  const longestSequence = { tokens: o.promptTokens + generation.longestResponseTokens, padded: false };
  const sft = (model: ModelSpec, method: FinetuneMethod, atLongest: boolean) =>
    asStepBatch(planFinetune, model, cluster, {
      method,
      rank: o.rank,
      targets: o.targets,
      seqLen,
      ...(atLongest && { longestSequence }),
      globalBatchSize: sequences,
      precision: o.precision ?? 'bf16',
      optimizer: 'adamw',
      gpus: o.gpus,
      constraints: o.constraints,
      ...o.attention,
      stack: o.stack,
      ...(o.offload ? { offload: o.offload } : {}),
      ...(o.memoryFit && { memoryFit: o.memoryFit }),
      ...(o.hintMemoryFit && { hintMemoryFit: o.hintMemoryFit }),
      dataset: { tokens: sequences * seqLen, examples: sequences, epochs: 1, packing: false },
      cost: o.cost,
    });
  let training: FinetunePlan;
  let fit: LongestSequenceFit = { tokens: longestSequence.tokens, fits: true, leastMemoryPerGpuBytes: null };
  try {
    training = sft(spec, o.method, true);
  } catch (error) {
    // Only memory differs between the two: where the mean's plan fails too, its error is the one to give.
    if (!(error instanceof InputError) || longestSequence.tokens <= seqLen) throw error;
    training = sft(spec, o.method, false);
    const closest = error instanceof LayoutDoesNotFitError ? error.nearestInfeasible[0] : undefined;
    fit = { ...fit, fits: false, leastMemoryPerGpuBytes: closest?.memoryPerGpuBytes ?? null };
  }
  return {
    training,
    longestSequence: fit,
    oldLogprobSeconds: forwardSeconds(training),
    // The reward model's forward is timed only: its layout at the mean's micro-batches.
    rewardSeconds: o.rewardModel ? forwardSeconds(sft(o.rewardModel, 'lora', false)) : 0,
    tokensPerStep: sequences * seqLen,
  };
}

/**
 * The policy update's verdict where no layout holds the micro-batch with the step's longest sequence, as
 * `llmecon rl` and the Adapt view print it (`stack`: whether it runs context parallelism).
 */
export function longestSequenceText(
  over: LongestSequenceFit,
  gpu: { readonly id: string; readonly memoryBytes: number },
  stack: { readonly parallelism: { readonly context: boolean } },
): string {
  const closest =
    over.leastMemoryPerGpuBytes === null
      ? ''
      : `; the closest needs ${formatBytes(over.leastMemoryPerGpuBytes)} of ${formatBytes(gpu.memoryBytes)}`;
  const split = stack.parallelism.context
    ? 'split it over GPUs (--cp) or use more GPUs'
    : 'split it over GPUs with a stack that runs context parallelism (--stack megatron or torchtitan)';
  return `fits the mean sequence's micro-batches, but no layout on ${gpu.id} holds the one with the longest (${over.tokens.toLocaleString('en-US')} tokens: prompt + longest response${closest}): a step that reaches it runs out of memory; cap responses (--max-response-tokens) or ${split}`;
}
