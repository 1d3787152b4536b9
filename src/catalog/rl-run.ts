/**
 * A GRPO post-training run with the catalog's hardware, price and energy defaults: what `llmecon rl`
 * and the web app's Adapt view both plan (pure: the core's planRl plus catalog lookups).
 */

import { planRl, type RlOptions } from '../core/adaptation/rl.js';
import { parseTargets } from '../core/model/adapters.js';
import type { ModelSpec } from '../core/model/spec.js';
import { stackOptions } from './stacks.js';
import { defaultPrice, type ResolvedHardware, runCostAssumptions } from './training-defaults.js';

/** The core's RL options with targets as text and the price and grid from the catalog unless given. */
export interface RlRunInput extends Omit<RlOptions, 'targets' | 'cost'> {
  /** attn, mlp, experts, shared, all, or q,k,v,o,gate,up,down */
  readonly targets: string;
  /** $ per GPU-hour (default: the catalog's lowest on-demand price). */
  readonly usdPerGpuHour?: number;
  readonly region?: string;
}

/**
 * What an RL run assumes where its user sets nothing: a frozen reference policy and no separate reward
 * model (GRPO with a verifier, DeepSeekMath Sec. 4.1), LoRA rank 16 on attention and MLP when adapted,
 * BF16 rollouts, a free layout. The CLI's flag defaults, the web app and scenarios all start here.
 */
export const RL_DEFAULTS = {
  rank: 16,
  targets: 'attn,mlp',
  reference: true,
  rewardModel: null,
  rolloutWeights: 'bf16',
  rolloutKv: 'bf16',
  constraints: {},
} as const satisfies Partial<RlRunInput>;

export function planRlRun(spec: ModelSpec, hw: ResolvedHardware, o: RlRunInput) {
  const price = defaultPrice(hw.gpu, o.usdPerGpuHour);
  const plan = planRl(spec, hw.cluster, {
    promptsPerStep: o.promptsPerStep,
    samplesPerPrompt: o.samplesPerPrompt,
    promptTokens: o.promptTokens,
    responseTokens: o.responseTokens,
    steps: o.steps,
    method: o.method,
    rank: o.rank,
    targets: parseTargets(o.targets),
    gpus: o.gpus,
    reference: o.reference,
    rewardModel: o.rewardModel,
    rolloutWeights: o.rolloutWeights,
    rolloutKv: o.rolloutKv,
    constraints: o.constraints,
    // The CLI's default stack when none is given, so the web app and scenarios price the same run.
    stack: o.stack ?? stackOptions('rl').stack,
    cost: runCostAssumptions(hw, { usdPerGpuHour: price.usdPerGpuHour, region: o.region }),
  });
  const s = plan.step;
  return {
    plan,
    price,
    summary: {
      model: spec.name,
      method: o.method,
      gpu: hw.gpu.id,
      gpusUsed: o.gpus,
      stepSeconds: s.stepSeconds,
      phasesSeconds: {
        generation: s.generation.seconds,
        policyUpdate: s.trainingSeconds,
        reference: s.referenceSeconds,
        reward: s.rewardSeconds,
      },
      generation: s.generation,
      tokensPerStep: s.tokensPerStep,
      gpuHours: plan.gpuHours,
      wallClockHours: plan.wallClockHours,
      usdPerGpuHour: price.usdPerGpuHour,
      priceBasis: price.basis,
      costUsd: plan.costUsd,
      costPerStepUsd: plan.costUsd / o.steps,
      energyKWh: plan.energyKWh,
      co2Kg: plan.co2Kg,
    },
  };
}
