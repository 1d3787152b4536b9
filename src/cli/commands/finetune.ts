import { allStackCalibrations } from '../../catalog/stacks.js';
import { defaultPrice, resolveHardware, runCostAssumptions } from '../../catalog/training-defaults.js';
import {
  FINETUNE_METHODS,
  type FinetuneOptions,
  finetuneAlternatives,
  planFinetune,
} from '../../core/adaptation/finetune.js';
import { inputError } from '../../core/errors.js';
import { OPTIMIZERS } from '../../core/memory/training-memory.js';
import { parseTargets } from '../../core/model/adapters.js';
import { timeRange } from '../../core/training/error-band.js';
import { LayoutDoesNotFitError } from '../../core/training/plan.js';
import { energyRange, energyText, wattsPerGpuFlag } from '../energy-flags.js';
import { formatBytes, formatCount, table, toJson } from '../format.js';
import { type LayoutFlags, layoutConstraints, stackFlag } from '../layout-flags.js';
import { loadModel } from '../load-model.js';
import { contextTokens, oneOf, positiveInteger, positiveNumber, refuseFlags } from '../options.js';

export interface FinetuneFlags extends LayoutFlags {
  model?: string;
  method?: string;
  rank?: string;
  targets?: string;
  baseFormat?: string;
  tokens?: string;
  examples?: string;
  avgTokens?: string;
  epochs?: string;
  packing?: boolean;
  seqLen?: string;
  globalBatch?: string;
  optimizer?: string;
  gpu?: string;
  gpus?: string;
  cluster?: string;
  pricePerGpuHour?: string;
  teacherUsdPerMillionTokens?: string;
  region?: string;
  wattsPerGpu?: string;
  json?: boolean;
}

export const DOES_NOT_FIT = 3;

/** `--base-format`: the frozen base of LoRA/DoRA; QLoRA's base is NF4 and full fine-tuning has none. */
function baseFormat(text: string | undefined, method: string): 'bf16' | 'fp8' {
  if (text !== undefined && (method === 'qlora' || method === 'full'))
    inputError(
      'invalid_value',
      ['--base-format'],
      method === 'qlora'
        ? 'QLoRA keeps its frozen base in NF4; --base-format applies to --method lora or dora'
        : 'full fine-tuning trains every weight (no frozen base); --base-format applies to --method lora or dora',
    );
  return oneOf(text, '--base-format', ['bf16', 'fp8'] as const, 'bf16');
}

export function finetuneCommand(o: FinetuneFlags): { output: string; exitCode: number } {
  if (!o.model) inputError('missing_field', ['--model'], 'give --model <catalog id | config.json | spec>');
  const { spec } = loadModel(o.model);
  const hw = resolveHardware(o.gpu, o.cluster);
  const method = oneOf(o.method, '--method', FINETUNE_METHODS, 'lora');
  // Full fine-tuning trains every weight: an adapter rank or target list would do nothing.
  if (method === 'full')
    refuseFlags(o, { rank: '--rank', targets: '--targets' }, 'with an adapter method (lora, dora, qlora)');
  const rank = positiveInteger(o.rank, '--rank', 16);
  // Keep only targets the model has (no experts or shared experts on a dense model).
  const targets = parseTargets(o.targets ?? 'attn,mlp').filter(
    (t) => (t !== 'experts' && t !== 'shared') || spec.moe !== null,
  );
  const examples = o.examples === undefined ? undefined : positiveInteger(o.examples, '--examples', 1);
  let tokens: number;
  if (o.tokens !== undefined && (o.examples !== undefined || o.avgTokens !== undefined))
    inputError(
      'invalid_value',
      ['--tokens'],
      'give the dataset as --tokens or as --examples with --avg-tokens, not both',
    );
  if (o.tokens !== undefined) {
    tokens = positiveNumber(o.tokens, '--tokens', 1);
  } else if (examples !== undefined && o.avgTokens !== undefined) {
    tokens = examples * positiveNumber(o.avgTokens, '--avg-tokens', 1);
  } else {
    return inputError(
      'missing_field',
      ['--tokens'],
      'give the dataset size: --tokens N, or --examples N with --avg-tokens L',
    );
  }
  const seqLen = contextTokens(o.seqLen, '--seq-len', spec);
  const gpus = positiveInteger(o.gpus, '--gpus', 1);
  // Whether it fits needs no price: without one (none given, none in the catalog) the cost is omitted.
  const price =
    o.pricePerGpuHour === undefined && hw.gpu.rentalPrices.length === 0
      ? null
      : defaultPrice(
          hw.gpu,
          o.pricePerGpuHour === undefined
            ? undefined
            : positiveNumber(o.pricePerGpuHour, '--price-per-gpu-hour', 1),
        );
  const noPrice = `cost omitted: the catalog has no rental price for ${hw.gpu.id} (pass --price-per-gpu-hour)`;
  const options: FinetuneOptions = {
    method,
    rank,
    targets,
    baseFormat: baseFormat(o.baseFormat, method),
    dataset: {
      tokens,
      examples,
      epochs: positiveNumber(o.epochs, '--epochs', 1),
      packing: o.packing ?? true,
    },
    seqLen,
    globalBatchSize: positiveInteger(o.globalBatch, '--global-batch', 16),
    precision: 'bf16',
    optimizer: oneOf(o.optimizer, '--optimizer', OPTIMIZERS, 'adamw'),
    gpus,
    constraints: layoutConstraints(o),
    stack: stackFlag(o, 'hf'),
    calibrationPool: allStackCalibrations(),
    cost: runCostAssumptions(hw, {
      usdPerGpuHour: price?.usdPerGpuHour ?? 0,
      region: o.region,
      wattsPerGpu: wattsPerGpuFlag(o),
    }),
  };
  // Distillation: the dataset's tokens generated by a teacher API (the Alpaca/s1 pattern).
  const dataUsd =
    o.teacherUsdPerMillionTokens === undefined
      ? 0
      : (tokens * positiveNumber(o.teacherUsdPerMillionTokens, '--teacher-usd-per-million-tokens', 1)) / 1e6;

  let plan: ReturnType<typeof planFinetune>;
  try {
    plan = planFinetune(spec, hw.cluster, options);
  } catch (error) {
    if (!(error instanceof LayoutDoesNotFitError)) throw error;
    const alternatives = finetuneAlternatives(spec, hw.cluster, options);
    const summary = alternatives.map((a) => ({
      method: a.method,
      gpus: a.gpus,
      memoryPerGpuBytes: a.plan.chosen.memoryPerGpuBytes,
      gpuHours: a.plan.run!.gpuHours,
    }));
    if (o.json)
      return {
        output: toJson({
          method,
          fits: false,
          gpusUsed: gpus,
          message: error.issues[0]!.message,
          alternatives: summary,
        }),
        exitCode: DOES_NOT_FIT,
      };
    return {
      output: [
        `${method} fine-tuning of ${spec.name} does not fit on ${gpus} × ${hw.gpu.id}: ${error.issues[0]!.message}`,
        '',
        summary.length > 0
          ? table(
              ['what fits', 'GPUs', 'memory/GPU', 'GPU-hours'],
              summary.map((a) => [
                a.method,
                String(a.gpus),
                formatBytes(a.memoryPerGpuBytes),
                formatCount(a.gpuHours),
              ]),
            )
          : 'nothing fits up to 4,096 GPUs',
      ].join('\n'),
      exitCode: DOES_NOT_FIT,
    };
  }
  const run = plan.run!;
  const step = plan.chosen.step;
  const band = plan.band!;
  const range = {
    stepSeconds: timeRange(step.stepSeconds, band),
    gpuHours: timeRange(run.gpuHours, band),
    wallClockHours: timeRange(run.wallClockDays * 24, band),
    costUsd: timeRange(run.costUsd, band),
    energyKWh: energyRange(run.energyKWh, band),
    co2Kg: energyRange(run.co2Kg, band),
  };
  const stack = options.stack!;
  const result = {
    model: spec.name,
    stack: stack.id,
    outsideCalibration: band.outside,
    method,
    rank: method === 'full' ? null : rank,
    targets: method === 'full' ? null : targets,
    trainableParams: plan.trainableParams,
    memoryPerGpuBytes: plan.chosen.memoryPerGpuBytes,
    fits: true,
    gpu: hw.gpu.id,
    gpusUsed: gpus,
    layout: plan.chosen.layout,
    tokensUseful: plan.tokensUseful,
    tokensProcessed: plan.tokensProcessed,
    steps: run.steps,
    stepSeconds: step.stepSeconds,
    mfu: step.mfu,
    gpuHours: run.gpuHours,
    wallClockHours: run.wallClockDays * 24,
    usdPerGpuHour: price?.usdPerGpuHour ?? null,
    priceBasis: price?.basis ?? noPrice,
    computeCostUsd: price === null ? null : run.costUsd,
    dataCostUsd: dataUsd,
    costUsd: price === null ? null : run.costUsd + dataUsd,
    energyKWh: run.energyKWh,
    energyNote: run.energyNote,
    co2Kg: run.co2Kg,
    range,
  };
  if (o.json) return { output: toJson(result), exitCode: 0 };
  const l = plan.chosen.layout;
  return {
    output: [
      `${method === 'full' ? 'Full fine-tuning' : `${method.toUpperCase()} r=${rank} on ${targets.join(',')}`} of ${spec.name} on ${gpus} × ${hw.gpu.id}`,
      `stack: ${stack.name}${plan.calibration ? ` (calibrated: step time × ${plan.calibration.stepTimeScale.toFixed(2)})` : ''}`,
      ...band.outside.map((line) => `outside calibration: ${line}`),
      `trainable ${formatCount(plan.trainableParams)} parameters · ${formatBytes(plan.chosen.memoryPerGpuBytes)}/GPU · layout tp ${l.tensorParallel} · dp ${l.dataParallel}${l.contextParallel > 1 ? ` · cp ${l.contextParallel}` : ''} · mb ${l.microBatchSize} · recompute ${l.recompute} · ZeRO-${l.zeroStage}`,
      `${formatCount(plan.tokensUseful)} dataset tokens × epochs (${formatCount(plan.tokensProcessed)} processed${options.dataset.packing ? ', packed' : ', padded'}) in ${run.steps} steps of ${step.stepSeconds.toFixed(2)} s (MFU ${(100 * step.mfu).toFixed(1)}%)`,
      `${formatCount(run.gpuHours)} GPU-hours (P10 ${formatCount(range.gpuHours.p10)} – P90 ${formatCount(range.gpuHours.p90)}) · ${(run.wallClockDays * 24).toFixed(2)} h wall-clock · ${price === null ? noPrice : `$${formatCount(run.costUsd)} (P10 $${formatCount(range.costUsd.p10)} – P90 $${formatCount(range.costUsd.p90)}) compute at $${price.usdPerGpuHour.toFixed(2)}/GPU-hour (${price.basis})`}${dataUsd > 0 ? ` + $${formatCount(dataUsd)} teacher data` : ''} · ${energyText(run.energyKWh, run.energyNote, (kWh) => `${formatCount(kWh)} kWh`)}`,
    ].join('\n'),
    exitCode: 0,
  };
}
