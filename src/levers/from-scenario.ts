/**
 * A project scenario's phase as a lever baseline: the same model, GPUs and work at the scenario's
 * central values (uncertain inputs at their medians or modes), rented at the phase's price.
 */
import { engineChoiceOf } from '../catalog/serving-engine-choice.js';
import { inputError } from '../core/errors.js';
import { centralValue } from '../core/uncertainty/distributions.js';
import type { Phase, Scenario } from '../scenario/schema.js';
import type { FinetuneBaseline, ServingBaseline, TrainingBaseline } from './schema.js';

const DAYS_PER_MONTH = 365.25 / 12;

/** The rental price of a phase (reserved at its committed price); bought hardware uses the catalog's rent. */
function price(phase: Exclude<Phase, { kind: 'rl' }>): number | undefined {
  const hw = phase.hardware;
  if ('rent' in hw) return centralValue(hw.rent.usdPerGpuHour);
  if ('reserve' in hw) return centralValue(hw.reserve.usdPerGpuHour);
  return undefined;
}

export function baselineFromScenario(
  scenario: Scenario,
  phaseIndex: number | undefined,
): TrainingBaseline | FinetuneBaseline | ServingBaseline {
  const index = phaseIndex ?? scenario.phases.findIndex((p) => p.kind !== 'rl');
  const phase = scenario.phases[index];
  if (!phase)
    inputError(
      'invalid_value',
      ['--phase'],
      `the scenario has phases 0–${scenario.phases.length - 1}${phaseIndex === undefined ? ', none of them pretrain, finetune or serve' : `, not ${phaseIndex}`}`,
    );
  const model = scenario.model;
  const usdPerGpuHour = phase!.kind === 'rl' ? undefined : price(phase!);
  switch (phase!.kind) {
    case 'pretrain':
      return {
        kind: 'train',
        model,
        tokens: centralValue(phase.tokens),
        gpu: phase.gpu,
        gpus: phase.gpus,
        precision: phase.precision,
        optimizer: 'adamw',
        seqLen: phase.seqLen,
        ...(phase.documentTokens !== undefined && { documentTokens: phase.documentTokens }),
        ...(phase.documentTokensP99 !== undefined && { documentTokensP99: phase.documentTokensP99 }),
        globalBatchTokens: phase.globalBatchTokens,
        usdPerGpuHour,
        layout: {},
      };
    case 'finetune':
      return {
        kind: 'finetune',
        model,
        tokens: centralValue(phase.tokens),
        epochs: phase.epochs,
        examples: phase.examples,
        packing: phase.packing,
        padding: phase.padding,
        lengthP99: phase.lengthP99,
        ...(phase.packingMask && { packingMask: true }),
        method: phase.method,
        ...(phase.rank !== undefined && { rank: phase.rank }),
        ...(phase.targets !== undefined && { targets: phase.targets }),
        gpu: phase.gpu,
        gpus: phase.gpus,
        precision: phase.precision,
        optimizer: 'adamw',
        seqLen: phase.seqLen,
        globalBatch: phase.globalBatch,
        usdPerGpuHour,
        layout: {},
      };
    case 'serve':
      return {
        kind: 'serve',
        model,
        gpu: phase.gpu,
        weights: phase.weights,
        kv: phase.kv,
        inputTokens: phase.inputTokens,
        outputTokens: phase.outputTokens,
        tokensPerDay: centralValue(phase.tokensPerDay),
        tpotSloSeconds: phase.tpotSloSeconds,
        ttftSloSeconds: phase.ttftSloSeconds,
        days: phase.months * DAYS_PER_MONTH,
        usdPerGpuHour,
        // Every engine, layout and placement field the phase states.
        ...engineChoiceOf(phase),
      };
    case 'rl':
      return inputError(
        'invalid_value',
        ['--phase'],
        `phase ${index} is RL post-training; levers take a pretrain, finetune or serve phase`,
      );
  }
}
