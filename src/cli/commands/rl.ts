import { loadCatalog } from '../../catalog/catalog.js';
import { planRlRun, RL_DEFAULTS } from '../../catalog/rl-run.js';
import { resolveHardware } from '../../catalog/training-defaults.js';
import { FINETUNE_METHODS } from '../../core/adaptation/finetune.js';
import { inputError } from '../../core/errors.js';
import { KV_FORMATS, WEIGHT_FORMATS } from '../../core/precision.js';
import { LayoutDoesNotFitError } from '../../core/training/plan.js';
import { formatCount, table, toJson } from '../format.js';
import { type LayoutFlags, layoutConstraints, stackFlag } from '../layout-flags.js';
import { loadModel } from '../load-model.js';
import { oneOf, positiveInteger, positiveNumber } from '../options.js';

export interface RlFlags extends LayoutFlags {
  model?: string;
  method?: string;
  rank?: string;
  targets?: string;
  prompts?: string;
  samplesPerPrompt?: string;
  promptTokens?: string;
  responseTokens?: string;
  steps?: string;
  reference?: boolean;
  rewardModel?: string;
  rolloutWeights?: string;
  rolloutKv?: string;
  gpu?: string;
  gpus?: string;
  cluster?: string;
  pricePerGpuHour?: string;
  region?: string;
  json?: boolean;
}

export function rlCommand(o: RlFlags): { output: string; exitCode: number } {
  if (!o.model) inputError('missing_field', ['--model'], 'give --model <catalog id | config.json | spec>');
  const { spec } = loadModel(o.model);
  const hw = resolveHardware(o.gpu, o.cluster);
  const assumptions = loadCatalog().assumptions;
  const gpus = positiveInteger(o.gpus, '--gpus', 8);
  let run: ReturnType<typeof planRlRun>;
  try {
    run = planRlRun(spec, hw, {
      promptsPerStep: positiveInteger(o.prompts, '--prompts', 64),
      samplesPerPrompt: positiveInteger(o.samplesPerPrompt, '--samples-per-prompt', 16),
      promptTokens: positiveInteger(o.promptTokens, '--prompt-tokens', 512),
      responseTokens: positiveInteger(o.responseTokens, '--response-tokens', 4096),
      steps: positiveInteger(o.steps, '--steps', 1),
      method: oneOf(o.method, '--method', FINETUNE_METHODS, 'full'),
      rank: positiveInteger(o.rank, '--rank', RL_DEFAULTS.rank),
      targets: o.targets ?? RL_DEFAULTS.targets,
      gpus,
      reference: o.reference ?? RL_DEFAULTS.reference,
      rewardModel: o.rewardModel ? loadModel(o.rewardModel).spec : RL_DEFAULTS.rewardModel,
      rolloutWeights: oneOf(
        o.rolloutWeights,
        '--rollout-weights',
        WEIGHT_FORMATS,
        RL_DEFAULTS.rolloutWeights,
      ),
      rolloutKv: oneOf(o.rolloutKv, '--rollout-kv', KV_FORMATS, RL_DEFAULTS.rolloutKv),
      constraints: layoutConstraints(o),
      stack: stackFlag(o, 'hf'),
      usdPerGpuHour:
        o.pricePerGpuHour === undefined
          ? undefined
          : positiveNumber(o.pricePerGpuHour, '--price-per-gpu-hour', 1),
      region: o.region,
    });
  } catch (error) {
    if (error instanceof LayoutDoesNotFitError) {
      return {
        output: `the policy update does not fit on ${gpus} × ${hw.gpu.id}: ${error.issues[0]!.message}`,
        exitCode: 3,
      };
    }
    throw error;
  }
  const { plan, price, summary: result } = run;
  const s = plan.step;
  if (o.json) return { output: toJson(result), exitCode: 0 };
  const share = (x: number) => `${((100 * x) / s.stepSeconds).toFixed(1)}%`;
  return {
    output: [
      `GRPO on ${spec.name}, ${gpus} × ${hw.gpu.id}: ${formatCount(s.tokensPerStep)} tokens per step (policy update on ${stackFlag(o, 'hf').name})`,
      '',
      table(
        ['phase', 'seconds', 'share'],
        [
          [
            `generation (${s.generation.replicas} × TP${s.generation.tensorParallel}, batch ${s.generation.batchPerReplica}, ${s.generation.waves} wave${s.generation.waves > 1 ? 's' : ''})`,
            s.generation.seconds.toFixed(1),
            share(s.generation.seconds),
          ],
          ['policy update', s.trainingSeconds.toFixed(1), share(s.trainingSeconds)],
          ['reference forward', s.referenceSeconds.toFixed(1), share(s.referenceSeconds)],
          ['reward model forward', s.rewardSeconds.toFixed(1), share(s.rewardSeconds)],
          ['step', s.stepSeconds.toFixed(1), '100%'],
        ],
      ),
      '',
      `${formatCount(plan.gpuHours)} GPU-hours (goodput ${assumptions.goodput.value}) · ${plan.wallClockHours.toFixed(1)} h · $${formatCount(plan.costUsd)} at $${price.usdPerGpuHour.toFixed(2)}/GPU-hour (${price.basis}) · ${formatCount(plan.energyKWh)} kWh`,
    ].join('\n'),
    exitCode: 0,
  };
}
