/**
 * RL post-training, GRPO-style (Shao et al. 2024, DeepSeekMath Sec. 4; used for DeepSeek-R1):
 * each step samples G responses for each of N prompts with the policy on a serving engine (the
 * rollout, rl-rollout.ts: simulated request by request, bound by the longest responses), sends the
 * updated weights to the engine (rl-weight-sync.ts), and on the trainer recomputes the old policy's
 * log-probabilities (verl's compute_log_prob, NeMo-RL's prev_logprobs), runs the frozen reference
 * model for the KL term and a reward model if learned, and updates the policy on the N·G sequences.
 * Colocated (verl, NeMo-RL, Kimi K2: one set of GPUs takes turns): step = sum of the phases.
 * Separate pools (OpenRLHF, slime): synchronous steps still add up, each pool idle while the other
 * works. With k ≥ 1 steps of staleness (async/off-policy; Fu et al. 2025, AReaL Sec. 4; Noukhovitch
 * et al. 2025) the pools overlap as NeMo RL's async GRPO runs them (nemo_rl/algorithms/grpo.py
 * async_grpo_train, async_utils/trajectory_collector.py, in-flight weight updates): a step's batch
 * starts generating when the weights k versions older land, so it has k trainer steps to finish; the
 * trainer's step (its reported "step time") is its own phases and the weight sync, plus any wait for
 * the batch; and the engine cannot turn out batches faster than it does with the next one queued.
 */
import { energyKWh as energyKWhOf, energyNote, operationalCo2Kg } from '../energy/energy.js';
import { InputError, inputError } from '../errors.js';
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import { type EngineProfile, GENERIC_ENGINE } from '../inference/engine.js';
import { SIMULATION_LIMITS } from '../inference/simulator/limits.js';
import type { OffloadOptions } from '../memory/offload.js';
import type { TrainingPrecision } from '../memory/training-recipes.js';
import type { TargetModule } from '../model/adapters.js';
import type { ModelSpec } from '../model/spec.js';
import type { KvFormat, WeightFormat } from '../precision.js';
import type { LayoutConstraints } from '../training/layout-search.js';
import type { RunCostOptions } from '../training/run-cost.js';
import type { StackProfile } from '../training/stack.js';
import { lengthSpreadFromP99 } from '../uncertainty/distributions.js';
import { SECONDS_PER_HOUR } from '../units.js';
import type { FinetuneMethod, FinetuneOptions, FinetunePlan, LongestSequenceFit } from './finetune.js';
import { policyUpdate } from './rl-policy-update.js';
import { type RolloutTime, rolloutTime } from './rl-rollout.js';
import { type RlPlacement, type WeightSync, weightSyncSeconds } from './rl-weight-sync.js';

export interface RlOptions {
  readonly promptsPerStep: number;
  readonly samplesPerPrompt: number;
  readonly promptTokens: number;
  /** Mean tokens per response (every response this long unless a tail is given). */
  readonly responseTokens: number;
  /**
   * The tail: P99 of the uncut response lengths, a lognormal whose spread is set by P99 / mean and
   * whose scale makes the cut responses average `responseTokens`. Absent: `responseP99OverMean`.
   */
  readonly responseTokensP99?: number;
  /** The tail as a ratio P99 / mean when no P99 is given (absent too: every response is the mean). */
  readonly responseP99OverMean?: number;
  /** Responses are cut here (default: the model's context less the prompt with a tail, else the mean). */
  readonly maxResponseTokens?: number;
  readonly steps: number;
  readonly method: FinetuneMethod;
  /** The policy update's precision, as `finetune --precision` (default bf16: mixed precision with an FP32 master). */
  readonly precision?: TrainingPrecision;
  readonly rank: number;
  readonly targets: readonly TargetModule[];
  readonly gpus: number;
  /** Run the frozen reference model for the KL penalty (GRPO default true). */
  readonly reference: boolean;
  /** A learned reward model scored forward on every response; null for rule-based rewards (R1). */
  readonly rewardModel: ModelSpec | null;
  readonly rolloutWeights: WeightFormat;
  readonly rolloutKv: KvFormat;
  /** The rollout engine's scheduler and memory policy (default: vLLM's defaults at the hardware bound). */
  readonly rolloutProfile?: EngineProfile;
  /** Tensor parallelism of each rollout replica as the run sets it (absent: searched). */
  readonly rolloutTensorParallel?: number;
  /** Rollout and training on the same GPUs, taking turns (default), or on separate pools. */
  readonly placement?: RlPlacement;
  /** GPUs of the rollout pool (separate placement only; `gpus` then train). */
  readonly rolloutGpus?: number;
  /** Steps the rollout may run ahead of the policy (0: synchronous, on-policy). Separate pools only. */
  readonly asyncSteps?: number;
  /** The rollout engine's weight reload rate, bytes/s (calibrated); 0 or absent: transfer only. */
  readonly reloadBytesPerSecond?: number;
  /**
   * Rollout time in an RL loop over the simulated engine at its hardware bound (calibrated on
   * published runs, rl-runs.json): what the engine loses to RL-mode work the simulator does not
   * model (log-probabilities returned per token, sampling n responses, host scheduling, the
   * Python/Ray loop around it). The trainer's phases keep their stack calibration. Default 1.
   */
  readonly rolloutTimeScale?: number;
  /**
   * Seconds every step of the RL loop spends outside the modelled phases, whatever the model and
   * hardware (calibrated on published runs with the rollout scale, rl-runs.json): the loop's fixed
   * cost — waking the engine and putting it back to sleep, moving the trainer's state on and off the
   * GPUs, dispatching the batch through the controller, gathering rewards. Default 0.
   */
  readonly loopOverheadSeconds?: number;
  /** Seed of the drawn response lengths (default 1). */
  readonly seed?: number;
  readonly constraints: LayoutConstraints;
  /** The trainer's attention (`--attention`, `--dropout`): default the stack's fused kernel, no dropout. */
  readonly attention?: Pick<FinetuneOptions, 'flashAttention' | 'attentionKernel' | 'dropout'>;
  readonly cost: Omit<RunCostOptions, 'gpus' | 'tokens'>;
  /** The software stack of the policy update (the CLI's default: Hugging Face TRL). */
  readonly stack?: StackProfile;
  /** Model states of the policy update kept in host memory (verl's FSDP optimizer offload). */
  readonly offload?: OffloadOptions;
  /** What the policy update's layouts fit at (`--memory-fit`) and its searched partial recomputation (FinetuneOptions). */
  readonly memoryFit?: FinetuneOptions['memoryFit'];
  readonly hintMemoryFit?: FinetuneOptions['hintMemoryFit'];
}

export interface RlStep {
  /** The rollout on the serving engine (its `seconds`: the slowest replica). */
  readonly generation: RolloutTime;
  readonly weightSync: WeightSync;
  /** Forward pass of the policy before the update: the old log-probabilities of the ratio. */
  readonly oldLogprobSeconds: number;
  readonly trainingSeconds: number;
  readonly referenceSeconds: number;
  readonly rewardSeconds: number;
  /** The loop's fixed seconds per step (calibrated; see RlOptions.loopOverheadSeconds). */
  readonly loopOverheadSeconds: number;
  /**
   * Async steps only (null otherwise): seconds one more step's responses add to a rollout engine
   * that never drains (the next step's batch queued behind this one's tail), scaled as the rollout.
   */
  readonly streamedRolloutSeconds: number | null;
  /** Everything the trainer GPUs do in a step: old log-probs, reference, reward, update. */
  readonly trainerSeconds: number;
  readonly stepSeconds: number;
  /** Share of the step each pool waits (separate pools; 0 when colocated). */
  readonly idleFraction: { readonly rollout: number; readonly training: number };
  readonly tokensPerStep: number;
}

export interface RlPlan {
  readonly step: RlStep;
  readonly placement: RlPlacement;
  /** Every GPU of the run (trainer + rollout pool when separate), all counted for the whole wall time. */
  readonly totalGpus: number;
  readonly rolloutGpus: number;
  /** The calibration's scale applied to the simulated rollout (1: uncalibrated). */
  readonly rolloutTimeScale: number;
  readonly training: FinetunePlan;
  /** The run's longest sequence, and whether the policy update's layout holds it (rl-policy-update.ts). */
  readonly longestSequence: LongestSequenceFit;
  readonly gpuHours: number;
  readonly wallClockHours: number;
  readonly costUsd: number;
  /** null when the GPU's power is unknown (see `energyNote`). */
  readonly energyKWh: number | null;
  readonly co2Kg: number | null;
  readonly energyNote: string | null;
}

const invalid = (flag: string, message: string): never => inputError('invalid_value', [flag], message);

/** The response lengths of a step: fixed, or a lognormal of the stated mean and P99, cut at the maximum. */
function responseLength(
  spec: ModelSpec,
  o: Pick<
    RlOptions,
    'promptTokens' | 'responseTokens' | 'responseTokensP99' | 'responseP99OverMean' | 'maxResponseTokens'
  >,
) {
  // By default cut at the room the context leaves, or the longest response one simulation decodes.
  const room = Math.min(spec.maxContextTokens - o.promptTokens, SIMULATION_LIMITS.steps);
  const p99 =
    o.responseTokensP99 ??
    (o.responseP99OverMean === undefined ? undefined : Math.round(o.responseP99OverMean * o.responseTokens));
  const max =
    o.maxResponseTokens ?? (p99 === undefined ? o.responseTokens : Math.max(o.responseTokens, room));
  if (!Number.isInteger(max) || max < 1)
    invalid('--max-response-tokens', `must be a whole number ≥ 1, got ${max}`);
  if (max < o.responseTokens)
    invalid(
      '--max-response-tokens',
      `must be ≥ the mean --response-tokens (${o.responseTokens}), got ${max}`,
    );
  if (o.promptTokens >= spec.maxContextTokens)
    invalid(
      '--prompt-tokens',
      `a prompt of ${o.promptTokens} tokens leaves no room in ${spec.name}'s maximum context of ${spec.maxContextTokens} tokens, where a rollout engine stops generating (vLLM's max_model_len); give at most ${spec.maxContextTokens - 1} prompt tokens`,
    );
  if (o.promptTokens + max > spec.maxContextTokens) {
    invalid(
      o.maxResponseTokens === undefined ? '--response-tokens' : '--max-response-tokens',
      `prompt + response (${o.promptTokens + max}) exceed ${spec.name}'s maximum context of ${spec.maxContextTokens} tokens, where a rollout engine stops generating (vLLM's max_model_len); give at most ${Math.max(0, spec.maxContextTokens - o.promptTokens)} response tokens for ${o.promptTokens} prompt tokens`,
    );
  }
  if (p99 === undefined || max === o.responseTokens) return { tokens: o.responseTokens, max };
  if (!Number.isInteger(p99)) invalid('--response-p99', `must be a whole number, got ${p99}`);
  return { tokens: lengthSpreadFromP99(o.responseTokens, p99, ['--response-p99'], 'response length'), max };
}

/**
 * The rollout of one step alone: the step's response lengths on the rollout GPUs, simulated on the
 * engine and multiplied by the calibrated rollout scale (the trainer is not planned: what a source
 * that reports the generation phase apart is compared with).
 */
export function rlRollout(
  spec: ModelSpec,
  cluster: ClusterSpec,
  o: Omit<
    RlOptions,
    'steps' | 'method' | 'rank' | 'targets' | 'reference' | 'rewardModel' | 'constraints' | 'cost' | 'stack'
  >,
  gpus: number,
  gpusPath = '--gpus',
): RolloutTime {
  const response = responseLength(spec, o);
  const scale = o.rolloutTimeScale ?? 1;
  if (!(scale > 0 && Number.isFinite(scale)))
    invalid('rolloutTimeScale', `must be a positive number, got ${scale}`);
  const simulated = rolloutTime(spec, cluster, {
    gpus,
    sequences: o.promptsPerStep * o.samplesPerPrompt,
    promptTokens: o.promptTokens,
    responseTokens: response.tokens,
    maxResponseTokens: response.max,
    meanResponseTokens: o.responseTokens,
    engine: o.rolloutProfile ?? GENERIC_ENGINE,
    weightFormat: o.rolloutWeights,
    kvFormat: o.rolloutKv,
    seed: o.seed,
    gpusPath,
    tensorParallel: o.rolloutTensorParallel,
  });
  return {
    ...simulated,
    seconds: scale * simulated.seconds,
    meanReplicaSeconds: scale * simulated.meanReplicaSeconds,
    p90CompletionSeconds: scale * simulated.p90CompletionSeconds,
    outputTokensPerSecondPerGpu: simulated.outputTokensPerSecondPerGpu / scale,
  };
}

/**
 * Seconds one more step's responses add to the rollout when the engine never drains (async steps: the
 * next batch is submitted while this one's tail decodes): the rollout of two steps' responses at
 * once less one step's, on the same GPUs. Where two steps exceed what is simulated, one step's
 * rollout (no credit for the overlap).
 */
function streamedRollout(
  spec: ModelSpec,
  cluster: ClusterSpec,
  o: RlOptions,
  gpus: number,
  one: RolloutTime,
  separate: boolean,
): number {
  try {
    const two = rlRollout(
      spec,
      cluster,
      { ...o, promptsPerStep: 2 * o.promptsPerStep },
      gpus,
      separate ? '--rollout-gpus' : '--gpus',
    );
    return Math.max(0, two.seconds - one.seconds);
  } catch (error) {
    if (error instanceof InputError) return one.seconds; // DoesNotFitError included
    throw error;
  }
}

export function planRl(spec: ModelSpec, cluster: ClusterSpec, o: RlOptions): RlPlan {
  for (const [flag, value] of [
    ['--prompts', o.promptsPerStep],
    ['--samples-per-prompt', o.samplesPerPrompt],
    ['--prompt-tokens', o.promptTokens],
    ['--response-tokens', o.responseTokens],
    ['--steps', o.steps],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) invalid(flag, `must be a whole number ≥ 1, got ${value}`);
  }
  const placement = o.placement ?? 'colocated';
  const asyncSteps = o.asyncSteps ?? 0;
  if (!Number.isInteger(asyncSteps) || asyncSteps < 0)
    invalid('--async-steps', `must be a whole number ≥ 0, got ${asyncSteps}`);
  if (placement === 'colocated' && o.rolloutGpus !== undefined)
    invalid(
      '--rollout-gpus',
      'a separate rollout pool needs --placement separate (colocated: every GPU takes turns)',
    );
  if (placement === 'colocated' && asyncSteps > 0)
    invalid(
      '--async-steps',
      'rollout and training overlap only on separate pools: add --placement separate --rollout-gpus N',
    );
  if (
    placement === 'separate' &&
    (o.rolloutGpus === undefined || !Number.isInteger(o.rolloutGpus) || o.rolloutGpus < 1)
  )
    invalid(
      '--rollout-gpus',
      o.rolloutGpus === undefined
        ? "--placement separate needs the rollout pool's size: add --rollout-gpus N (a whole number ≥ 1)"
        : `--placement separate needs the rollout pool's size, a whole number ≥ 1, got ${o.rolloutGpus}`,
    );
  const rolloutGpus = placement === 'separate' ? o.rolloutGpus! : o.gpus;
  const scale = o.rolloutTimeScale ?? 1;
  const loopOverheadSeconds = o.loopOverheadSeconds ?? 0;
  if (!(loopOverheadSeconds >= 0 && Number.isFinite(loopOverheadSeconds)))
    invalid('loopOverheadSeconds', `must be a number ≥ 0, got ${loopOverheadSeconds}`);
  const generation = rlRollout(
    spec,
    cluster,
    o,
    rolloutGpus,
    placement === 'separate' ? '--rollout-gpus' : '--gpus',
  );
  const { training, longestSequence, oldLogprobSeconds, rewardSeconds, tokensPerStep } = policyUpdate(
    spec,
    cluster,
    o,
    generation,
  );
  const trainingSeconds = training.chosen.step.stepSeconds;
  const referenceSeconds = o.reference ? oldLogprobSeconds : 0;
  const trainerSeconds = oldLogprobSeconds + trainingSeconds + referenceSeconds + rewardSeconds;
  // BF16 weights as trained (engines cast on load); adapters alone for LoRA methods (engine LoRA slots).
  const weightSync = weightSyncSeconds(cluster, {
    placement,
    trainingGpus: o.gpus,
    rolloutGpus,
    bytes: training.trainableParams * 2,
    reloadBytesPerSecond: o.reloadBytesPerSecond ?? 0,
  });
  // The loop's fixed seconds belong with the rollout: waking and putting the engine to sleep, and
  // the per-response loop around it (Ray rollout workers, rewards) that NeMo RL's async trajectory
  // collector runs beside the engine; the trainer's own offload/onload is a colocation cost.
  const rolloutSideSeconds = generation.seconds + loopOverheadSeconds;
  const streamedRolloutSeconds =
    asyncSteps > 0
      ? streamedRollout(spec, cluster, o, rolloutGpus, generation, placement === 'separate')
      : null;
  // Synchronous: the phases add up. k ≥ 1 steps ahead (NeMo RL's collector generates for the step
  // k versions ahead; in-flight updates keep the engine running through the sync): the trainer's
  // step P = its wait + trainer + sync, the wait = max(0, rollout side − k·P), so
  // P = max(trainer + sync, (rollout side + trainer + sync) / (k + 1)), and never below the engine's
  // streamed rate.
  const trainerSideSeconds = trainerSeconds + weightSync.seconds;
  const stepSeconds =
    streamedRolloutSeconds !== null
      ? Math.max(
          trainerSideSeconds,
          (rolloutSideSeconds + trainerSideSeconds) / (asyncSteps + 1),
          streamedRolloutSeconds,
        )
      : rolloutSideSeconds + trainerSideSeconds;
  const idleFraction =
    placement === 'separate'
      ? {
          rollout: Math.max(0, 1 - Math.max(generation.seconds, streamedRolloutSeconds ?? 0) / stepSeconds),
          training: 1 - trainerSeconds / stepSeconds,
        }
      : { rollout: 0, training: 0 };
  const totalGpus = placement === 'separate' ? o.gpus + rolloutGpus : o.gpus;
  const seconds = (o.steps * stepSeconds) / o.cost.goodput;
  const gpuHours = (seconds * totalGpus) / SECONDS_PER_HOUR;
  const e = o.cost.energy;
  const energyKWh = energyKWhOf(gpuHours, e);
  return {
    step: {
      generation,
      weightSync,
      oldLogprobSeconds,
      trainingSeconds,
      referenceSeconds,
      rewardSeconds,
      loopOverheadSeconds,
      streamedRolloutSeconds,
      trainerSeconds,
      stepSeconds,
      idleFraction,
      tokensPerStep,
    },
    placement,
    totalGpus,
    rolloutGpus,
    rolloutTimeScale: scale,
    training,
    longestSequence,
    gpuHours,
    wallClockHours: seconds / SECONDS_PER_HOUR,
    costUsd: gpuHours * (o.cost.usdPerGpuHour ?? 0),
    energyKWh,
    co2Kg: operationalCo2Kg(energyKWh, e),
    energyNote: energyNote(e),
  };
}
