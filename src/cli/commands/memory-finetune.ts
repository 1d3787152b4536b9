/**
 * `llmecon memory --method full|lora|dora|qlora`: fine-tuning memory per GPU as `finetune` computes
 * it (the same layout search, core/adaptation/finetune.ts `planFinetuneLayouts`), by term, for the
 * layout that needs the least memory and for the fastest one.
 */
import { allStackCalibrations } from '../../catalog/stacks.js';
import { resolveHardware } from '../../catalog/training-defaults.js';
import { planFinetuneLayouts } from '../../core/adaptation/finetune.js';
import { inputError } from '../../core/errors.js';
import { memoryFit } from '../../core/memory/inference-memory.js';
import { bandedFit, memoryRange } from '../../core/memory/memory-band.js';
import { OPTIMIZERS } from '../../core/memory/training-memory.js';
import type { ModelSpec } from '../../core/model/spec.js';
import { layoutSummary } from '../../core/parallelism/layout.js';
import type { EvaluatedLayout } from '../../core/training/layout-search.js';
import { LayoutDoesNotFitError } from '../../core/training/plan.js';
import { stackMemoryBand } from '../../validation/memory-cases.js';
import { type AdapterFlags, adapterLabel, baseFormatLabel, methodFlags } from '../adapter-flags.js';
import { formatBytes, formatCount, toJson } from '../format.js';
import { attentionOptions, type LayoutFlags, layoutConstraints, stackAndModel } from '../layout-flags.js';
import { breakdownJson, breakdownTable, fitVerdict, memoryBandLine } from '../memory-breakdown.js';
import { offloadFlag } from '../offload-flag.js';
import { oneOf, positiveInteger, precisionFlag, sequenceLength } from '../options.js';

export interface MemoryMethodFlags extends LayoutFlags, AdapterFlags {
  gpu?: string;
  gpus?: string;
  seqLen?: string;
  globalBatch?: string;
  precision?: string;
  optimizer?: string;
  offload?: string;
  json?: boolean;
}

/** Exit status for "computed, but it does not fit". */
const DOES_NOT_FIT = 3;

const entryJson = (e: EvaluatedLayout) => ({
  layout: e.layout,
  memoryPerGpuBytes: e.memoryPerGpuBytes,
  peakStage: e.peak.stage,
  breakdown: breakdownJson(e.peak),
  stepSeconds: e.step.stepSeconds,
});

export function memoryMethodCommand(
  loaded: ModelSpec,
  o: MemoryMethodFlags,
): { output: string; exitCode: number } {
  if (!o.gpu)
    inputError(
      'missing_field',
      ['--gpu'],
      'memory --method searches the layouts that fit on a GPU: give --gpu <id> (see llmecon gpus)',
    );
  const hw = resolveHardware(o.gpu, undefined);
  const { stack, spec } = stackAndModel(o, loaded, 'finetune', hw.gpu.id);
  const choice = methodFlags(o, spec, 'lora');
  const constraints = layoutConstraints(o);
  const fixedGpus =
    (constraints.tensorParallel ?? 1) *
    (constraints.pipelineParallel ?? 1) *
    (constraints.dataParallel ?? 1) *
    (constraints.contextParallel ?? 1);
  const gpus = positiveInteger(o.gpus, '--gpus', fixedGpus);
  const { tokens: seqLen, warnings: seqLenWarnings } = sequenceLength(o.seqLen, '--seq-len', spec);
  const warnings = [...seqLenWarnings];
  const globalBatchSize = positiveInteger(o.globalBatch, '--global-batch', 16);
  const precision = precisionFlag(o.precision, hw.gpu, choice.method);
  const base = baseFormatLabel(choice);
  const head = `${spec.name}: ${adapterLabel(spec, choice) ?? 'full fine-tuning'} memory per GPU on ${gpus} × ${hw.gpu.id}, ${precision}, seq ${seqLen}, global batch ${globalBatchSize}, stack ${stack.name}`;
  let least: EvaluatedLayout;
  let fastest: EvaluatedLayout | null;
  let trainable: number | null = null;
  let tables = 0;
  try {
    const plan = planFinetuneLayouts(spec, hw.cluster, {
      ...choice,
      seqLen,
      globalBatchSize,
      precision,
      optimizer: oneOf(o.optimizer, '--optimizer', OPTIMIZERS, 'adamw'),
      ...attentionOptions(o),
      gpus,
      constraints,
      stack,
      offload: offloadFlag(o.offload, hw.gpu),
      calibrationPool: allStackCalibrations(),
    });
    least = plan.search.leastMemory ?? plan.chosen;
    fastest = plan.chosen;
    warnings.push(...plan.warnings);
    trainable = plan.adapter?.trainableParams ?? null;
    tables = plan.adapter?.trainableEmbeddingParams ?? 0;
  } catch (error) {
    if (!(error instanceof LayoutDoesNotFitError) || !error.nearestInfeasible[0]) throw error;
    // Nothing fits: the layout that comes closest (least memory over the capacity).
    least = error.nearestInfeasible[0];
    fastest = null;
  }
  const { fits, headroomBytes } = memoryFit(least.memoryPerGpuBytes, hw.gpu);
  const band = stackMemoryBand(stack.id, least.layout.pipelineParallel > 1, choice.method !== 'full');
  const range = memoryRange(least.memoryPerGpuBytes, band);
  const exitCode = fits ? 0 : DOES_NOT_FIT;
  if (o.json)
    return {
      output: toJson({
        model: spec.name,
        mode: 'train',
        method: choice.method,
        precision,
        rank: choice.method === 'full' ? null : choice.rank,
        targets: choice.method === 'full' ? null : choice.targets,
        baseFormat: choice.baseFormat ?? null,
        trainEmbeddings: choice.trainEmbeddings,
        trainableParams: trainable === null ? null : trainable + tables,
        stack: stack.id,
        warnings,
        gpu: hw.gpu.id,
        gpus,
        seqLen,
        globalBatchSize,
        memoryPerGpuBytes: least.memoryPerGpuBytes,
        range: { memoryPerGpuBytes: range },
        memoryBand: band,
        fits,
        headroomBytes,
        memoryFit: bandedFit(least.memoryPerGpuBytes, range, hw.gpu.memoryBytes),
        leastMemory: entryJson(least),
        fastest: fastest && entryJson(fastest),
      }),
      exitCode,
    };
  const same = fastest !== null && fastest.layout === least.layout;
  const columns = [
    {
      heading: `${fits ? 'least memory' : 'closest (does not fit)'}${same ? ' = fastest' : ''}: ${layoutSummary(least.layout)}`,
      stage: least.peak,
      range,
    },
    ...(fastest && !same
      ? [
          {
            heading: `fastest: ${layoutSummary(fastest.layout)}`,
            stage: fastest.peak,
            range: memoryRange(fastest.memoryPerGpuBytes, band),
          },
        ]
      : []),
  ];
  return {
    output: [
      head,
      ...warnings.map((w) => `warning: ${w}`),
      ...(trainable !== null
        ? [
            `trainable ${formatCount(trainable)} adapter parameters${tables > 0 ? ` + ${formatCount(tables)} of the embedding and head, trained in full (their copies are in the adapters row)` : ''}`,
          ]
        : []),
      '',
      breakdownTable(columns, base),
      '',
      memoryBandLine(band),
      '',
      fits
        ? `least memory: ${fitVerdict(least.memoryPerGpuBytes, range, hw.gpu)}`
        : `does not fit on ${hw.gpu.id} (${formatBytes(hw.gpu.memoryBytes)}): the least memory any layout of ${gpus} GPUs needs is ${formatBytes(-headroomBytes)} over`,
    ].join('\n'),
    exitCode,
  };
}
