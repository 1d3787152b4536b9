import { allStackCalibrations, bf16GradientBuffers } from '../../catalog/stacks.js';
import { defaultPrice, resolveHardware, runCostAssumptions } from '../../catalog/training-defaults.js';
import { type FinetuneOptions, finetuneAlternatives, planFinetune } from '../../core/adaptation/finetune.js';
import { maskedExampleTokens } from '../../core/adaptation/finetune-dataset.js';
import { inputError } from '../../core/errors.js';
import { formatDuration, plural } from '../../core/format.js';
import { bandedFit, memoryRange } from '../../core/memory/memory-band.js';
import { OPTIMIZERS, trainingMemory } from '../../core/memory/training-memory.js';
import { layoutSummary } from '../../core/parallelism/layout.js';
import { documentsText } from '../../core/training/document-span.js';
import { timeRange } from '../../core/training/error-band.js';
import { LayoutDoesNotFitError } from '../../core/training/plan.js';
import { calibrationSummary } from '../../core/training/stack.js';
import { shiftedRange } from '../../core/uncertainty/range.js';
import { SECONDS_PER_DAY, SECONDS_PER_HOUR } from '../../core/units.js';
import { stackMemoryBand } from '../../validation/memory-cases.js';
import { hintMemoryFit } from '../../validation/memory-fit.js';
import { type AdapterFlags, adapterLabel, baseFormatLabel, methodFlags } from '../adapter-flags.js';
import { energyRange, energyText, wattsPerGpuFlag } from '../energy-flags.js';
import { SWITCH_FLAGS } from '../flag-paths.js';
import { formatBytes, formatCount, table, toJson } from '../format.js';
import { attentionOptions, type LayoutFlags, layoutConstraints, stackAndModel } from '../layout-flags.js';
import { loadModel } from '../load-model.js';
import {
  breakdownJson,
  breakdownTable,
  compiledLossLines,
  fitVerdict,
  memoryBandLine,
} from '../memory-breakdown.js';
import { finetuneMemoryFitFlag, memoryFitAtNote } from '../memory-fit-flag.js';
import { offloadFlag, offloadHostMemory, offloadJson, offloadLine } from '../offload-flag.js';
import { oneOf, positiveInteger, positiveNumber, precisionFlag, sequenceLength } from '../options.js';

export interface FinetuneFlags extends LayoutFlags, AdapterFlags {
  model?: string;
  memoryFit?: string;
  tokens?: string;
  examples?: string;
  avgTokens?: string;
  epochs?: string;
  packing?: boolean;
  packingMask?: boolean;
  padding?: string;
  lengthP99?: string;
  seqLen?: string;
  globalBatch?: string;
  precision?: string;
  optimizer?: string;
  gpu?: string;
  gpus?: string;
  cluster?: string;
  pricePerGpuHour?: string;
  teacherUsdPerMillionTokens?: string;
  region?: string;
  wattsPerGpu?: string;
  offload?: string;
  bf16GradBuffers?: boolean;
  json?: boolean;
}

export const DOES_NOT_FIT = 3;

export function finetuneCommand(o: FinetuneFlags): { output: string; exitCode: number } {
  if (!o.model) inputError('missing_field', ['--model'], 'give --model <catalog id | config.json | spec>');
  const hw = resolveHardware(o.gpu, o.cluster);
  const { stack, spec } = stackAndModel(o, loadModel(o.model).spec, 'finetune', hw.gpu.id);
  const choice = methodFlags(o, spec, 'lora');
  const { method, rank, targets } = choice;
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
  const { tokens: seqLen, warnings: seqLenWarnings } = sequenceLength(o.seqLen, '--seq-len', spec);
  const gpus = positiveInteger(o.gpus, '--gpus', 1);
  const precision = precisionFlag(o.precision, hw.gpu, method);
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
  // --memory-fit: the stack's band for each kind of run (adapters on a frozen base, or every weight).
  const { level: memoryFitLevel, ...memoryFit } = finetuneMemoryFitFlag(o.memoryFit, stack.id);
  if (o.packingMask && examples === undefined)
    inputError(
      'missing_field',
      ['--packing-mask'],
      'the mask spans the mean example: give the dataset as --examples N with --avg-tokens L',
    );
  const options: FinetuneOptions = {
    ...choice,
    dataset: {
      tokens,
      examples,
      epochs: positiveNumber(o.epochs, '--epochs', 1),
      packing: o.packing ?? true,
      padding:
        o.padding === undefined
          ? undefined
          : oneOf(o.padding, '--padding', ['max-length', 'longest'] as const, 'max-length'),
      lengthP99: o.lengthP99 === undefined ? undefined : positiveNumber(o.lengthP99, '--length-p99', 1),
      ...(o.packingMask && { packingMask: true }),
    },
    seqLen,
    globalBatchSize: positiveInteger(o.globalBatch, '--global-batch', 16),
    precision,
    optimizer: oneOf(o.optimizer, '--optimizer', OPTIMIZERS, 'adamw'),
    gpus,
    constraints: layoutConstraints(o),
    ...attentionOptions(o),
    stack,
    ...bf16GradientBuffers(o.bf16GradBuffers, stack, [SWITCH_FLAGS.bf16GradBuffers], precision),
    offload: offloadFlag(o.offload, hw.gpu),
    calibrationPool: allStackCalibrations(),
    ...memoryFit,
    hintMemoryFit: hintMemoryFit(stack.id),
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
  const warnings = [...seqLenWarnings, ...plan.warnings];
  const step = plan.chosen.step;
  // --packing-mask: attention within each packed example (the dataset's mean length, or spread by --length-p99).
  const masked = maskedExampleTokens(options.dataset, seqLen);
  const band = plan.band!;
  const memoryBand = stackMemoryBand(
    options.stack!.id,
    plan.chosen.layout.pipelineParallel > 1,
    method !== 'full',
  );
  const range = {
    stepSeconds: timeRange(step.stepSeconds, band),
    gpuHours: timeRange(run.gpuHours, band),
    wallClockHours: timeRange(run.wallClockDays * 24, band),
    computeCostUsd: timeRange(run.costUsd, band),
    // The teacher's data is priced per token, outside the compute band: it shifts both ends.
    costUsd: shiftedRange(timeRange(run.costUsd, band), dataUsd),
    energyKWh: energyRange(run.energyKWh, band),
    co2Kg: energyRange(run.co2Kg, band),
    memoryPerGpuBytes: memoryRange(plan.chosen.memoryPerGpuBytes, memoryBand),
  };
  const least = plan.search.leastMemory;
  // Every stage of the chosen layout (the search sized only the peak candidates).
  const host = offloadHostMemory(
    { offload: options.offload },
    options.offload
      ? trainingMemory(spec, plan.chosen.layout, {
          ...options,
          precision: options.precision,
          adapter: plan.adapter ?? undefined,
        }).stages
      : [],
  );
  const result = {
    model: spec.name,
    stack: stack.id,
    outsideCalibration: band.outside,
    warnings,
    method,
    precision,
    rank: method === 'full' ? null : rank,
    targets: method === 'full' ? null : targets,
    trainableParams: plan.trainableParams,
    memoryPerGpuBytes: plan.chosen.memoryPerGpuBytes,
    memoryFit: bandedFit(plan.chosen.memoryPerGpuBytes, range.memoryPerGpuBytes, hw.gpu.memoryBytes),
    memoryFitAt: memoryFitLevel,
    memoryBand,
    baseFormat: choice.baseFormat ?? null,
    trainEmbeddings: choice.trainEmbeddings,
    memory: {
      fastest: { memoryPerGpuBytes: plan.chosen.memoryPerGpuBytes, ...breakdownJson(plan.chosen.peak) },
      leastMemory: least && {
        layout: least.layout,
        memoryPerGpuBytes: least.memoryPerGpuBytes,
        ...breakdownJson(least.peak),
      },
    },
    fits: true,
    gpu: hw.gpu.id,
    gpusUsed: gpus,
    layout: plan.chosen.layout,
    tokensUseful: plan.tokensUseful,
    tokensProcessed: plan.tokensProcessed,
    stepSequenceTokens: plan.stepSequenceTokens,
    longestSequence: plan.longestSequence,
    attentionSpanTokens: masked ?? plan.stepSequenceTokens,
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
    ...(options.offload && host ? { offload: offloadJson({ offload: options.offload }, host) } : {}),
  };
  // Offloaded states that overflow the host's memory: computed, but the run does not fit (exit 3).
  const exitCode = host && !host.fits ? DOES_NOT_FIT : 0;
  if (o.json) return { output: toJson(result), exitCode };
  const l = plan.chosen.layout;
  return {
    output: [
      `${adapterLabel(spec, choice) ?? 'Full fine-tuning'} of ${spec.name} on ${gpus} × ${hw.gpu.id}, ${precision}`,
      ...warnings.map((w) => `warning: ${w}`),
      `stack: ${stack.name}${plan.calibration ? ` (${calibrationSummary(plan.calibration)})` : ''}`,
      ...band.outside.map((line) => `outside calibration: ${line}`),
      `trainable ${formatCount(plan.trainableParams)} parameters · ${formatBytes(plan.chosen.memoryPerGpuBytes)}/GPU · layout ${layoutSummary(l)}`,
      `${formatCount(plan.tokensUseful)} tokens: the dataset × ${plural(options.dataset.epochs, 'epoch')} (${formatCount(plan.tokensProcessed)} processed${options.dataset.packing ? `, packed${masked ? `, ${documentsText({ documentTokens: Math.round(options.dataset.tokens / options.dataset.examples!), documentTokensP99: options.dataset.lengthP99 }, masked, 'example')}` : ''}` : options.dataset.padding === 'longest' ? `, each step padded to its longest: ${formatCount(plan.stepSequenceTokens)} tokens${plan.longestSequence?.fits ? `, memory at the micro-batch holding the longest example: ${formatCount(plan.longestSequence.tokens)} tokens` : ''}` : ', padded'}) in ${run.steps} steps of ${step.stepSeconds.toFixed(2)} s (P10 ${range.stepSeconds.p10.toFixed(2)} – P90 ${range.stepSeconds.p90.toFixed(2)}; MFU ${(100 * step.mfu).toFixed(1)}%)`,
      `${formatCount(run.gpuHours)} GPU-hours (P10 ${formatCount(range.gpuHours.p10)} – P90 ${formatCount(range.gpuHours.p90)}) · ${formatDuration(run.wallClockDays * SECONDS_PER_DAY)} wall-clock (P10 ${formatDuration(range.wallClockHours.p10 * SECONDS_PER_HOUR)} – P90 ${formatDuration(range.wallClockHours.p90 * SECONDS_PER_HOUR)}) · ${price === null ? noPrice : `$${formatCount(run.costUsd)} (P10 $${formatCount(range.computeCostUsd.p10)} – P90 $${formatCount(range.computeCostUsd.p90)}) compute at $${price.usdPerGpuHour.toFixed(2)}/GPU-hour (${price.basis})`}${dataUsd > 0 ? ` + $${formatCount(dataUsd)} teacher data` : ''} · ${energyText(run.energyKWh, run.energyNote, (kWh) => `${formatCount(kWh)} kWh (P10 ${formatCount(range.energyKWh!.p10)} – P90 ${formatCount(range.energyKWh!.p90)}) · ${formatCount(run.co2Kg!)} kg CO2 (P10 ${formatCount(range.co2Kg!.p10)} – P90 ${formatCount(range.co2Kg!.p90)})`)}`,
      '',
      breakdownTable(
        [
          {
            heading: `memory per GPU (fastest): ${layoutSummary(l)}`,
            stage: plan.chosen.peak,
            range: range.memoryPerGpuBytes,
          },
          ...(least && least.layout !== l
            ? [{ heading: `least memory: ${layoutSummary(least.layout)}`, stage: least.peak }]
            : []),
        ],
        baseFormatLabel(choice),
      ),
      memoryBandLine(memoryBand),
      ...compiledLossLines(stack.memory),
      `${fitVerdict(plan.chosen.memoryPerGpuBytes, range.memoryPerGpuBytes, hw.gpu)}${memoryFitAtNote(memoryFitLevel)}`,
      ...(options.offload && host ? [offloadLine({ offload: options.offload }, host)] : []),
    ].join('\n'),
    exitCode,
  };
}
