/**
 * A lever study's state: the training, fine-tuning or serving inputs a baseline sets and levers change,
 * and how a baseline (or an uploaded model) becomes one.
 */

import type { CalibrationBand } from '../catalog/bands.js';
import { findGpu, findModel, loadCatalog } from '../catalog/catalog.js';
import { engineVendorError, findEngine } from '../catalog/engines.js';
import {
  engineSettingsOf,
  type ServingEngineChoice,
  servingEngineChoice,
} from '../catalog/serving-engine-choice.js';
import { asTrainedBy, bf16GradientBuffers, stackOptions, stackSwitches } from '../catalog/stacks.js';
import { defaultPrice } from '../catalog/training-defaults.js';
import {
  type BaseFormat,
  type FinetuneMethod,
  frozenBaseFor,
  refuseAdapterFieldsOnFull,
} from '../core/adaptation/finetune.js';
import type { Dataset } from '../core/adaptation/finetune-dataset.js';
import { inputError } from '../core/errors.js';
import type { ServingWorkload, Slo } from '../core/inference/serving.js';
import type { BandedFit } from '../core/memory/memory-band.js';
import type { HostMemory, OffloadMode } from '../core/memory/offload.js';
import {
  type Optimizer,
  type TrainingPrecision,
  trainingPrecisionError,
} from '../core/memory/training-memory.js';
import { DEFAULT_ADAPTER_RANK, defaultAdapterTargets } from '../core/model/adapters.js';
import {
  type CheckpointFormat,
  checkpointFormat,
  type ServedFormat,
  servedFormat,
} from '../core/model/checkpoint-format.js';
import { defaultTrainingSeqLen } from '../core/model/context-limit.js';
import type { Drafter } from '../core/model/drafter.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';
import type { ModelSpec } from '../core/model/spec.js';
import {
  formatSupportError,
  type KvFormat,
  type WeightFormat,
  type WeightSparsity,
} from '../core/precision.js';
import type { LayoutConstraints } from '../core/training/layout-search.js';
import type { StackId } from '../core/training/stack.js';
import type { Range } from '../core/uncertainty/range.js';
import {
  finetuneMemoryFitMultipliers,
  type MemoryFitLevel,
  memoryFitMultipliers,
} from '../validation/memory-fit.js';
import type { FinetuneBaseline, LayoutInput, ServingBaseline, TrainingBaseline } from './schema.js';

/** Where a stack with no port to the study's GPU is refused (a `gpu` lever's GPU included). */
const STACK_FIELD = ['baseline', 'stack'] as const;

interface CommonState {
  readonly modelId: string;
  readonly spec: ModelSpec;
  readonly gpuId: string;
  readonly usdPerGpuHour: number;
  /** What earlier levers made of the price (spot's discount; serving, its restarts too): a later GPU's takes it. */
  readonly priceFactor: number;
  /** One-off costs a lever adds (a teacher's generation for distillation), $. */
  readonly extraUsd: number;
  /** P10–P90 of `extraUsd` from the bands of the estimates behind it ($0–$0 without any). */
  readonly extraUsdRange: Range;
}

export interface TrainingState extends CommonState {
  readonly kind: 'train';
  readonly tokens: number;
  readonly gpus: number;
  readonly precision: TrainingPrecision;
  readonly optimizer: Optimizer;
  readonly seqLen: number;
  /** Packed documents masked at their boundaries: mean and P99 tokens (core/training/document-span.ts). */
  readonly documentTokens?: number;
  readonly documentTokensP99?: number;
  readonly globalBatchTokens: number;
  readonly goodput: number;
  readonly constraints: LayoutConstraints;
  /** The software stack the engine predicts (default: the kind's, catalog/stacks). */
  readonly stack?: StackId;
  /** Model states kept in host memory (none when absent), as `--offload`. */
  readonly offload?: OffloadMode;
  /** The memory a layout must fit at (the estimate when absent), as `--memory-fit`. */
  readonly memoryFit?: MemoryFitLevel;
  readonly overlapExpertParallel?: boolean;
  /** TP collectives pipelined with the GEMMs, as `--tp-comm-overlap` (on a stack that models it). */
  readonly overlapTensorParallel?: boolean;
  /** Each step replayed as one CUDA graph, as `--full-iteration-cuda-graphs` (on a stack that has it). */
  readonly fullIterationCudaGraphs?: boolean;
  /** Main-grad buffers in BF16, as `--bf16-grad-buffers` (on a stack that has it). */
  readonly bf16GradBuffers?: boolean;
}

/** The state's record of the stack switches a baseline asked for (the outcome re-checks them per stack). */
const switchesState = (o: ReturnType<typeof stackSwitches>) => ({
  ...(o.overlapTensorParallel && { overlapTensorParallel: true }),
  ...(o.fullIterationCudaGraphs && { fullIterationCudaGraphs: true }),
  ...(o.gradReduceInFp32 === false && { bf16GradBuffers: true }),
});

/** A fine-tuning run: the training fields plus the method and its dataset. */
export interface FinetuneState extends Omit<TrainingState, 'kind'> {
  readonly kind: 'finetune';
  readonly method: FinetuneMethod;
  readonly rank: number;
  readonly targets: string;
  /** The embedding and head train in full beside the adapters (AdapterSpec.trainEmbeddings). */
  readonly trainEmbeddings?: boolean;
  /** The frozen base where it is not the method's default (finetune.ts baseFormatFor). */
  readonly baseFormat?: BaseFormat;
  readonly epochs: number;
  readonly globalBatchSize: number;
  /** The dataset's shape beyond its tokens (finetune.ts Dataset): examples, packing and padding. */
  readonly dataset: Pick<Dataset, 'examples' | 'packing' | 'padding' | 'lengthP99' | 'packingMask'>;
}

export interface ServingState extends CommonState {
  readonly kind: 'serve';
  readonly weights: WeightFormat;
  /** The model's checkpoint as served on the GPU: at its own format its modules keep theirs (asReleased); null after a model change. */
  readonly release: Pick<ServedFormat, 'weights' | 'attentionWeights' | 'gemmDatatype'> | null;
  readonly kv: KvFormat;
  readonly sparsity: WeightSparsity;
  /** What drafts speculative tokens (the `speculative` lever); absent without speculation. */
  readonly drafter?: Drafter;
  readonly workload: ServingWorkload;
  readonly tokensPerDay: number;
  readonly slo: Slo;
  readonly days: number;
  /** The engine, its memory share, a fixed TP/EP and the MoE expert placement (none set: the hardware bound, searched, balanced). */
  readonly engineChoice: ServingEngineChoice;
}

export type LeverState = TrainingState | FinetuneState | ServingState;

/**
 * `s` on another model (the moe and distill levers): a serving state keeps its engine and how it is set (memory
 * share, token budget, dynamic chunks, CUDA-graph capture, mixed chunks) but not the layout and expert placement
 * stated for the model it leaves (its TP, EP, PP, imbalance and EPLB slots are that model's).
 */
export function onModel<S extends LeverState>(s: S, modelId: string, spec: ModelSpec): S {
  if (s.kind !== 'serve') return { ...s, modelId, spec };
  // The other model's release is not this one's: its matrices all take the state's format.
  const engineChoice = engineSettingsOf((s as ServingState).engineChoice);
  return { ...s, modelId, spec, release: null, engineChoice };
}

/** P10–P90 of an outcome's figures (timeSeconds: a run's wall-clock or a request's latency). */
export interface OutcomeRange {
  readonly costUsd: Range;
  readonly timeSeconds: Range;
  readonly gpuHours: Range;
  /** Null where the GPU has no power figure (energy not estimated). */
  readonly energyKWh: Range | null;
  readonly co2Kg: Range | null;
  /** Training and fine-tuning: the stack's measured-peak band (null where it has none, and for serving). */
  readonly memoryPerGpuBytes: Range | null;
}

/** A hinted alternative to the chosen layout's recomputation: its step and memory per GPU. */
interface HintedStep {
  readonly stepSeconds: number;
  readonly memoryPerGpuBytes: number;
}

/** `llmecon train`'s hints (recompute-hint.ts, offload-hint.ts): partial recomputation and activation offload. */
export interface TrainingHints {
  /** At the chosen layout: `--recompute-num-layers layers` (megatron) or `--recompute-every every` (torchtitan). */
  readonly recompute:
    | (HintedStep & ({ readonly layers: number; readonly chunkLayers: number } | { readonly every: number }))
    | null;
  /** `--offload-activations`: `layers` layers' activations in host memory, without recomputation. */
  readonly offloadActivations: (HintedStep & { readonly layers: number }) | null;
  /**
   * Where the chosen layout's memory P10 exceeds the GPU (it would most likely run out of memory): the
   * fastest layout that fits at the band's P90, in words (`best` null where none fits), as `llmecon train`'s
   * `likelyFit`.
   */
  readonly likelyFit: {
    readonly best: (HintedStep & { readonly layout: string }) | null;
    readonly fixedFlags: boolean;
  } | null;
}

/** What the engine says about a state. */
export interface Outcome {
  readonly costUsd: number;
  /** Training: wall-clock seconds of the run; serving: one request's latency (TTFT + output × TPOT). */
  readonly timeSeconds: number;
  readonly memoryPerGpuBytes: number;
  /** How the memory and its band sit against the GPU's capacity (bandedFit, as the CLI's `memoryFit`). */
  readonly memoryFit: BandedFit;
  /** null when the GPU's power is unknown (`energyNote` says so). */
  readonly energyKWh: number | null;
  /** Operational CO2 at the GPU's default grid (location-based), kg. */
  readonly co2Kg: number | null;
  readonly energyNote: string | null;
  readonly gpus: number;
  /** GPU-hours: a training run's (goodput included) or a deployment's GPUs over its period. */
  readonly gpuHours: number;
  /** The calibration band of the engine estimate behind the outcome. */
  readonly band: CalibrationBand;
  /** P10–P90 of each figure from the band (the one-off costs' own range added to the cost's). */
  readonly range: OutcomeRange;
  /** Training with `offload`: the mode and what it asks of the host (as `llmecon train --json` `offload`). */
  readonly offload?: { readonly mode: OffloadMode } & HostMemory;
  /** The layout or deployment the engine chose, in words. */
  readonly detail: string;
  /** The engine's warnings on its plan (a LoRA rank past a matrix's side, a longest example no layout holds). */
  readonly warnings?: readonly string[];
  /** Training runs asked for details: where the step time goes and the time-vs-GPUs Pareto set. */
  readonly training?: {
    readonly stepSeconds: number;
    readonly stepBreakdownSeconds: Readonly<Record<string, number>>;
    /** The chosen pipeline: stages, microbatches per step and schedule. */
    readonly pipeline: { readonly stages: number; readonly microbatches: number; readonly schedule: string };
    readonly gpuMemoryBytes: number;
    /** Pretraining: what would beat the chosen layout's recomputation (`llmecon train`'s hints); null fields where nothing would. */
    readonly hints?: TrainingHints;
    /** Fastest layout per GPU count not beaten by a smaller count: GPUs, step seconds, GPU-hours per token. */
    readonly pareto: readonly {
      readonly gpus: number;
      readonly stepSeconds: number;
      readonly gpuSecondsPerToken: number;
    }[];
  };
}

export const modelSpec = (id: string, field: string) => {
  const entry = findModel(id, field);
  return { id: entry.id, spec: modelSpecFrom(entry.config, entry.name), config: entry.config };
};

/** Nothing, or an error at `path` where the named engine does not run on the GPU (TensorRT-LLM off NVIDIA). */
export function refuseEngineOn(
  engine: string | undefined,
  gpuId: string,
  path: readonly (string | number)[],
): void {
  const wrongVendor = engine === undefined ? null : engineVendorError(findEngine(engine, 'engine'), gpuId);
  if (wrongVendor !== null) inputError('infeasible', path, wrongVendor);
}

export function constraintsFrom(l: LayoutInput): LayoutConstraints {
  return {
    tensorParallel: l.tp,
    pipelineParallel: l.pp,
    dataParallel: l.dp,
    expertParallel: l.ep,
    expertTensorParallel: l.etp,
    contextParallel: l.cp,
    microBatchSize: l.microBatch,
    recompute: l.recompute,
    schedule: l.schedule,
    zeroStage: l.zero,
  };
}

export function baselineState(b: TrainingBaseline | FinetuneBaseline | ServingBaseline): LeverState {
  const { id, spec, config } = modelSpec(b.model, 'baseline.model');
  return stateFor(id, spec, b, checkpointFormat(config));
}

/**
 * A baseline's state for a model given as a spec (an uploaded config.json) under the name `modelId`;
 * `checkpoint`, the config's own weight format, is what a serving baseline without weights or kv loads.
 */
export function stateFor(
  id: string,
  spec: ModelSpec,
  b: TrainingBaseline | FinetuneBaseline | ServingBaseline,
  checkpoint: CheckpointFormat | null = null,
): LeverState {
  const gpu = findGpu(b.gpu, 'baseline.gpu');
  const usdPerGpuHour = defaultPrice(gpu, b.usdPerGpuHour, ['baseline', 'usdPerGpuHour']).usdPerGpuHour;
  const common = {
    modelId: id,
    spec,
    gpuId: gpu.id,
    usdPerGpuHour,
    priceFactor: 1,
    extraUsd: 0,
    extraUsdRange: { p10: 0, p90: 0 },
  };
  // The baseline's stack (its own, else its kind's default) on its GPU: refused where it has no port there.
  const stackOf = (kind: 'pretrain' | 'finetune') =>
    stackOptions(kind, b.kind === 'serve' ? undefined : b.stack, gpu.id, STACK_FIELD).stack;
  // A band to fit at must exist for the run's stack: said here, naming the baseline's field.
  if (b.kind !== 'serve' && b.memoryFit !== undefined) {
    const path = ['baseline', 'memoryFit'];
    if (b.kind === 'train') memoryFitMultipliers(b.memoryFit, stackOf('pretrain').id, false, path);
    else finetuneMemoryFitMultipliers(b.memoryFit, stackOf('finetune').id, path);
  }
  // --precision: FP8 needs FP8 tensor cores; QLoRA computes in BF16 (the check train and finetune make).
  if (b.kind !== 'serve') {
    const unsupported = trainingPrecisionError(
      b.precision,
      gpu,
      b.kind === 'finetune' ? b.method : undefined,
    );
    if (unsupported !== null) inputError('infeasible', ['baseline', 'precision'], unsupported);
  }
  // --mtp-layers: the model as the run trains it, refused naming the baseline's field where the stack builds no MTP.
  const trained = (kind: 'pretrain' | 'finetune', mtpLayers: number | undefined) =>
    asTrainedBy(spec, mtpLayers, stackOf(kind), ['baseline', 'mtpLayers']);
  // The training length: as given, else 4,096 tokens or the model's context where shorter.
  const seqLen = b.kind === 'serve' ? 0 : (b.seqLen ?? defaultTrainingSeqLen(spec));
  if (b.kind === 'train')
    return {
      ...common,
      spec: trained('pretrain', b.mtpLayers),
      kind: 'train',
      tokens: b.tokens,
      gpus: b.gpus,
      precision: b.precision,
      optimizer: b.optimizer,
      seqLen,
      // Kept whatever the length: a lever that lengthens the sequence masks it there (documentSpanTokens drops a span ≥ s).
      ...(b.documentTokens !== undefined && { documentTokens: b.documentTokens }),
      ...(b.documentTokensP99 !== undefined && { documentTokensP99: b.documentTokensP99 }),
      globalBatchTokens: b.globalBatchTokens,
      goodput: loadCatalog().assumptions.goodput.value,
      constraints: constraintsFrom(b.layout),
      ...(b.stack && { stack: b.stack }),
      ...(b.offload && { offload: b.offload }),
      ...(b.memoryFit && b.memoryFit !== 'estimate' && { memoryFit: b.memoryFit }),
      ...switchesState(stackSwitches(b, stackOf('pretrain'), (name) => ['baseline', name], b.precision)),
    };
  if (b.kind === 'finetune') {
    refuseAdapterFieldsOnFull(b.method, b, ['baseline']);
    frozenBaseFor(b.method, b.baseFormat, ['baseline', 'baseFormat']);
  }
  if (b.kind === 'finetune') {
    const spec = trained('finetune', b.mtpLayers);
    return {
      ...common,
      spec,
      kind: 'finetune',
      tokens: b.tokens,
      epochs: b.epochs,
      method: b.method,
      rank: b.rank ?? DEFAULT_ADAPTER_RANK,
      targets: b.targets ?? defaultAdapterTargets(spec),
      ...(b.trainEmbeddings && { trainEmbeddings: true }),
      ...(b.baseFormat !== undefined && { baseFormat: b.baseFormat }),
      gpus: b.gpus,
      precision: b.precision,
      optimizer: b.optimizer,
      seqLen,
      globalBatchTokens: b.globalBatch * seqLen,
      globalBatchSize: b.globalBatch,
      dataset: {
        examples: b.examples,
        packing: b.packing,
        padding: b.padding,
        lengthP99: b.lengthP99,
        ...(b.packingMask && { packingMask: true }),
      },
      goodput: loadCatalog().assumptions.goodput.value,
      constraints: constraintsFrom(b.layout),
      ...(b.stack && { stack: b.stack }),
      ...(b.offload && { offload: b.offload }),
      ...(b.memoryFit && b.memoryFit !== 'estimate' && { memoryFit: b.memoryFit }),
      ...(bf16GradientBuffers(
        b.bf16GradBuffers,
        stackOf('finetune'),
        ['baseline', 'bf16GradBuffers'],
        b.precision,
      ).gradReduceInFp32 === false && { bf16GradBuffers: true }),
    };
  }
  // Formats not given: the checkpoint as released (checkpoint-format.ts), as `llmecon serve` takes it.
  const served = servedFormat(checkpoint, gpu);
  const weights = b.weights ?? served.weights;
  const kv = b.kv ?? served.kv;
  for (const [format, field] of [
    [weights, 'weights'],
    [kv, 'kv'],
  ] as const) {
    const unsupported = formatSupportError(format, gpu, field);
    if (unsupported !== null) inputError('infeasible', ['baseline', field], unsupported);
  }
  refuseEngineOn(b.engine, gpu.id, ['baseline', 'engine']);
  return {
    ...common,
    kind: 'serve',
    weights,
    release: served,
    kv,
    sparsity: 'none',
    workload: { inputTokens: b.inputTokens, outputTokens: b.outputTokens },
    tokensPerDay: b.tokensPerDay,
    slo: { tpotSeconds: b.tpotSloSeconds, ttftSeconds: b.ttftSloSeconds },
    days: b.days,
    engineChoice: servingEngineChoice(spec, b, ['baseline']),
  };
}

export const layoutWords = (c: Record<string, unknown>) =>
  Object.entries(c)
    .filter(([, v]) => v !== undefined && v !== 1 && v !== false)
    .map(([k, v]) => `${k} ${v}`)
    .join(' · ');

/** The stack a training or fine-tuning state runs on: its own, else its kind's default (catalog/stacks). */
export const stateStack = (s: TrainingState | FinetuneState) =>
  stackOptions(s.kind === 'train' ? 'pretrain' : 'finetune', s.stack, s.gpuId, STACK_FIELD);
