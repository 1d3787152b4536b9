/**
 * A GRPO post-training run with the catalog's hardware, price and energy defaults: what `llmecon rl`
 * and the web app's Adapt view both plan (pure: the core's planRl plus catalog lookups).
 */

import { z } from 'zod';
import rlRuns from '../../catalog/validation/rl-runs.json' with { type: 'json' };
import { planRl, type RlOptions } from '../core/adaptation/rl.js';
import { weightSyncSeconds } from '../core/adaptation/rl-weight-sync.js';
import { InternalError, inputError } from '../core/errors.js';
import type { EngineProfile } from '../core/inference/engine.js';
import { OFFLOAD_MODES } from '../core/memory/offload.js';
import { trainingPrecisionError } from '../core/memory/training-memory.js';
import { DEFAULT_ADAPTER_RANK, defaultAdapterTargets, parseTargets } from '../core/model/adapters.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';
import type { ModelSpec } from '../core/model/spec.js';
import { formatSupportError } from '../core/precision.js';
import { median } from '../core/statistics.js';
import { findCluster, findModel } from './catalog.js';
import { ENGINE_IDS, engineVendorError, findEngine } from './engines.js';
import { stackOptions } from './stacks.js';
import { defaultPrice, type ResolvedHardware, runCostAssumptions } from './training-defaults.js';

const cited = z.object({ source: z.string().min(1), locator: z.string().min(1) }).strict();
const weightUpdateSchema = z
  .object({
    id: z.string().min(1),
    source: z.string().min(1),
    locator: z.string().min(1),
    cluster: z.string().min(1),
    gpus: z.number().int().positive(),
    parameters: z.number().positive(),
    parametersCited: cited,
    bytesPerParameter: z.number().positive(),
    publishedSeconds: z.number().positive(),
  })
  .strict();
/**
 * What a run is for: `calibration` runs are fitted (and judged by leave-one-out); `held-out` runs are
 * only predicted (another framework or setting, said in `roleNote`); `superseded` runs are the same
 * configuration as a newer release's row, kept for the record and not fitted (counted twice, a
 * configuration would make leave-one-out look better than it is).
 */
export const RL_RUN_ROLES = ['calibration', 'held-out', 'superseded'] as const;
const rlRunSchema = z
  .object({
    id: z.string().min(1),
    source: z.string().min(1),
    locator: z.string().min(1),
    /** The RL framework that ran it (nemo-rl, verl, ...), its release and when the figure was published. */
    framework: z.string().min(1),
    release: z.string().min(1),
    date: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/),
    /** The rollout engine as the run used it (a catalog/engines id). */
    rolloutEngine: z.enum(ENGINE_IDS),
    placement: z.enum(['colocated', 'separate']),
    /** Model states of the policy update the run kept in host memory (its launch script's offload). */
    offload: z.enum(OFFLOAD_MODES).optional(),
    role: z.enum(RL_RUN_ROLES),
    roleNote: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    modelNote: z.string().optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    configCited: cited.optional(),
    /** A catalog cluster, or a GPU (the catalog's default cluster of it) where no cluster matches. */
    cluster: z.string().min(1).optional(),
    gpu: z.string().min(1).optional(),
    stack: z.string().min(1),
    /** Every GPU of the run (#-GPUs); with separate pools, `rolloutGpus` of them generate. */
    gpus: z.number().int().positive(),
    rolloutGpus: z.number().int().positive().optional(),
    /** Steps the rollout runs ahead of the policy (0: on-policy). */
    asyncSteps: z.number().int().nonnegative().optional(),
    prompts: z.number().int().positive(),
    samplesPerPrompt: z.number().int().positive(),
    /** The rollout engine's tensor parallelism as the run set it (NeMo RL's "Generation [TP,PP]"). */
    generationTensorParallel: z.number().int().positive(),
    /** Where batch and lengths are read when the locator's page does not state them. */
    setupCited: cited.optional(),
    promptTokens: z.number().int().positive(),
    meanResponseTokens: z.number().int().positive(),
    maxResponseTokens: z.number().int().positive(),
    publishedStepSeconds: z.number().positive(),
    /** The rollout (generation) phase alone, where the source states it. */
    publishedRolloutSeconds: z.number().positive().optional(),
  })
  .strict()
  .refine((r) => (r.model === undefined) !== (r.config === undefined), { message: 'give model or config' })
  .refine((r) => (r.cluster === undefined) !== (r.gpu === undefined), { message: 'give cluster or gpu' })
  .refine((r) => (r.placement === 'separate') === (r.rolloutGpus !== undefined && r.rolloutGpus < r.gpus), {
    message: 'separate placement needs rolloutGpus below gpus (and colocated none)',
  });
/** Written by scripts/calibrate-rl.ts from the calibration runs above. */
const rlCalibrationSchema = z
  .object({
    /** GPU families, frameworks and rollout engines of the calibration runs. */
    families: z.array(z.string().min(1)).min(1),
    frameworks: z.array(z.string().min(1)).min(1),
    rolloutEngines: z.array(z.enum(ENGINE_IDS)).min(1),
    rolloutTimeScale: z.number().positive(),
    loopOverheadSeconds: z.number().nonnegative(),
    leaveOneOutLogResiduals: z.array(z.number()),
    cases: z.array(z.string()),
    maxGpus: z.number().int().positive(),
    uncalibratedErrors: z.record(z.string(), z.number()),
  })
  .strict();
const rlRunsSchema = z
  .object({
    meta: z.object({ what: z.string(), note: z.string() }).strict(),
    weightUpdates: z.array(weightUpdateSchema).min(1),
    runs: z.array(rlRunSchema).min(1),
    calibration: rlCalibrationSchema.optional(),
  })
  .strict();
export type RlCalibration = z.infer<typeof rlCalibrationSchema>;
export type WeightUpdateCase = z.infer<typeof weightUpdateSchema>;
export type RlRunCase = z.infer<typeof rlRunSchema>;

/** A published RL run's policy model: its catalog model, or the config it cites. */
export const rlRunSpec = (r: RlRunCase): ModelSpec =>
  r.model ? modelSpecFrom(findModel(r.model).config, r.model) : modelSpecFrom(r.config!, r.id);

let parsed: z.infer<typeof rlRunsSchema> | undefined;
/** catalog/validation/rl-runs.json: measured weight updates and published RL step times. */
export function rlRunsFile(): z.infer<typeof rlRunsSchema> {
  if (parsed) return parsed;
  const result = rlRunsSchema.safeParse(rlRuns);
  if (!result.success)
    throw new InternalError(`catalog/validation/rl-runs.json is invalid: ${result.error.issues[0]?.message}`);
  parsed = result.data;
  return parsed;
}

/** A measured weight update: its bytes and the transfer time the collectives model gives it. */
export function weightUpdateTransfer(c: WeightUpdateCase) {
  const cluster = findCluster(c.cluster);
  const bytes = c.parameters * c.bytesPerParameter;
  const transfer = weightSyncSeconds(cluster, {
    placement: 'colocated',
    trainingGpus: c.gpus,
    bytes,
    reloadBytesPerSecond: 0,
  }).transferSeconds;
  return { bytes, transferSeconds: transfer };
}

/**
 * The engine's weight reload rate, fitted on the measured updates: for each, bytes over the time
 * left after the modelled transfer; the median over the cases given (all of them by default).
 */
export function fitReloadBytesPerSecond(
  cases: readonly WeightUpdateCase[] = rlRunsFile().weightUpdates,
): number {
  return median(
    cases.map((c) => {
      const { bytes, transferSeconds } = weightUpdateTransfer(c);
      return bytes / Math.max(1e-3, c.publishedSeconds - transferSeconds);
    }),
  );
}

export const ROLLOUT_ENGINE_IDS = ENGINE_IDS;

/** The core's RL options with targets as text and the price and grid from the catalog unless given. */
export interface RlRunInput extends Omit<RlOptions, 'targets' | 'cost' | 'rolloutProfile'> {
  /** vllm | sglang | trt-llm (default vllm), with its calibration for the GPU's family where fitted. */
  readonly rolloutEngine?: string;
  /** attn, mlp, experts, shared, all, or q,k,v,o,gate,up,down */
  /** Adapter targets as text (default: the model's, defaultAdapterTargets, as `finetune` takes them). */
  readonly targets?: string;
  /** $ per GPU-hour (default: the catalog's lowest on-demand price). */
  readonly usdPerGpuHour?: number;
  readonly region?: string;
  /** Server watts per accelerator, overriding the catalog's power figure. */
  readonly wattsPerGpu?: number;
}

/**
 * What an RL run assumes where its user sets nothing: a frozen reference policy and no separate reward
 * model (GRPO with a verifier, DeepSeekMath Sec. 4.1), LoRA at `finetune`'s rank and on its targets when
 * adapted (core/model/adapters.ts DEFAULT_ADAPTER_RANK, defaultAdapterTargets),
 * BF16 rollouts, a free layout. The CLI's flag defaults, the web app and scenarios all start here.
 */
export const RL_DEFAULTS = {
  rank: DEFAULT_ADAPTER_RANK,
  reference: true,
  rewardModel: null,
  rolloutWeights: 'bf16',
  rolloutKv: 'bf16',
  rolloutEngine: 'vllm',
  placement: 'colocated',
  asyncSteps: 0,
  /**
   * The response tail when none is stated: P99 of the uncut lengths at 4 × the mean (estimate, from
   * DAPO's runs, Yu et al. 2025 Sec. 3.4 and Fig. 7: a 20,480-token cap over means of 4-5K tokens with
   * overlong responses frequent enough to need their own reward shaping).
   */
  responseP99OverMean: 4,
  /**
   * The calibrated rollout scale, the loop's fixed seconds per step, the weight reload rate (catalog/validation/rl-runs.json) and the
   * default engine's profile, so that scenarios calling the core's planRl price a run as the CLI does.
   */
  rolloutTimeScale: rlRunsFile().calibration?.rolloutTimeScale ?? 1,
  loopOverheadSeconds: rlRunsFile().calibration?.loopOverheadSeconds ?? 0,
  reloadBytesPerSecond: fitReloadBytesPerSecond(),
  rolloutProfile: findEngine('vllm') as EngineProfile,
  constraints: {},
} as const satisfies Partial<RlRunInput> & Pick<RlOptions, 'rolloutProfile'>;

export function planRlRun(spec: ModelSpec, hw: ResolvedHardware, o: RlRunInput) {
  const unsupported = trainingPrecisionError(o.precision ?? 'bf16', hw.gpu, o.method);
  if (unsupported !== null) inputError('infeasible', ['precision'], unsupported);
  // Rollouts are served: a block-scaled format the GPU has no tensor cores for is refused, as `serve` refuses it.
  for (const [field, format, role] of [
    ['rolloutWeights', o.rolloutWeights, 'weights'],
    ['rolloutKv', o.rolloutKv, 'kv'],
  ] as const) {
    const noCores = format === undefined ? null : formatSupportError(format, hw.gpu, role);
    if (noCores !== null) inputError('infeasible', [field], noCores);
  }
  const rolloutEngine = findEngine(o.rolloutEngine ?? RL_DEFAULTS.rolloutEngine, '--rollout-engine');
  const wrongVendor = engineVendorError(rolloutEngine, hw.gpu.id);
  if (wrongVendor !== null) inputError('infeasible', ['--rollout-engine'], wrongVendor);
  const price = defaultPrice(hw.gpu, o.usdPerGpuHour);
  const plan = planRl(spec, hw.cluster, {
    promptsPerStep: o.promptsPerStep,
    samplesPerPrompt: o.samplesPerPrompt,
    promptTokens: o.promptTokens,
    responseTokens: o.responseTokens,
    responseTokensP99: o.responseTokensP99,
    responseP99OverMean: o.responseP99OverMean,
    maxResponseTokens: o.maxResponseTokens,
    // The uncalibrated profile: the RL loop's fitted rollout time scale (scripts/calibrate-rl.ts)
    // absorbs the engine's host time, and NeMo RL's rollouts run vLLM V1, not the engine versions of
    // the serving calibration (catalog/engines `calibrated`); refit the RL loop before adopting it.
    rolloutProfile: rolloutEngine,
    placement: o.placement,
    rolloutGpus: o.rolloutGpus,
    rolloutTensorParallel: o.rolloutTensorParallel,
    asyncSteps: o.asyncSteps,
    reloadBytesPerSecond: o.reloadBytesPerSecond ?? fitReloadBytesPerSecond(),
    rolloutTimeScale: o.rolloutTimeScale ?? rlRunsFile().calibration?.rolloutTimeScale ?? 1,
    loopOverheadSeconds: o.loopOverheadSeconds ?? rlRunsFile().calibration?.loopOverheadSeconds ?? 0,
    seed: o.seed,
    steps: o.steps,
    method: o.method,
    ...(o.precision && { precision: o.precision }),
    rank: o.rank,
    targets: parseTargets(o.targets ?? defaultAdapterTargets(spec)),
    gpus: o.gpus,
    reference: o.reference,
    rewardModel: o.rewardModel,
    rolloutWeights: o.rolloutWeights,
    rolloutKv: o.rolloutKv,
    constraints: o.constraints,
    ...(o.attention && { attention: o.attention }),
    // The CLI's default stack when none is given, so the web app and scenarios price the same run.
    stack: o.stack ?? stackOptions('rl').stack,
    ...(o.offload ? { offload: o.offload } : {}),
    ...(o.memoryFit && { memoryFit: o.memoryFit }),
    ...(o.hintMemoryFit && { hintMemoryFit: o.hintMemoryFit }),
    cost: runCostAssumptions(hw, {
      usdPerGpuHour: price.usdPerGpuHour,
      region: o.region,
      wattsPerGpu: o.wattsPerGpu,
    }),
  });
  const s = plan.step;
  return {
    plan,
    price,
    summary: {
      model: spec.name,
      method: o.method,
      precision: o.precision ?? 'bf16',
      gpu: hw.gpu.id,
      gpusUsed: plan.totalGpus,
      placement: plan.placement,
      trainingGpus: o.gpus,
      rolloutGpus: plan.rolloutGpus,
      asyncSteps: o.asyncSteps ?? 0,
      rolloutEngine: o.rolloutEngine ?? RL_DEFAULTS.rolloutEngine,
      stepSeconds: s.stepSeconds,
      phasesSeconds: {
        generation: s.generation.seconds,
        weightSync: s.weightSync.seconds,
        oldLogprobs: s.oldLogprobSeconds,
        policyUpdate: s.trainingSeconds,
        reference: s.referenceSeconds,
        reward: s.rewardSeconds,
        loopOverhead: s.loopOverheadSeconds,
      },
      idleFraction: s.idleFraction,
      /** Async steps: the rollout engine's seconds per batch with the next batch queued (else null). */
      streamedRolloutSeconds: s.streamedRolloutSeconds,
      generation: s.generation,
      weightSync: s.weightSync,
      tokensPerStep: s.tokensPerStep,
      /** The step's longest sequence, and whether a layout of the policy update holds its micro-batch. */
      longestSequence: plan.longestSequence,
      gpuHours: plan.gpuHours,
      wallClockHours: plan.wallClockHours,
      usdPerGpuHour: price.usdPerGpuHour,
      priceBasis: price.basis,
      costUsd: plan.costUsd,
      costPerStepUsd: plan.costUsd / o.steps,
      energyKWh: plan.energyKWh,
      co2Kg: plan.co2Kg,
      energyNote: plan.energyNote,
    },
  };
}
