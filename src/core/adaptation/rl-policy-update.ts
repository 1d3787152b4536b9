/**
 * The trainer's side of an RL step (rl.ts): the policy update over the step's N·G sequences, and the
 * forward passes beside it (the old policy's log-probabilities, a learned reward model), planned as a
 * fine-tuning step whose batch is the step's sequences.
 */
import { DoesNotFitError } from '../errors.js';
import { wordList } from '../format.js';
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import type { ModelSpec } from '../model/spec.js';
import { LayoutDoesNotFitError } from '../training/plan.js';
import {
  closestNeedText,
  type FinetuneMethod,
  type FinetunePlan,
  type LongestSequenceFit,
  planFinetune,
} from './finetune.js';
import type { RlOptions } from './rl.js';
import { asStepBatch } from './rl-batch-issue.js';
import type { RolloutTime } from './rl-rollout.js';

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
 * NeMo-RL's dynamic batching run them), its memory sized at the micro-batch that holds the run's longest,
 * a prompt and a response at the cut (TrainingMemoryOptions.longestSequence: a sequence is never split
 * between micro-batches; verl sizes its token budget at max prompt + max response alike). Where no
 * layout holds that micro-batch, the layouts that hold the mean's, and `longestSequence` says so.
 */
export function policyUpdate(
  spec: ModelSpec,
  cluster: ClusterSpec,
  o: RlOptions,
  generation: Pick<RolloutTime, 'meanResponseTokens' | 'longestResponseTokens' | 'maxResponseTokens'>,
): PolicyUpdate {
  const sequences = o.promptsPerStep * o.samplesPerPrompt;
  const seqLen = o.promptTokens + Math.max(1, Math.round(generation.meanResponseTokens));
  // The run's longest: a prompt and a response at the cut (one step's draw is shorter; hundreds of steps
  // reach it), or at their one length where every response has it (no tail to reach the cut).
  const fixedLength = generation.longestResponseTokens <= generation.meanResponseTokens;
  const longestResponse = fixedLength ? generation.longestResponseTokens : generation.maxResponseTokens;
  const longestSequence = {
    tokens: o.promptTokens + Math.max(1, Math.round(longestResponse)),
    padded: false,
  };
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
  // planFinetune sizes memory at the longest where a layout holds it, else at the mean's micro-batches.
  const training = sft(spec, o.method, true);
  const fit = training.longestSequence ?? {
    tokens: longestSequence.tokens,
    fits: true,
    leastMemoryPerGpuBytes: null,
  };
  return {
    training,
    longestSequence: fit,
    oldLogprobSeconds: forwardSeconds(training),
    rewardSeconds: o.rewardModel
      ? rewardForwardSeconds(o.rewardModel, o.gpus, () => sft(o.rewardModel!, 'lora', false))
      : 0,
    tokensPerStep: sequences * seqLen,
  };
}

/**
 * The reward model's forward over the step's sequences, timed only: its own layout (frozen weights, as a
 * LoRA step holds them) at the mean's micro-batches. Where none holds it, the verdict names the reward
 * model: its weights, not the policy's, are what does not fit.
 */
function rewardForwardSeconds(reward: ModelSpec, gpus: number, plan: () => FinetunePlan): number {
  try {
    return forwardSeconds(plan());
  } catch (error) {
    if (!(error instanceof LayoutDoesNotFitError)) throw error;
    throw new DoesNotFitError({
      code: 'infeasible',
      path: ['--reward-model'],
      message: `the reward model ${reward.name} does not fit on the run's ${gpus} GPUs for its forward passes: ${error.issues[0]!.message}; or a smaller reward model`,
    });
  }
}

/**
 * The policy update's verdict where no layout holds the micro-batch with the run's longest sequence, as
 * `llmecon rl`, the Adapt view and a scenario's RL phase say it: `stack`, whether it splits a sequence over
 * GPUs (its search tried that already), and `contextStacks`, the stacks that do.
 */
export function longestSequenceText(
  over: LongestSequenceFit,
  gpu: { readonly id: string; readonly memoryBytes: number },
  stack: { readonly parallelism: { readonly context: boolean } },
  contextStacks: readonly string[],
): string {
  const split = stack.parallelism.context
    ? 'use more GPUs (context parallelism splits it over them)'
    : `use a stack that splits it over GPUs (context parallelism: --stack ${wordList(contextStacks)})`;
  return `fits the mean sequence's micro-batches, but no layout on ${gpu.id} holds the one with the run's longest (${over.tokens.toLocaleString('en-US')} tokens: a prompt and a response at the cut${closestNeedText(over, gpu)}): a step that reaches it runs out of memory; cap responses (--max-response-tokens) or ${split}`;
}
