/**
 * RL post-training, GRPO-style (Shao et al. 2024, DeepSeekMath Sec. 4; used for DeepSeek-R1):
 * each step samples G responses for each of N prompts with the policy (generation), scores them,
 * runs the frozen reference model forward for the KL term, and updates the policy on the N·G
 * sequences. Colocated (one set of GPUs takes turns, as in veRL/OpenRLHF): step = sum of the phases.
 */
import { energyKWh as energyKWhOf, operationalCo2Kg } from '../energy/energy.js';
import { InputError } from '../errors.js';
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import { type GenerationTime, generationTime } from '../inference/generation.js';
import type { TargetModule } from '../model/adapters.js';
import type { ModelSpec } from '../model/spec.js';
import type { KvFormat, WeightFormat } from '../precision.js';
import type { LayoutConstraints } from '../training/layout-search.js';
import type { RunCostOptions } from '../training/run-cost.js';
import type { StackProfile } from '../training/stack.js';
import { SECONDS_PER_HOUR } from '../units.js';
import { type FinetuneMethod, type FinetunePlan, planFinetune } from './finetune.js';

export interface RlOptions {
  readonly promptsPerStep: number;
  readonly samplesPerPrompt: number;
  readonly promptTokens: number;
  readonly responseTokens: number;
  readonly steps: number;
  readonly method: FinetuneMethod;
  readonly rank: number;
  readonly targets: readonly TargetModule[];
  readonly gpus: number;
  /** Run the frozen reference model for the KL penalty (GRPO default true). */
  readonly reference: boolean;
  /** A learned reward model scored forward on every response; null for rule-based rewards (R1). */
  readonly rewardModel: ModelSpec | null;
  readonly rolloutWeights: WeightFormat;
  readonly rolloutKv: KvFormat;
  readonly constraints: LayoutConstraints;
  readonly cost: Omit<RunCostOptions, 'gpus' | 'tokens'>;
  /** The software stack of the policy update (the CLI's default: Hugging Face TRL). */
  readonly stack?: StackProfile;
}

export interface RlStep {
  readonly generation: GenerationTime;
  readonly trainingSeconds: number;
  readonly referenceSeconds: number;
  readonly rewardSeconds: number;
  readonly stepSeconds: number;
  readonly tokensPerStep: number;
}

export interface RlPlan {
  readonly step: RlStep;
  readonly training: FinetunePlan;
  readonly gpuHours: number;
  readonly wallClockHours: number;
  readonly costUsd: number;
  readonly energyKWh: number;
  readonly co2Kg: number;
}

/** Forward-only pass over the step's sequences: the forward share of a training step. */
function forwardSeconds(plan: FinetunePlan): number {
  const s = plan.chosen.step;
  return (
    (s.stepSeconds * s.microbatchForwardSeconds) / (s.microbatchForwardSeconds + s.microbatchBackwardSeconds)
  );
}

export function planRl(spec: ModelSpec, cluster: ClusterSpec, o: RlOptions): RlPlan {
  for (const [flag, value] of [
    ['--prompts', o.promptsPerStep],
    ['--samples-per-prompt', o.samplesPerPrompt],
    ['--prompt-tokens', o.promptTokens],
    ['--response-tokens', o.responseTokens],
    ['--steps', o.steps],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new InputError({
        code: 'invalid_value',
        path: [flag],
        message: `must be a whole number ≥ 1, got ${value}`,
      });
    }
  }
  const seqLen = o.promptTokens + o.responseTokens;
  if (seqLen > spec.maxContextTokens) {
    throw new InputError({
      code: 'invalid_value',
      path: ['--response-tokens'],
      message: `prompt + response (${seqLen}) exceed ${spec.name}'s maximum context of ${spec.maxContextTokens} tokens`,
    });
  }
  const sequences = o.promptsPerStep * o.samplesPerPrompt;
  const generation = generationTime(spec, cluster, {
    gpus: o.gpus,
    sequences,
    promptTokens: o.promptTokens,
    outputTokens: o.responseTokens,
    weightFormat: o.rolloutWeights,
    kvFormat: o.rolloutKv,
  });
  if (!generation) {
    throw new InputError({
      code: 'infeasible',
      path: ['--gpus'],
      message: `${spec.name} does not fit for generation on ${o.gpus} × ${cluster.gpu.id} with ${seqLen}-token sequences`,
    });
  }
  // One policy update per step over the N·G sequences (padded to prompt + response).
  const sft = (model: ModelSpec, method: FinetuneMethod) =>
    planFinetune(model, cluster, {
      method,
      rank: o.rank,
      targets: o.targets,
      baseFormat: 'bf16',
      seqLen,
      globalBatchSize: sequences,
      precision: 'bf16',
      optimizer: 'adamw',
      gpus: o.gpus,
      constraints: o.constraints,
      stack: o.stack,
      dataset: { tokens: sequences * seqLen, examples: sequences, epochs: 1, packing: false },
      cost: o.cost,
    });
  const training = sft(spec, o.method);
  const trainingSeconds = training.chosen.step.stepSeconds;
  const referenceSeconds = o.reference ? forwardSeconds(training) : 0;
  const rewardSeconds = o.rewardModel ? forwardSeconds(sft(o.rewardModel, 'lora')) : 0;
  const stepSeconds = generation.seconds + trainingSeconds + referenceSeconds + rewardSeconds;
  const seconds = (o.steps * stepSeconds) / o.cost.goodput;
  const gpuHours = (seconds * o.gpus) / SECONDS_PER_HOUR;
  const e = o.cost.energy;
  const energyKWh = energyKWhOf(gpuHours, e);
  return {
    step: {
      generation,
      trainingSeconds,
      referenceSeconds,
      rewardSeconds,
      stepSeconds,
      tokensPerStep: sequences * seqLen,
    },
    training,
    gpuHours,
    wallClockHours: seconds / SECONDS_PER_HOUR,
    costUsd: gpuHours * (o.cost.usdPerGpuHour ?? 0),
    energyKWh,
    co2Kg: operationalCo2Kg(energyKWh, e),
  };
}
