/**
 * A scenario's RL phase (`kind: rl`): `llmecon rl`'s plan of one step with the CLI's defaults, and its band.
 */
import type { CalibrationBand } from '../catalog/bands.js';
import { rlCalibrationBand } from '../catalog/rl-band.js';
import { RL_DEFAULTS } from '../catalog/rl-run.js';
import { asTrainedBy, contextParallelStacks, stackOptions } from '../catalog/stacks.js';
import type { ResolvedHardware } from '../catalog/training-defaults.js';
import { refuseAdapterFieldsOnFull } from '../core/adaptation/finetune.js';
import { planRl, type RlOptions } from '../core/adaptation/rl.js';
import { longestSequenceText } from '../core/adaptation/rl-policy-update.js';
import { DoesNotFitError } from '../core/errors.js';
import { defaultAdapterTargets, parseTargets } from '../core/model/adapters.js';
import type { ModelSpec } from '../core/model/spec.js';
import { hintMemoryFit } from '../validation/memory-fit.js';
import { scenarioText } from './flag-fields.js';
import type { Phase } from './schema.js';

/** One step's GPU-hours and seconds, the rollout's share of it, and `llmecon rl`'s band (not yet drawn). */
export function prepareRlPhase(
  spec: ModelSpec,
  hw: ResolvedHardware,
  phase: Extract<Phase, { kind: 'rl' }>,
  index: number,
  runCost: RlOptions['cost'],
): {
  readonly gpuHoursPerStep: number;
  readonly stepSeconds: number;
  readonly generationShare: number;
  readonly band: CalibrationBand;
  /** The policy update's plan warnings (a LoRA rank past a matrix's side, MTP modules the stack leaves out). */
  readonly trainerWarnings: readonly string[];
} {
  // Adapter fields with a full policy update would do nothing: refused as `llmecon rl` refuses them.
  refuseAdapterFieldsOnFull(phase.method, phase, ['phases', index]);
  const { stack } = stackOptions('rl', phase.stack, hw.gpu.id, ['phases', index, 'stack']);
  const trained = asTrainedBy(spec, phase.mtpLayers, stack, ['phases', index, 'mtpLayers']);
  const plan = planRl(trained, hw.cluster, {
    stack,
    promptsPerStep: phase.promptsPerStep,
    samplesPerPrompt: phase.samplesPerPrompt,
    promptTokens: phase.promptTokens,
    responseTokens: phase.responseTokens,
    ...(phase.maxResponseTokens !== undefined && { maxResponseTokens: phase.maxResponseTokens }),
    steps: 1,
    method: phase.method,
    precision: phase.precision,
    ...RL_DEFAULTS,
    ...(phase.rank !== undefined && { rank: phase.rank }),
    targets: parseTargets(phase.targets ?? defaultAdapterTargets(trained)),
    gpus: phase.gpus,
    hintMemoryFit: hintMemoryFit(stack.id),
    cost: runCost,
  });
  // A step that reaches the run's longest sequence runs out of memory: does not fit (exit 3), as `rl`.
  if (!plan.longestSequence.fits)
    throw new DoesNotFitError({
      code: 'infeasible',
      path: ['phases', index, 'maxResponseTokens'],
      message: scenarioText(
        longestSequenceText(plan.longestSequence, hw.gpu, stack, contextParallelStacks()),
      ),
    });
  return {
    trainerWarnings: plan.training.warnings,
    gpuHoursPerStep: plan.gpuHours,
    stepSeconds: plan.step.stepSeconds,
    generationShare: plan.step.generation.seconds / plan.step.stepSeconds,
    // The band of `llmecon rl`: the leave-one-out error of the published RL runs (docs/rl.md).
    band: rlCalibrationBand(hw.gpu.id, plan.totalGpus, {
      rolloutEngine: RL_DEFAULTS.rolloutEngine,
      model: spec,
    }),
  };
}
