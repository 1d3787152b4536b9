/**
 * Fine-tuning: full (the pretraining engine on the dataset's tokens × epochs), LoRA, DoRA and QLoRA
 * (a frozen base with trainable adapters), reusing the same layout search and run cost.
 */
import { InputError, inputError } from '../errors.js';
import { formatBytes, plural } from '../format.js';
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import type { LongestSequence } from '../memory/training-memory-types.js';
import {
  type AdapterRuntime,
  adapterRuntime,
  QUANTIZED_BASES,
  type TargetModule,
} from '../model/adapters.js';
import { paramCount } from '../model/param-count.js';
import type { ModelSpec } from '../model/spec.js';
import { bytesPerElement } from '../precision.js';
import type { LayoutConstraints } from '../training/layout-search.js';
import {
  LayoutDoesNotFitError,
  planTraining,
  type TrainingPlan,
  type TrainingPlanOptions,
} from '../training/plan.js';
import type { RunCostOptions } from '../training/run-cost.js';
import type { StackCalibration, StackProfile } from '../training/stack.js';
import type { TrainingOptions } from '../training/step-time.js';
import { type Dataset, datasetTokens, maskedExampleTokens, stepSequenceLength } from './finetune-dataset.js';

export const FINETUNE_METHODS = ['full', 'lora', 'dora', 'qlora'] as const;
export type FinetuneMethod = (typeof FINETUNE_METHODS)[number];

export interface FinetuneOptions extends Omit<TrainingOptions, 'adapter' | 'globalBatchSize'> {
  readonly method: FinetuneMethod;
  readonly rank: number;
  readonly targets: readonly TargetModule[];
  /** The frozen base: LoRA/DoRA bf16 (default) or fp8; QLoRA nf4 (default) or gptq. */
  readonly baseFormat?: BaseFormat;
  /** Adapter optimizer states paged off the GPU (AdapterSpec.pagedOptimizer; default: QLoRA's recipe). */
  readonly pagedOptimizer?: boolean;
  /** The embedding and output head train in full beside the adapters (AdapterSpec.trainEmbeddings). */
  readonly trainEmbeddings?: boolean;
  readonly dataset: Dataset;
  /** Global batch in sequences. */
  readonly globalBatchSize: number;
  readonly gpus: number;
  readonly constraints: LayoutConstraints;
  readonly cost: Omit<RunCostOptions, 'gpus' | 'tokens'>;
  /** The software stack (the CLI's default for fine-tuning: Hugging Face). */
  readonly stack?: StackProfile;
  /** Every calibration, pooled for the band of an uncalibrated family or stack. */
  readonly calibrationPool?: readonly StackCalibration[];
  /** The memory band multipliers layouts must fit at, by kind of run (`--memory-fit`). */
  readonly memoryFit?: FinetuneMemoryFit;
  /** What a searched partial recomputation fits at (TrainingPlanOptions.hintMemoryFit; none searched without it). */
  readonly hintMemoryFit?: TrainingPlanOptions['hintMemoryFit'];
}

/**
 * TrainingPlanOptions.memoryFit for adapter runs (a frozen base) and full fine-tuning: each method is
 * held at its own kind's band (the alternatives offered when nothing fits included).
 */
export interface FinetuneMemoryFit {
  readonly adapters: TrainingPlanOptions['memoryFit'];
  readonly full: TrainingPlanOptions['memoryFit'];
}

export interface FinetunePlan extends TrainingPlan {
  readonly adapter: AdapterRuntime | null;
  readonly trainableParams: number;
  /** Tokens pushed through the model (incl. padding) and the dataset's own tokens × epochs. */
  readonly tokensProcessed: number;
  readonly tokensUseful: number;
  /** The length every sequence of a step runs at: seqLen, or with padding to the longest its expected longest. */
  readonly stepSequenceTokens: number;
  /**
   * The run's longest sequence (RL's `longestSequence`; with padding to the longest, the dataset's longest
   * example: its expected largest, at most seqLen) and whether a layout holds the micro-batch with it; where
   * none does, the plan holds the steps' own micro-batches. Null where none is longer than the steps' own.
   */
  readonly longestSequence: LongestSequenceFit | null;
}

/** The run's longest sequence, and whether a layout holds its micro-batch (FinetunePlan.longestSequence). */
export interface LongestSequenceFit {
  readonly tokens: number;
  /** False where no layout holds it: the plan's layout holds the steps' own micro-batches. */
  readonly fits: boolean;
  /** Where it does not fit: the memory per GPU of the closest layout sized for it (null when none was). */
  readonly leastMemoryPerGpuBytes: number | null;
}

/** The frozen bases of the adapter methods: LoRA/DoRA in BF16 or FP8, QLoRA's 4-bit bases. */
export const BASE_FORMATS = ['bf16', 'fp8', ...QUANTIZED_BASES] as const;
export type BaseFormat = (typeof BASE_FORMATS)[number];

/** The base formats each adapter method takes, its default first. */
export const METHOD_BASE_FORMATS = {
  lora: ['bf16', 'fp8'],
  dora: ['bf16', 'fp8'],
  qlora: QUANTIZED_BASES,
} as const satisfies Record<Exclude<FinetuneMethod, 'full'>, readonly BaseFormat[]>;

/** The frozen base `text` names for an adapter method (its default when absent); exit 2 naming what it takes. */
export function baseFormatFor(
  method: keyof typeof METHOD_BASE_FORMATS,
  text: string | undefined,
  path: readonly (string | number)[] = ['--base-format'],
): BaseFormat {
  const allowed: readonly string[] = METHOD_BASE_FORMATS[method];
  const format = text ?? allowed[0]!;
  if (!allowed.includes(format))
    inputError(
      'invalid_value',
      path,
      `${method} takes a frozen base of ${allowed.join(' or ')}, got '${format}'`,
    );
  return format as BaseFormat;
}

/**
 * The frozen base of any method as {@link baseFormatFor} reads it; full fine-tuning has none, so a
 * base format with it is an error at `path`.
 */
export function frozenBaseFor(
  method: FinetuneMethod,
  text: string | undefined,
  path: readonly (string | number)[] = ['--base-format'],
): BaseFormat | undefined {
  if (method !== 'full') return baseFormatFor(method, text, path);
  if (text !== undefined)
    inputError(
      'invalid_value',
      path,
      'full fine-tuning trains every weight (no frozen base); a base format applies to lora, dora or qlora',
    );
  return undefined;
}

/** The adapter fields of a scenario phase or levers baseline: absent where the file names none. */
export interface AdapterFields {
  readonly rank?: number;
  readonly targets?: string;
  readonly trainEmbeddings?: boolean;
}

/** Adapter fields with full fine-tuning would do nothing: an input error at `path` + the field, for each given. */
export function refuseAdapterFieldsOnFull(
  method: FinetuneMethod,
  fields: AdapterFields,
  path: readonly (string | number)[],
): void {
  if (method !== 'full') return;
  const issues = [
    fields.rank !== undefined && {
      field: 'rank',
      message:
        'applies only with an adapter method (lora, dora, qlora): full trains every weight, with no adapter',
    },
    fields.targets !== undefined && {
      field: 'targets',
      message: 'applies only with an adapter method (lora, dora, qlora): full trains every module',
    },
    fields.trainEmbeddings && {
      field: 'trainEmbeddings',
      message:
        'applies only with an adapter method (lora, dora, qlora): full trains the embedding and head already',
    },
  ].filter((x): x is { field: string; message: string } => x !== false && x !== undefined);
  if (issues.length > 0)
    throw new InputError(
      issues.map(({ field, message }) => ({
        code: 'invalid_value' as const,
        path: [...path, field],
        message,
      })),
    );
}

/** The adapter a method implies (null for full fine-tuning). */
export function methodAdapter(
  spec: ModelSpec,
  o: Pick<
    FinetuneOptions,
    'method' | 'rank' | 'targets' | 'baseFormat' | 'pagedOptimizer' | 'trainEmbeddings'
  >,
): AdapterRuntime | null {
  if (o.method === 'full') {
    refuseAdapterFieldsOnFull(o.method, { trainEmbeddings: o.trainEmbeddings }, []);
    return null;
  }
  const format = baseFormatFor(o.method, o.baseFormat);
  const quantized = format === 'nf4' || format === 'gptq' ? format : null;
  return adapterRuntime(
    spec,
    {
      method: o.method === 'dora' ? 'dora' : o.method === 'qlora' ? 'qlora' : 'lora',
      rank: o.rank,
      targets: o.targets,
      ...(o.pagedOptimizer !== undefined && { pagedOptimizer: o.pagedOptimizer }),
      ...(o.trainEmbeddings && { trainEmbeddings: true }),
    },
    bytesPerElement(format === 'gptq' ? 'int4' : format),
    quantized,
  );
}

/** What the layouts of a fine-tuning run depend on: no dataset, no cost (`llmecon memory --method`). */
export type FinetuneLayoutOptions = Omit<FinetuneOptions, 'dataset' | 'cost'>;

/**
 * The layouts of a fine-tuning run (fastest, least memory, and their memory by term), without a
 * dataset or a cost: the one search `planFinetune` and `llmecon memory --method` share.
 */
export function planFinetuneLayouts(
  spec: ModelSpec,
  cluster: ClusterSpec,
  o: FinetuneLayoutOptions,
  cost?: TrainingPlanOptions['cost'],
): TrainingPlan & { readonly adapter: AdapterRuntime | null } {
  const adapter = methodAdapter(spec, o);
  const plan = planTraining(spec, cluster, {
    seqLen: o.seqLen,
    globalBatchSize: o.globalBatchSize,
    precision: o.method === 'qlora' ? 'bf16' : o.precision,
    optimizer: o.optimizer,
    flashAttention: o.flashAttention,
    ...(o.attentionKernel !== undefined && { attentionKernel: o.attentionKernel }),
    ...(o.dropout !== undefined && { dropout: o.dropout }),
    ...(o.documentTokens !== undefined && { documentTokens: o.documentTokens }),
    ...(o.longestSequence !== undefined && { longestSequence: o.longestSequence }),
    overlapDataParallel: o.overlapDataParallel,
    ...(o.overlapTensorParallel === true && { overlapTensorParallel: true }),
    ...(o.gradReduceInFp32 !== undefined && { gradReduceInFp32: o.gradReduceInFp32 }),
    ...(o.lossKernel !== undefined && { lossKernel: o.lossKernel }),
    ...(o.logitsBytesPerElement !== undefined && { logitsBytesPerElement: o.logitsBytesPerElement }),
    adapter: adapter ?? undefined,
    offload: o.offload,
    gpus: o.gpus,
    constraints: o.constraints,
    stack: o.stack,
    calibrationPool: o.calibrationPool,
    ...(o.memoryFit && { memoryFit: o.memoryFit[o.method === 'full' ? 'full' : 'adapters'] }),
    ...(o.hintMemoryFit && { hintMemoryFit: o.hintMemoryFit }),
    top: 3,
    cost,
  });
  const rank = adapter?.rankWarning;
  return { ...plan, adapter, ...(rank && { warnings: [...plan.warnings, rank] }) };
}

export function planFinetune(spec: ModelSpec, cluster: ClusterSpec, o: FinetuneOptions): FinetunePlan {
  const check = datasetTokens(o.dataset, o.seqLen);
  if (check.sequences < o.globalBatchSize) {
    throw new InputError({
      code: 'invalid_value',
      path: ['--global-batch'],
      message: `the dataset gives ${plural(check.sequences, 'sequence')} of ${o.seqLen} tokens over all epochs, fewer than one global batch of ${o.globalBatchSize}; lower --global-batch`,
    });
  }
  // Padding to the longest: memory is sized at the run's longest micro-batch, the one holding the
  // dataset's longest example (the expected largest of all its examples, at most seqLen), each of its
  // sequences padded to that (memorySequenceTokens); RL states its own longest (a prompt and a response at the cut).
  const longest: LongestSequence | undefined =
    o.longestSequence ??
    (o.dataset.padding === 'longest' && o.dataset.examples !== undefined
      ? {
          tokens: stepSequenceLength(o.dataset, o.seqLen, Math.max(1, Math.round(o.dataset.examples))),
          padded: true,
        }
      : undefined);
  if (longest === undefined) return { ...planAtLongest(spec, cluster, o, undefined), longestSequence: null };
  try {
    const plan = planAtLongest(spec, cluster, o, longest);
    // A longest no longer than the steps' own (every example at the mean) sizes nothing: none to report.
    const longer = longest.tokens > plan.stepSequenceTokens;
    return {
      ...plan,
      longestSequence: longer ? { tokens: longest.tokens, fits: true, leastMemoryPerGpuBytes: null } : null,
    };
  } catch (error) {
    // Only memory differs between the two: where the steps' own plan fails too, its error is the one to give.
    if (!(error instanceof InputError)) throw error;
    const plan = planAtLongest(spec, cluster, o, undefined);
    if (longest.tokens <= plan.stepSequenceTokens) throw error;
    const closest = error instanceof LayoutDoesNotFitError ? error.nearestInfeasible[0] : undefined;
    const over = {
      tokens: longest.tokens,
      fits: false,
      leastMemoryPerGpuBytes: closest?.memoryPerGpuBytes ?? null,
    };
    // The dataset's longest is said here, every shell alike; RL's own (a known cut) is its verdict (rl.ts).
    const warning =
      o.longestSequence === undefined
        ? [longestExampleWarning(over, plan.stepSequenceTokens, o.dataset.examples ?? 0, cluster.gpu)]
        : [];
    return { ...plan, warnings: [...plan.warnings, ...warning], longestSequence: over };
  }
}

/**
 * A fine-tuning plan with memory sized at `longest` (none: at the steps' own length). Padding to the
 * longest: the step runs at the longest of the examples in flight together, which depends on the layout
 * (micro-batch × data-parallel ranks): planned at the constraints' guess, and once more if the chosen
 * layout has another count.
 */
function planAtLongest(
  spec: ModelSpec,
  cluster: ClusterSpec,
  o: FinetuneOptions,
  longest: LongestSequence | undefined,
): Omit<FinetunePlan, 'longestSequence'> {
  const documentTokens = maskedExampleTokens(o.dataset, o.seqLen);
  const { longestSequence: _asked, ...base } = o;
  const at = (sequencesInStep: number) => {
    const stepLength = stepSequenceLength(o.dataset, o.seqLen, sequencesInStep);
    const tokens = datasetTokens(o.dataset, o.seqLen, stepLength);
    const plan = planFinetuneLayouts(
      spec,
      cluster,
      {
        ...base,
        seqLen: stepLength,
        ...(longest !== undefined && { longestSequence: longest }),
        ...(documentTokens !== undefined && { documentTokens }),
      },
      { ...o.cost, tokens: tokens.processed },
    );
    return { plan, tokens, stepLength };
  };
  const inFlight = (l: { microBatchSize: number; dataParallel: number }) => l.microBatchSize * l.dataParallel;
  let { plan, tokens, stepLength } = at(
    (o.constraints.microBatchSize ?? 1) * (o.constraints.dataParallel ?? o.gpus),
  );
  const chosenLength = stepSequenceLength(o.dataset, o.seqLen, inFlight(plan.chosen.layout));
  if (chosenLength !== stepLength) ({ plan, tokens, stepLength } = at(inFlight(plan.chosen.layout)));
  return {
    ...plan,
    trainableParams: plan.adapter
      ? plan.adapter.trainableParams + plan.adapter.trainableEmbeddingParams
      : paramCount(spec).totalParams,
    tokensProcessed: tokens.processed,
    tokensUseful: tokens.useful,
    stepSequenceTokens: stepLength,
  };
}

/** Where no layout holds the longest's micro-batch: what the closest sized for it needs, against the GPU. */
export function closestNeedText(
  over: LongestSequenceFit,
  gpu: { readonly id: string; readonly memoryBytes: number },
): string {
  const need = over.leastMemoryPerGpuBytes;
  return need === null
    ? ''
    : `; the closest needs ${formatBytes(need)} of ${formatBytes(gpu.memoryBytes)}${need <= gpu.memoryBytes ? ' by the estimate, over at the asked memory band (--memory-fit)' : ''}`;
}

/**
 * With padding to the longest, where no layout holds the micro-batch with the dataset's longest example: a
 * warning, not a refusal, since that example is the expected largest of a stated length spread (a lognormal
 * tail), not a known length as RL's cut is (longestSequenceText).
 */
function longestExampleWarning(
  over: LongestSequenceFit,
  stepSequenceTokens: number,
  examples: number,
  gpu: { readonly id: string; readonly memoryBytes: number },
): string {
  return `the plan holds the steps' micro-batches (each padded to its longest, ${stepSequenceTokens.toLocaleString('en-US')} tokens expected), but no layout on ${gpu.id} holds the one with the dataset's longest example (about ${over.tokens.toLocaleString('en-US')} tokens: the expected longest of ${examples.toLocaleString('en-US')} at the stated length spread${closestNeedText(over, gpu)}): a step that reaches it may run out of memory; truncate the examples (a shorter maximum sequence length) or use more GPUs`;
}

export interface Alternative {
  readonly method: FinetuneMethod;
  readonly gpus: number;
  readonly plan: FinetunePlan;
}

/** When nothing fits: the smallest GPU count (doubling) that fits, and the methods that fit as asked. */
export function finetuneAlternatives(
  spec: ModelSpec,
  cluster: ClusterSpec,
  o: FinetuneOptions,
  maxGpus = 4096,
): Alternative[] {
  const out: Alternative[] = [];
  const attempt = (method: FinetuneMethod, gpus: number) => {
    try {
      out.push({ method, gpus, plan: planFinetune(spec, cluster, { ...o, method, gpus, constraints: {} }) });
      return true;
    } catch (error) {
      if (error instanceof LayoutDoesNotFitError || error instanceof InputError) return false;
      throw error;
    }
  };
  for (let gpus = o.gpus * 2; gpus <= maxGpus; gpus *= 2) if (attempt(o.method, gpus)) break;
  for (const method of FINETUNE_METHODS)
    if (method !== o.method && o.method !== 'qlora') attempt(method, o.gpus);
  return out;
}
