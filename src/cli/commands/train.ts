import { loadCatalog } from '../../catalog/catalog.js';
import { allStackCalibrations, stackSwitches } from '../../catalog/stacks.js';
import { defaultPrice, energyAssumptions, resolveHardware } from '../../catalog/training-defaults.js';
import { inputError } from '../../core/errors.js';
import { bandedFit, memoryRange } from '../../core/memory/memory-band.js';
import { OPTIMIZERS, trainingMemory } from '../../core/memory/training-memory.js';
import { TOKEN_DISPATCHERS } from '../../core/model/operation-types.js';
import { trainedSpec } from '../../core/model/trained-spec.js';
import {
  DEFAULT_BATCH_TOKENS,
  globalBatchForTokens,
  globalBatchNote,
} from '../../core/parallelism/global-batch.js';
import { overlapsTensorParallel, overlapWithoutSequenceParallel } from '../../core/parallelism/layout.js';
import { documentsText, wholeSequenceDocuments } from '../../core/training/document-span.js';
import { rateRange, timeRange } from '../../core/training/error-band.js';
import { LayoutDoesNotFitError, planTraining } from '../../core/training/plan.js';
import { calibrationSummary } from '../../core/training/stack.js';
import { stackMemoryBand } from '../../validation/memory-cases.js';
import { trainingHintOptions } from '../../validation/memory-fit.js';
import { documentFlags } from '../document-flags.js';
import { energyRange, energyText, wattsPerGpuFlag } from '../energy-flags.js';
import { SWITCH_FLAGS } from '../flag-paths.js';
import { formatBytes, formatCount, mfuLabel, table, toJson } from '../format.js';
import {
  attentionOptions,
  type LayoutFlags,
  layoutConstraints,
  recomputeFlags,
  stackAndModel,
} from '../layout-flags.js';
import {
  doesNotFit,
  layoutJson,
  layoutText,
  likelyFitJson,
  likelyFitLines,
  offloadHintJson,
  offloadHintLines,
  partialRecomputeNote,
  recomputeHintJson,
  recomputeHintLines,
  summary,
} from '../layout-text.js';
import { loadModel } from '../load-model.js';
import { bytesWithRange, compiledLossLines, fitVerdict } from '../memory-breakdown.js';
import { memoryFitFlag } from '../memory-fit-flag.js';
import { offloadFlags, offloadHostMemory, offloadJson, offloadLine } from '../offload-flag.js';
import {
  oneOf,
  positiveInteger,
  positiveNumber,
  precisionFlag,
  refuseFlags,
  sequenceLength,
} from '../options.js';
import { ownedHardware } from '../price-flags.js';

export interface TrainOptions extends LayoutFlags {
  model?: string;
  memoryFit?: string;
  tokens?: string;
  gpu?: string;
  gpus?: string;
  cluster?: string;
  seqLen?: string;
  documentTokens?: string;
  documentTokensP99?: string;
  globalBatch?: string;
  globalBatchTokens?: string;
  precision?: string;
  optimizer?: string;
  pricePerGpuHour?: string;
  purchasePricePerGpu?: string;
  lifeYears?: string;
  utilization?: string;
  overlapDp?: boolean;
  overlapEp?: boolean;
  epDispatcher?: string;
  tpCommOverlap?: boolean;
  fullIterationCudaGraphs?: boolean;
  bf16GradBuffers?: boolean;
  region?: string;
  pue?: string;
  wattsPerGpu?: string;
  goodput?: string;
  top?: string;
  offload?: string;
  offloadActivations?: string;
  json?: boolean;
}

export const LAYOUT_DOES_NOT_FIT = 3;

export function trainCommand(o: TrainOptions): { output: string; exitCode: number } {
  if (!o.model) inputError('missing_field', ['--model'], 'give --model <catalog id | config.json | spec>');
  const hw = resolveHardware(o.gpu, o.cluster);
  const { stack, spec } = stackAndModel(o, loadModel(o.model).spec, 'pretrain', hw.gpu.id);
  const gpus = positiveInteger(o.gpus, '--gpus', Number.NaN);
  if (Number.isNaN(gpus)) inputError('missing_field', ['--gpus'], 'give --gpus <count>');
  const { tokens: seqLen, warnings: seqLenWarnings } = sequenceLength(o.seqLen, '--seq-len', spec);
  if (o.globalBatch !== undefined && o.globalBatchTokens !== undefined) {
    inputError(
      'invalid_value',
      ['--global-batch'],
      'give --global-batch (sequences) or --global-batch-tokens, not both',
    );
  }
  const batchTokens =
    o.globalBatch !== undefined
      ? undefined
      : o.globalBatchTokens !== undefined
        ? positiveNumber(o.globalBatchTokens, '--global-batch-tokens', 1)
        : DEFAULT_BATCH_TOKENS;
  const globalBatchSize =
    batchTokens === undefined
      ? positiveInteger(o.globalBatch, '--global-batch', 1)
      : globalBatchForTokens(batchTokens, seqLen, gpus);
  const batchNote =
    batchTokens === undefined ? null : globalBatchNote(batchTokens, seqLen, gpus, globalBatchSize);
  const precision = precisionFlag(o.precision, hw.gpu);
  const constraints = layoutConstraints(o);

  const assumptions = loadCatalog().assumptions;
  const tokens = o.tokens === undefined ? undefined : positiveNumber(o.tokens, '--tokens', 1);
  // Owned hardware: purchase price amortised over its life (Epoch AI's method) plus energy.
  const owned = ownedHardware(o);
  // One step (no --tokens) prices nothing: a GPU without a catalog price needs no --price-per-gpu-hour.
  const price = owned
    ? { usdPerGpuHour: 0, basis: 'owned hardware' }
    : tokens === undefined && o.pricePerGpuHour === undefined
      ? { usdPerGpuHour: 0, basis: 'not priced (one step)' }
      : defaultPrice(
          hw.gpu,
          o.pricePerGpuHour === undefined
            ? undefined
            : positiveNumber(o.pricePerGpuHour, '--price-per-gpu-hour', 1),
        );
  const energy = energyAssumptions(hw.gpu, hw.cluster, {
    region: o.region,
    pue: o.pue === undefined ? undefined : positiveNumber(o.pue, '--pue', 1),
    wattsPerGpu: wattsPerGpuFlag(o),
  });
  if (energy.pue < 1) inputError('invalid_value', ['--pue'], `PUE is at least 1, got ${energy.pue}`);
  const goodput =
    o.goodput === undefined ? assumptions.goodput.value : positiveNumber(o.goodput, '--goodput', 1);
  const recompute = recomputeFlags(o, stack.id, spec);
  // Expert dispatch and its overlap would do nothing on a dense model.
  if (spec.moe === null)
    refuseFlags(
      o,
      { epDispatcher: '--ep-dispatcher', overlapEp: '--overlap-ep' },
      `with a mixture-of-experts model: ${spec.name} is dense`,
    );
  const documents = documentFlags(o, seqLen);
  const training = {
    seqLen,
    ...(documents && { documentTokens: documents.spanTokens }),
    globalBatchSize,
    precision,
    optimizer: oneOf(o.optimizer, '--optimizer', OPTIMIZERS, 'adamw'),
    // --no-overlap-dp forces it off; otherwise the stack decides (DeepSpeed's pipeline defers it).
    overlapDataParallel: o.overlapDp === false ? false : undefined,
    overlapExpertParallel: o.overlapEp,
    ...stackSwitches(o, stack, (name) => [SWITCH_FLAGS[name]], precision),
    tokenDispatcher: oneOf(o.epDispatcher, '--ep-dispatcher', TOKEN_DISPATCHERS, 'all-to-all'),
    ...(recompute.recomputeModules && { recomputeModules: recompute.recomputeModules }),
    ...attentionOptions(o),
    ...offloadFlags(o, hw.gpu),
  };
  const noOverlap = overlapWithoutSequenceParallel(training.overlapTensorParallel, constraints);
  if (noOverlap !== null) inputError('invalid_value', [SWITCH_FLAGS.tpCommOverlap], noOverlap);

  const { level: memoryFitLevel, ...memoryFit } = memoryFitFlag(o.memoryFit, stack.id);
  let plan: ReturnType<typeof planTraining>;
  try {
    plan = planTraining(spec, hw.cluster, {
      ...training,
      gpus,
      // --recompute-num-layers and --recompute-every fix the layout's partial recomputation.
      constraints: {
        ...constraints,
        recomputeLayers: recompute.recomputeLayers,
        recomputeEvery: recompute.recomputeEvery,
      },
      top: positiveInteger(o.top, '--top', 5),
      pareto: true,
      diagnoseGpuCount: true,
      stack,
      ...memoryFit,
      calibrationPool: allStackCalibrations(),
      ...trainingHintOptions(hw.gpu.id, stack.id),
      cost:
        tokens === undefined
          ? undefined
          : {
              tokens,
              goodput,
              usdPerGpuHour: price.usdPerGpuHour,
              owned,
              energy,
              networkingShareOfHardware: assumptions.networkingShareOfHardware.value,
            },
    });
  } catch (error) {
    if (error instanceof LayoutDoesNotFitError)
      return {
        output: doesNotFit(error, hw.gpu.memoryBytes, o.json === true, recompute),
        exitCode: LAYOUT_DOES_NOT_FIT,
      };
    throw error;
  }
  const { chosen, run, search } = plan;
  const blockNote = partialRecomputeNote(spec.numLayers, chosen.layout);
  const warnings = [
    ...seqLenWarnings,
    ...(batchNote ? [batchNote] : []),
    ...plan.warnings,
    ...(blockNote ? [blockNote] : []),
    ...(o.documentTokens !== undefined && !documents
      ? [`--document-tokens: ${wholeSequenceDocuments(seqLen)}`]
      : []),
  ];
  const step = chosen.step;
  const offload = training;
  // Every stage of the chosen layout (the search sized only the peak candidates).
  const host = offloadHostMemory(
    offload,
    offload.offload || offload.activationOffload
      ? trainingMemory(spec, chosen.layout, { ...training, stack }).stages
      : [],
  );
  const band = plan.band!;
  const memoryBand = stackMemoryBand(stack.id, chosen.layout.pipelineParallel > 1, false);
  const range = {
    stepSeconds: timeRange(step.stepSeconds, band),
    memoryPerGpuBytes: memoryRange(chosen.memoryPerGpuBytes, memoryBand),
    tokensPerSecond: rateRange(step.tokensPerSecond, band),
    ...(run
      ? {
          gpuHours: timeRange(run.gpuHours, band),
          wallClockDays: timeRange(run.wallClockDays, band),
          costUsd: timeRange(run.costUsd, band),
          energyKWh: energyRange(run.energyKWh, band),
          co2Kg: energyRange(run.co2Kg, band),
        }
      : {}),
  };
  // The MTP modules the step trains: the checkpoint's or --mtp-layers', none where the stack builds none.
  const mtpModules = trainedSpec(spec, stack).numMtpModules;
  const result = {
    model: spec.name,
    stack: stack.id,
    mtpModules,
    calibration: plan.calibration
      ? {
          family: plan.calibration.family,
          stepTimeScale: plan.calibration.stepTimeScale,
          attentionScale: plan.calibration.attentionScale,
          expertScale: plan.calibration.expertScale,
          localExpertOverheadSeconds: plan.calibration.localExpertOverheadSeconds,
          layerOverheadSeconds: plan.calibration.layerOverheadSeconds,
          zero3LayerOverheadSeconds: plan.calibration.zero3LayerOverheadSeconds,
          extrapolated: plan.calibration.extrapolated,
          cases: plan.calibration.cases.length,
        }
      : null,
    outsideCalibration: band.outside,
    warnings,
    gpu: hw.gpu.id,
    cluster: hw.clusterId,
    gpus,
    seqLen,
    documentTokens: documents?.documentTokens ?? null,
    documentTokensP99: documents?.documentTokensP99 ?? null,
    // The span the step ran at, as finetune's: the sequence's where no documents are masked.
    attentionSpanTokens: documents?.spanTokens ?? seqLen,
    globalBatchSize,
    precision,
    layout: layoutJson(chosen.layout),
    tokenDispatcher: training.tokenDispatcher,
    // As the chosen layout runs it: at TP 1 (or without SP) there is nothing to overlap.
    overlapTensorParallel: overlapsTensorParallel(training.overlapTensorParallel, chosen.layout),
    fullIterationCudaGraphs: training.fullIterationCudaGraphs,
    bf16GradBuffers: training.gradReduceInFp32 === false,
    ...(recompute.recomputeModules && { recomputeModules: recompute.recomputeModules }),
    stepSeconds: step.stepSeconds,
    tokensPerSecond: step.tokensPerSecond,
    tokensPerSecondPerGpu: step.tokensPerSecond / gpus,
    mfu: step.mfu,
    mfuNonCausal: step.mfuNonCausal,
    hfu: step.hfu,
    memoryPerGpuBytes: chosen.memoryPerGpuBytes,
    memoryFit: bandedFit(chosen.memoryPerGpuBytes, range.memoryPerGpuBytes, hw.gpu.memoryBytes),
    memoryFitAt: memoryFitLevel,
    ...(host ? { offload: offloadJson(offload, host) } : {}),
    stepBreakdownSeconds: step.breakdown,
    ...(run
      ? {
          tokens,
          steps: run.steps,
          gpuHours: run.gpuHours,
          gpuHoursIdeal: run.gpuHoursIdeal,
          wallClockDays: run.wallClockDays,
          wallClockDaysIdeal: run.wallClockDaysIdeal,
          goodput,
          usdPerGpuHour: run.usdPerGpuHour,
          priceBasis: owned
            ? `owned: $${owned.purchaseUsdPerGpu}/GPU × ${owned.serverCostOverGpuCost} server factor over ${owned.lifeYears} years at ${owned.utilization} utilisation, ${run.energyNote === null ? 'plus energy' : 'electricity excluded (power unknown)'}`
            : price.basis,
          costUsd: run.costUsd,
          costSplitUsd: run.costSplit,
          energyKWh: run.energyKWh,
          co2Kg: run.co2Kg,
          energyNote: run.energyNote,
          region: energy.region,
          pue: energy.pue,
        }
      : {}),
    range,
    layoutsEvaluated: search.layoutsEvaluated,
    layoutsFeasible: search.layoutsFeasible,
    top: search.top.map(summary),
    pareto: search.pareto.map(summary),
    activationOffloadHint: offloadHintJson(plan.offloadHint),
    recomputeHint: recomputeHintJson(plan.recomputeHint),
    likelyFit: likelyFitJson(plan.likelyFit),
  };
  // Offloaded states that overflow the host's memory: computed, but the run does not fit (exit 3).
  const exitCode = host && !host.fits ? LAYOUT_DOES_NOT_FIT : 0;
  if (o.json) return { output: toJson(result), exitCode };
  const l = chosen.layout;
  const lines = [
    `${spec.name} on ${gpus} × ${hw.gpu.id}${hw.clusterId ? ` (${hw.clusterId})` : ''}, ${precision}, seq ${seqLen}${documents ? ` (${documentsText(documents, documents.spanTokens)})` : ''}, global batch ${globalBatchSize} (${formatCount(globalBatchSize * seqLen)} tokens)${mtpModules > 0 ? `, ${mtpModules} MTP module${mtpModules === 1 ? '' : 's'} trained` : ''}`,
    ...warnings.map((w) => `warning: ${w}`),
    `stack: ${stack.name}${plan.calibration ? ` (${calibrationSummary(plan.calibration)})` : ''}`,
    ...band.outside.map((line) => `outside calibration: ${line}`),
    `best layout: ${layoutText(l, recompute)}${l.expertParallel > 1 && training.tokenDispatcher === 'deepep' ? ' · DeepEP dispatch' : ''}${overlapsTensorParallel(training.overlapTensorParallel, l) ? ' · TP comm overlapped' : ''}${training.fullIterationCudaGraphs ? ' · one CUDA graph per step' : ''}${training.gradReduceInFp32 === false ? ' · BF16 main-grad buffers' : ''}`,
    `step ${step.stepSeconds.toFixed(3)} s (P10 ${range.stepSeconds.p10.toFixed(2)} – P90 ${range.stepSeconds.p90.toFixed(2)}) · ${formatCount(step.tokensPerSecond / gpus)} tokens/s/GPU (P10 ${formatCount(range.tokensPerSecond.p10 / gpus)} – P90 ${formatCount(range.tokensPerSecond.p90 / gpus)}) · ${mfuLabel(step.mfu, precision)} (${(100 * step.mfuNonCausal).toFixed(1)}% full-attention) · HFU ${(100 * step.hfu).toFixed(1)}%`,
    `memory ${bytesWithRange(chosen.memoryPerGpuBytes, range.memoryPerGpuBytes)}/GPU: ${fitVerdict(chosen.memoryPerGpuBytes, range.memoryPerGpuBytes, hw.gpu)}`,
    ...memoryBand.outside.map((line) => `memory band: ${line}`),
    ...likelyFitLines(plan.likelyFit, step.stepSeconds),
    ...compiledLossLines(stack.memory),
    ...(host ? [offloadLine(offload, host)] : []),
    `searched ${search.layoutsEvaluated.toLocaleString('en-US')} layouts, ${search.layoutsFeasible.toLocaleString('en-US')} fit${memoryFitLevel === 'estimate' ? '' : ` at the memory band's ${memoryFitLevel.toUpperCase()} (--memory-fit)`}`,
    ...offloadHintLines(plan.offloadHint, step.stepSeconds),
    ...recomputeHintLines(plan.recomputeHint, step.stepSeconds),
  ];
  if (run) {
    lines.push(
      '',
      table(
        ['', 'ideal', `expected (goodput ${(100 * goodput).toFixed(0)}%)`],
        [
          [
            'GPU-hours',
            formatCount(run.gpuHoursIdeal),
            `${formatCount(run.gpuHours)} (P10 ${formatCount(range.gpuHours!.p10)} – P90 ${formatCount(range.gpuHours!.p90)})`,
          ],
          [
            'wall-clock days',
            run.wallClockDaysIdeal.toFixed(1),
            `${run.wallClockDays.toFixed(1)} (P10 ${range.wallClockDays!.p10.toFixed(1)} – P90 ${range.wallClockDays!.p90.toFixed(1)})`,
          ],
        ],
      ),
      '',
      `cost      $${formatCount(run.costUsd)} (P10 $${formatCount(range.costUsd!.p10)} – P90 $${formatCount(range.costUsd!.p90)}) at $${run.usdPerGpuHour.toFixed(2)}/GPU-hour (${owned ? `owned, ${owned.lifeYears}-year life, ${run.energyNote === null ? 'energy included' : 'electricity excluded: power unknown'}` : price.basis})`,
      `          of which energy ${run.costSplit.energyUsd === null ? 'not split out (power unknown)' : `$${formatCount(run.costSplit.energyUsd)}`}, networking $${formatCount(run.costSplit.networkingUsd)}, compute hardware $${formatCount(run.costSplit.computeUsd)}`,
      `energy    ${energyText(run.energyKWh, run.energyNote, (kWh) => `${formatCount(kWh / 1000)} MWh (P10 ${formatCount(range.energyKWh!.p10 / 1000)} – P90 ${formatCount(range.energyKWh!.p90 / 1000)}, PUE ${energy.pue})`, '')}`,
      `CO2       ${energyText(run.co2Kg, run.energyNote, (kg) => `${formatCount(kg / 1000)} t (P10 ${formatCount(range.co2Kg!.p10 / 1000)} – P90 ${formatCount(range.co2Kg!.p90 / 1000)}, ${energy.region} grid)`, '')}`,
    );
  } else {
    lines.push('', 'pass --tokens N for GPU-hours, days, cost, energy and CO2');
  }
  const breakdown = Object.entries(step.breakdown)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => [
      k.replace(/Seconds$/, ''),
      `${v.toFixed(3)} s`,
      `${((100 * v) / step.stepSeconds).toFixed(1)}%`,
    ]);
  lines.push('', table(['step time', 'seconds', 'share'], breakdown));
  lines.push(
    '',
    table(
      ['top layouts', 'step (s)', 'MFU', 'memory/GPU'],
      search.top.map((e) => [
        layoutText(e.layout),
        e.step.stepSeconds.toFixed(3),
        `${(100 * e.step.mfu).toFixed(1)}%`,
        formatBytes(e.memoryPerGpuBytes),
      ]),
    ),
  );
  return { output: lines.join('\n'), exitCode };
}
