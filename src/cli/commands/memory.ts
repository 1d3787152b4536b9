import { findGpu } from '../../catalog/catalog.js';
import { bf16GradientBuffers, tensorParallelOverlap } from '../../catalog/stacks.js';
import { InputError, inputError } from '../../core/errors.js';
import { plural } from '../../core/format.js';
import { memoryRange } from '../../core/memory/memory-band.js';
import {
  OFFLOAD_MIN_ZERO_STAGE,
  OPTIMIZERS,
  TRAINING_PRECISIONS,
  trainingMemory,
} from '../../core/memory/training-memory.js';
import { checkpointFormat } from '../../core/model/checkpoint-format.js';
import { untrainedMtpWarning } from '../../core/model/trained-spec.js';
import {
  DEFAULT_LAYOUT,
  globalBatchIssue,
  layoutIssues,
  overlapsTensorParallel,
  overlapWithoutSequenceParallel,
  type ParallelLayout,
  worldSize,
  ZERO3_WITH_PIPELINE,
} from '../../core/parallelism/layout.js';
import { activationOffloadIssues, offloadIssues } from '../../core/training/offload-issues.js';
import { foreignModulesWarning } from '../../core/training/plan.js';
import { stackLayoutIssues } from '../../core/training/stack.js';
import { stackMemoryBand } from '../../validation/memory-cases.js';
import { SWITCH_FLAGS } from '../flag-paths.js';
import { toJson } from '../format.js';
import { attentionOptions, layoutConstraints, recomputeFlags, stackAndModel } from '../layout-flags.js';
import { partialRecomputeNote, recomputeText } from '../layout-text.js';
import { loadModel } from '../load-model.js';
import {
  breakdownJson,
  breakdownTable,
  compiledLossLines,
  fitLine,
  memoryBandLine,
} from '../memory-breakdown.js';
import { memoryOffloadFlags, memoryOffloadJson, offloadHostMemory, offloadLine } from '../offload-flag.js';
import { oneOf, positiveInteger, precisionFlag, refuseFlags, sequenceLength } from '../options.js';
import { type MemoryMethodFlags, memoryMethodCommand } from './memory-finetune.js';
import { inferMemory } from './memory-infer.js';

export interface MemoryOptions extends MemoryMethodFlags {
  mode?: string;
  offloadActivations?: string;
  tpCommOverlap?: boolean;
  bf16GradBuffers?: boolean;
  gpu?: string;
  seqLen?: string;
  globalBatch?: string;
  precision?: string;
  optimizer?: string;
  weights?: string;
  kv?: string;
  batch?: string;
  context?: string;
  json?: boolean;
}

/** Exit status for "computed, but it does not fit". */
export const DOES_NOT_FIT = 3;

export function memoryCommand(ref: string, options: MemoryOptions): { output: string; exitCode: number } {
  const mode = oneOf(options.mode, '--mode', ['train', 'infer'] as const, 'train');
  const { spec, config } = loadModel(ref);
  const gpu = options.gpu ? findGpu(options.gpu) : null;
  const methodOnly = {
    method: '--method',
    rank: '--rank',
    targets: '--targets',
    baseFormat: '--base-format',
    trainEmbeddings: '--train-embeddings',
    gpus: '--gpus',
  };
  const inferOnly = { weights: '--weights', kv: '--kv', batch: '--batch', context: '--context' };
  // Pre-training memory's own flags (fine-tuning memory recomputes per layer and offloads no layers).
  const pretrainingOnly = {
    recomputeModules: '--recompute-modules',
    recomputeNumLayers: '--recompute-num-layers',
    recomputeEvery: '--recompute-every',
    offloadActivations: '--offload-activations',
    tpCommOverlap: SWITCH_FLAGS.tpCommOverlap,
    bf16GradBuffers: SWITCH_FLAGS.bf16GradBuffers,
  };
  if (mode === 'train' && options.method !== undefined) {
    // Fine-tuning memory (as finetune); the inference flags do nothing.
    refuseFlags(options, inferOnly, 'with --mode infer');
    refuseFlags(options, pretrainingOnly, 'without --method (pre-training memory)');
    return memoryMethodCommand(spec, options);
  }
  if (mode === 'train') {
    refuseFlags(options, methodOnly, 'with --method (fine-tuning memory)');
    refuseFlags(options, inferOnly, 'with --mode infer');
  } else
    refuseFlags(
      options,
      {
        seqLen: '--seq-len',
        globalBatch: '--global-batch',
        precision: '--precision',
        optimizer: '--optimizer',
        dp: '--dp',
        cp: '--cp',
        vpp: '--vpp',
        microBatch: '--micro-batch',
        recompute: '--recompute',
        ...pretrainingOnly,
        zero: '--zero',
        schedule: '--schedule',
        offload: '--offload',
        mtpLayers: '--mtp-layers',
        etp: '--etp',
        sequenceParallel: '--sequence-parallel',
        attention: '--attention',
        dropout: '--dropout',
        stack: '--stack',
        ...methodOnly,
      },
      'with --mode train (the default)',
    );
  return mode === 'train'
    ? train(spec, gpu, options)
    : inferMemory(spec, checkpointFormat(config), gpu, options);
}

function train(
  loaded: ReturnType<typeof loadModel>['spec'],
  gpu: ReturnType<typeof findGpu> | null,
  o: MemoryOptions,
) {
  const given = layoutConstraints(o);
  const { stack, spec } = stackAndModel(o, loaded, 'pretrain', gpu?.id);
  const recompute = recomputeFlags(o, stack.id, spec);
  const offloads = memoryOffloadFlags(o, gpu);
  const { mode: offloadMode, layers: offloadedLayers } = offloads;
  const layout: ParallelLayout = {
    ...DEFAULT_LAYOUT,
    ...Object.fromEntries(
      Object.entries(given).filter(
        // ETP equal to TP is the default: the layout leaves it out.
        ([k, v]) => v !== undefined && !(k === 'expertTensorParallel' && v === (given.tensorParallel ?? 1)),
      ),
    ),
    sequenceParallel: given.sequenceParallel ?? false,
    // Without --zero: ZeRO-1 where the stack runs it, else its first stage (Unsloth: plain DDP), and
    // at least the stage the offload mode shards over (ZeRO-3 for optimizer+params).
    zeroStage:
      given.zeroStage ??
      (Math.max(
        offloadMode === 'none' ? 0 : OFFLOAD_MIN_ZERO_STAGE[offloadMode],
        stack.parallelism.zeroStages.includes(DEFAULT_LAYOUT.zeroStage)
          ? DEFAULT_LAYOUT.zeroStage
          : stack.parallelism.zeroStages[0]!,
      ) as ParallelLayout['zeroStage']),
    schedule: given.schedule ?? ((given.virtualStages ?? 1) > 1 ? 'interleaved' : '1f1b'),
    // Offloaded activations replace recomputation (Megatron-Core runs neither beside the other).
    ...(offloadedLayers !== undefined && given.recompute === undefined && { recompute: 'none' }),
    // --recompute-num-layers and --recompute-every: full recomputation of only those layers.
    ...(recompute.recomputeLayers !== undefined && { recomputeLayers: recompute.recomputeLayers }),
    ...(recompute.recomputeEvery !== undefined && { recomputeEvery: recompute.recomputeEvery }),
  };
  const { tokens: seqLen, warnings: seqLenWarnings } = sequenceLength(o.seqLen, '--seq-len', spec);
  const stackWarnings = [untrainedMtpWarning(spec, stack), foreignModulesWarning(spec, stack)].filter(
    (w) => w !== null,
  );
  const blockNote = partialRecomputeNote(spec.numLayers, layout);
  const warnings = [...seqLenWarnings, ...stackWarnings, ...(blockNote ? [blockNote] : [])];
  // Without --global-batch, assume enough microbatches to fill the pipeline (m = 2·pp).
  const defaultBatch = layout.dataParallel * layout.microBatchSize * 2 * layout.pipelineParallel;
  const globalBatchSize = positiveInteger(o.globalBatch, '--global-batch', defaultBatch);
  const issues = layoutIssues(spec, layout, seqLen);
  const batchIssue = globalBatchIssue(globalBatchSize, layout);
  if (batchIssue) issues.push(batchIssue);
  const precision = gpu
    ? precisionFlag(o.precision, gpu)
    : oneOf(o.precision, '--precision', TRAINING_PRECISIONS, 'bf16');
  const optimizer = oneOf(o.optimizer, '--optimizer', OPTIMIZERS, 'adamw');
  // The stack decides what it combines (torchtitan runs ZeRO-3/FSDP with pipeline parallelism).
  const checked = [
    ...issues.filter((i) => i.rule !== ZERO3_WITH_PIPELINE),
    ...stackLayoutIssues(stack, layout),
    ...offloadIssues(offloadMode === 'none' ? undefined : { mode: offloadMode }, stack, layout.zeroStage),
    ...activationOffloadIssues(offloads.memory.activationOffload, stack, layout, spec.numLayers),
  ];
  if (checked.length > 0) throw new InputError(checked);
  const overlapTensorParallel = tensorParallelOverlap(o.tpCommOverlap, stack, [SWITCH_FLAGS.tpCommOverlap]);
  const bf16GradBuffers =
    bf16GradientBuffers(o.bf16GradBuffers, stack, [SWITCH_FLAGS.bf16GradBuffers], precision)
      .gradReduceInFp32 === false;
  const noOverlap = overlapWithoutSequenceParallel(overlapTensorParallel, layout);
  if (noOverlap !== null) inputError('invalid_value', [SWITCH_FLAGS.tpCommOverlap], noOverlap);
  const memory = trainingMemory(spec, layout, {
    seqLen,
    globalBatchSize,
    precision,
    optimizer,
    stack,
    overlapTensorParallel,
    ...(bf16GradBuffers && { mainGradsInFp32: false }),
    ...attentionOptions(o),
    ...(recompute.recomputeModules && { recomputeModules: recompute.recomputeModules }),
    ...offloads.memory,
  });
  const peak = memory.peak;
  // The host side needs the GPU (its link and host memory, catalog/hosts.json).
  const host = offloadHostMemory(offloads.use, memory.stages);
  const band = stackMemoryBand(stack.id, layout.pipelineParallel > 1, false);
  const range = memoryRange(peak.totalBytes, band);
  const fit = fitLine(peak.totalBytes, gpu, range);
  const gpus = worldSize(layout);
  if (o.json) {
    return {
      output: toJson({
        model: spec.name,
        mode: 'train',
        stack: stack.id,
        warnings,
        gpus,
        layout,
        ...(recompute.recomputeModules && { recomputeModules: recompute.recomputeModules }),
        overlapTensorParallel,
        bf16GradBuffers,
        seqLen,
        globalBatchSize,
        precision,
        optimizer,
        memoryPerGpuBytes: peak.totalBytes,
        range: { memoryPerGpuBytes: range },
        memoryBand: band,
        breakdown: breakdownJson(peak),
        peakStage: peak.stage,
        stages: memory.stages,
        microbatchesInFlight: memory.microbatchesInFlight,
        gpu: gpu?.id ?? null,
        fits: fit.fits,
        headroomBytes: fit.headroomBytes,
        memoryFit: fit.memoryFit,
        ...memoryOffloadJson(offloads, host),
      }),
      exitCode: fit.fits === false || host?.fits === false ? DOES_NOT_FIT : 0,
    };
  }
  // The first and last stages, and the most loaded middle one (the JSON lists every stage).
  const middle = memory.stages
    .slice(1, -1)
    .reduce<(typeof memory.stages)[number] | null>(
      (a, c) => (!a || c.totalBytes > a.totalBytes ? c : a),
      null,
    );
  const shown = [memory.stages[0]!, ...(middle ? [middle] : []), ...memory.stages.slice(1).slice(-1)];
  const cols = shown.map(
    (s) =>
      `${s.stage === 'middle' ? `stage ${s.index}` : `${s.stage} stage`} (${s.layers} layers${s.moeLayers > 0 && s.moeLayers < s.layers ? `, ${s.moeLayers} MoE` : ''})${s === peak && shown.length > 1 ? ' ← peak' : ''}`,
  );
  const l = layout;
  return {
    output: [
      `${spec.name}: training memory per GPU, ${precision} + ${optimizer}, seq ${seqLen}, global batch ${globalBatchSize}, stack ${stack.name}`,
      ...warnings.map((w) => `warning: ${w}`),
      `layout: tp ${l.tensorParallel} pp ${l.pipelineParallel} dp ${l.dataParallel} ep ${l.expertParallel}${l.expertTensorParallel !== undefined ? ` etp ${l.expertTensorParallel}` : ''} cp ${l.contextParallel}, micro-batch ${l.microBatchSize}, recompute ${recomputeText(l, recompute)}, ZeRO-${l.zeroStage}, ${l.schedule}${l.sequenceParallel ? ', sequence parallel' : ''}${overlapsTensorParallel(overlapTensorParallel, l) ? ', TP comm overlapped (userbuffers held)' : ''}${bf16GradBuffers ? ', BF16 main-grad buffers' : ''} (${plural(gpus, 'GPU')})`,
      '',
      breakdownTable(
        shown.map((stage, i) => ({
          heading: cols[i]!,
          stage,
          range: stage === peak ? range : null,
        })),
      ),
      memoryBandLine(band),
      ...compiledLossLines(stack.memory),
      '',
      fit.line,
      ...(host ? [offloadLine(offloads.use, host)] : []),
    ].join('\n'),
    exitCode: fit.fits === false || host?.fits === false ? DOES_NOT_FIT : 0,
  };
}
