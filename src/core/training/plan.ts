/**
 * A training plan: search the layouts (or evaluate the fixed one), then cost the run.
 * The one entry point the CLI, the web app and the validation share.
 */
import { InputError } from '../errors.js';
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import type { HostSpec } from '../memory/offload.js';
import {
  foreignModules,
  largestMemoryTerm,
  memoryCutContext,
  stackLossKernelFor,
  trainingMemory,
} from '../memory/training-memory.js';
import { labelledMixerKinds } from '../model/layer-mix.js';
import { paramCount } from '../model/param-count.js';
import type { ModelSpec } from '../model/spec.js';
import { trainedSpec, untrainedMtpWarning } from '../model/trained-spec.js';
import { greatestCommonDivisor, splittableGlobalBatch } from '../parallelism/global-batch.js';
import {
  DEFAULT_LAYOUT,
  DUALPIPE_NEEDS_EVEN_PP,
  EP_DIVIDES_DP_CP,
  ETP_IS_1_OR_TP,
  globalBatchIssue,
  layoutIssues,
  VPP_NEEDS_PP,
  ZERO3_WITH_PIPELINE,
} from '../parallelism/layout.js';
import { GIB } from '../units.js';
import { type ErrorBand, errorBand } from './error-band.js';
import {
  type EvaluatedLayout,
  firstFittingLayout,
  type LayoutConstraints,
  type SearchOptions,
  type SearchResult,
  searchLayouts,
} from './layout-search.js';
import { type LikelyFit, type LikelyFitLevels, likelyFitOf } from './likely-fit.js';
import { noSplitReason } from './no-split.js';
import { type ActivationOffloadHint, activationOffloadHint, hintFit } from './offload-hint.js';
import { activationOffloadIssues, offloadIssues } from './offload-issues.js';
import { type RecomputeHint, recomputeHint } from './recompute-hint.js';
import { type RunCost, type RunCostOptions, trainingRunCost } from './run-cost.js';
import {
  type StackCalibration,
  type StackProfile,
  stackCalibration,
  stackLayoutIssues,
  stackPrecisionIssues,
} from './stack.js';
import { type TrainingOptions, trainingStepTime } from './step-time.js';

export interface TrainingPlanOptions extends TrainingOptions {
  readonly gpus: number;
  readonly constraints: LayoutConstraints;
  readonly top?: number;
  readonly pareto?: boolean;
  /**
   * When nothing fits, search nearby GPU counts (a few full searches): a count whose splits all miss
   * while a smaller count fits is an input error naming the counts that work (the CLI's `train`).
   */
  readonly diagnoseGpuCount?: boolean;
  /** Omit for one step only. */
  readonly cost?: Omit<RunCostOptions, 'gpus'>;
  /** The software stack (catalog/stacks/): what it can split, how it allocates, its calibration. */
  readonly stack?: StackProfile;
  /** Every (family × stack) calibration, pooled for the band of an uncalibrated family or stack. */
  readonly calibrationPool?: readonly StackCalibration[];
  /** The memory band multiplier a layout must fit at (SearchOptions.memoryFit; `--memory-fit`). */
  readonly memoryFit?: SearchOptions['memoryFit'];
  /** The GPU's host: where given, the plan says whether activation offload would beat recomputation. */
  readonly offloadHintHost?: HostSpec;
  /** Say whether recomputing only some layers would beat full recomputation (recompute-hint.ts). */
  readonly recomputeHint?: boolean;
  /**
   * What a hinted layout must fit at (validation/memory-fit.ts hintMemoryFit); default the hints' 10%
   * margin. Where given, the search also tries the stack's partial recomputation, fitting at it (never
   * under the 10% margin); without it none is searched, so every entry point passes its stack's.
   */
  readonly hintMemoryFit?: SearchOptions['memoryFit'];
  /**
   * The stack's measured-peak band multipliers (validation/memory-fit.ts likelyFitLevels). Where the run
   * fits at the estimate (no `memoryFit`) and the chosen layout's memory times `check` (P10) exceeds the
   * GPU (it would most likely run out of memory), the plan also searches at `searchAt` (P90).
   */
  readonly likelyFitLevels?: LikelyFitLevels;
}

export interface TrainingPlan {
  /** Layouts timed and ranked on the stack's calibrated speed (the engine's own when none). */
  readonly search: SearchResult;
  /** The fastest layout on the (GPU family × stack) calibration. */
  readonly chosen: EvaluatedLayout;
  readonly run: RunCost | null;
  /** The calibration applied (null: none for this family and stack; the engine's time as is). */
  readonly calibration: StackCalibration | null;
  /** P10–P90 multipliers from the calibration's leave-one-out and held-out residuals (null without a stack). */
  readonly band: ErrorBand | null;
  /** What the plan leaves out of the model as given (MTP modules the stack does not train). */
  readonly warnings: readonly string[];
  /** Offloaded layers that would beat the chosen layout's recomputation (offload-hint.ts), or null. */
  readonly offloadHint: ActivationOffloadHint | null;
  /** Partial recomputation that would fit and beat the chosen layout's full recomputation (recompute-hint.ts), or null. */
  readonly recomputeHint: RecomputeHint | null;
  /** Where the chosen layout's memory P10 exceeds the GPU: the fastest layout within it (null otherwise). */
  readonly likelyFit: LikelyFit | null;
}

/** Thrown (as data) when no layout fits: the memory of the closest misses and fitting alternatives. */
export class LayoutDoesNotFitError extends InputError {
  readonly nearestInfeasible: readonly EvaluatedLayout[];
  readonly fittingAlternatives: readonly EvaluatedLayout[];
  constructor(
    message: string,
    nearestInfeasible: readonly EvaluatedLayout[],
    fittingAlternatives: readonly EvaluatedLayout[],
  ) {
    super({ code: 'infeasible', path: ['layout'], message });
    this.name = 'LayoutDoesNotFitError';
    this.nearestInfeasible = nearestInfeasible;
    this.fittingAlternatives = fittingAlternatives;
  }
}

/** Where the stack runs this model with another stack's modules and loss (StackMemory.ownModules). */
export function foreignModulesWarning(spec: ModelSpec, stack: StackProfile | undefined): string | null {
  const own = foreignModules(stack?.memory, spec);
  if (!stack || !own) return null;
  return `${stack.name} builds its own modules for ${own.modelTypes.join(', ')} models only: ${spec.name} (model_type '${spec.modelType}') runs transformers' modules, so its loss and activation memory are counted as the hf stack's`;
}

/** The GPU counts nearest `gpus` that a fixed split of `product` GPUs per replica divides (all four fixed: that one). */
function nearestGpuCounts(gpus: number, product: number, fullyGiven: boolean): string {
  if (fullyGiven) return `with all four fixed the GPU count must be ${product}, or leave one of them free`;
  const below = Math.floor(gpus / product) * product;
  const counts = [below, below + product].filter((n) => n >= 1);
  return `the nearest GPU count${counts.length > 1 ? 's' : ''} that can: ${counts.join(' or ')} (multiples of ${product})`;
}

export function planTraining(
  model: ModelSpec,
  cluster: ClusterSpec,
  options: TrainingPlanOptions,
): TrainingPlan {
  // The modules the stack trains: no MTP modules where it does not build them (said in the plan's warnings).
  const spec = trainedSpec(model, options.stack);
  if (!Number.isInteger(options.gpus) || options.gpus < 1) {
    throw new InputError({
      code: 'invalid_value',
      path: ['gpus'],
      message: `must be a whole number ≥ 1, got ${options.gpus}`,
    });
  }
  const c = options.constraints;
  // A fixed TP the model's heads refuse is the error at any GPU count (before "cannot be split").
  if (c.tensorParallel !== undefined) {
    const tpLayout = { ...DEFAULT_LAYOUT, tensorParallel: c.tensorParallel };
    const tp = layoutIssues(spec, tpLayout, options.seqLen).filter((i) => i.path.at(-1) === 'tensorParallel');
    if (tp.length > 0) throw new InputError(tp);
  }
  const product =
    (c.tensorParallel ?? 1) * (c.pipelineParallel ?? 1) * (c.dataParallel ?? 1) * (c.contextParallel ?? 1);
  const fullyGiven = c.tensorParallel && c.pipelineParallel && c.dataParallel && c.contextParallel;
  if (fullyGiven ? product !== options.gpus : options.gpus % product !== 0) {
    throw new InputError({
      code: 'infeasible',
      path: ['gpus'],
      message: `${options.gpus} GPUs cannot be split as the fixed tp × pp × dp × cp = ${product}; ${nearestGpuCounts(options.gpus, product, Boolean(fullyGiven))}`,
    });
  }
  // Check the dimensions the user fixed; "EP divides dp × cp" only once DP is fixed too. The stack
  // decides what it can combine (torchtitan runs ZeRO-3/FSDP with pipeline parallelism).
  const stack = options.stack;
  // Fixed virtual stages imply the interleaved schedule unless another is named.
  const fixed = {
    ...DEFAULT_LAYOUT,
    ...definedOnly(c),
    schedule: c.schedule ?? ((c.virtualStages ?? 1) > 1 ? 'interleaved' : DEFAULT_LAYOUT.schedule),
  };
  const issues = layoutIssues(spec, fixed, options.seqLen).filter(
    (issue) =>
      (c.dataParallel !== undefined || issue.rule !== EP_DIVIDES_DP_CP) &&
      (c.tensorParallel !== undefined || issue.rule !== ETP_IS_1_OR_TP) &&
      (c.pipelineParallel !== undefined ||
        (issue.rule !== VPP_NEEDS_PP && issue.rule !== DUALPIPE_NEEDS_EVEN_PP)) &&
      !(stack && issue.rule === ZERO3_WITH_PIPELINE),
  );
  if (stack) issues.push(...stackLayoutIssues(stack, definedOnly(c)));
  issues.push(...offloadIssues(options.offload, stack, c.zeroStage));
  issues.push(...activationOffloadIssues(options.activationOffload, stack, c, spec.numLayers));
  issues.push(...stackPrecisionIssues(stack, options.precision));
  const batchIssue =
    c.dataParallel === undefined
      ? null
      : globalBatchIssue(options.globalBatchSize, {
          dataParallel: c.dataParallel,
          microBatchSize: c.microBatchSize ?? 1,
        });
  if (batchIssue) issues.push(batchIssue);
  else if (c.microBatchSize !== undefined && options.globalBatchSize % c.microBatchSize !== 0)
    // Every data-parallel rank runs whole micro-batches: global batch = micro-batch × dp × accumulation.
    issues.push({
      code: 'infeasible',
      path: ['layout', 'microBatchSize'],
      message: `micro-batch ${c.microBatchSize} must divide the global batch of ${options.globalBatchSize} sequences (global batch = micro-batch × dp × gradient-accumulation steps)`,
    });
  if (issues.length > 0) throw new InputError(issues);
  const family = cluster.gpu.efficiency.family;
  const calibration = stack ? stackCalibration(stack, family) : null;
  // A hinted layout (and a searched partial recomputation) fits at the stricter of the run's memory fit
  // and the hints' own (hintMemoryFit).
  const stricter = (k: 'single' | 'pipeline') =>
    Math.max(options.memoryFit?.[k] ?? 1, options.hintMemoryFit?.[k] ?? 1);
  const hintedFit = { single: stricter('single'), pipeline: stricter('pipeline') };
  const stackOptions = {
    ...options,
    // A stack of eager modules runs unfused attention eagerly too (Hugging Face, DeepSpeed on HF models).
    eagerAttention: options.eagerAttention ?? stack?.memory.unfusedElementwise === true,
    lossKernel: options.lossKernel ?? stackLossKernelFor(stack, spec, options.lossCompiled) ?? 'fused',
    selectiveCheckpoint: options.selectiveCheckpoint ?? stack?.memory.selectiveCheckpoint ?? 'attention',
    attentionKernel: options.attentionKernel ?? stack?.attentionKernel,
    pipelineDefersGradientReduction:
      options.pipelineDefersGradientReduction ?? stack?.parallelism.pipelineDefersGradientReduction === true,
    zero2LayerHooks: options.zero2LayerHooks ?? stack?.parallelism.zero2LayerHooks === true,
    ...((options.gradReduceInFp32 ?? stack?.gradReduceInFp32) !== undefined && {
      gradReduceInFp32: options.gradReduceInFp32 ?? stack?.gradReduceInFp32,
    }),
    // The run's own setting sizes its main-grad buffers (a stack's FSDP reduce dtype does not).
    ...(options.gradReduceInFp32 !== undefined && { mainGradsInFp32: options.gradReduceInFp32 }),
    // Unless the recomputation is fixed, the stack's partial method is searched, fitting as a hint does.
    ...(c.recompute === undefined && options.hintMemoryFit && { partialRecomputeFit: hintFit(hintedFit) }),
  };
  // Layouts are timed and ranked on the stack's calibrated speed (its host time favours larger micro-batches).
  const search = searchLayouts(spec, cluster, {
    ...stackOptions,
    calibration,
    top: options.top,
    pareto: options.pareto,
    maxTensorParallel: options.constraints.tensorParallel,
  });
  const split = batchSplit(options);
  const anyFixed = Object.keys(definedOnly(c)).length > 0;
  if (!search.best) {
    // The batch, not memory, is the problem where a batch nearby splits better and then runs (exit 2).
    const batchRuns =
      split !== null &&
      searchLayouts(spec, cluster, { ...stackOptions, globalBatchSize: split.nearby, calibration, top: 1 })
        .best !== null;
    // No split of this count, or none that fits while a smaller count fits: the count is the
    // problem, not memory (exit 2, naming counts that work).
    if (search.layoutsAtCount === 0 || (options.diagnoseGpuCount && c.dataParallel === undefined)) {
      const nearby = options.diagnoseGpuCount ? nearbyWorkingCounts(spec, cluster, options) : [];
      // With no count to name, a batch that splits is the advice (below).
      const countHelps = nearby.length > 0 || !batchRuns;
      if (countHelps && (search.layoutsAtCount === 0 || nearby.some((n) => n < options.gpus))) {
        const { why, advice } = noSplitReason(spec, options, stack, anyFixed, search.layoutsAtCount === 0);
        throw new InputError({
          code: 'infeasible',
          path: ['--gpus'],
          message: `${why}; ${nearby.length > 0 ? `counts that work nearby: ${nearby.join(', ')}` : options.diagnoseGpuCount ? 'no nearby count works either' : advice}${batchRuns ? `; or a global batch of ${split.nearby} sequences, which ${options.gpus} GPUs split` : ''}`,
        });
      }
    }
    if (batchRuns)
      throw new InputError({
        code: 'infeasible',
        path: ['globalBatchSize'],
        message: `${split.text}, and only that one runs ${spec.name}`,
      });
    const alternatives = searchLayouts(spec, cluster, {
      ...stackOptions,
      calibration,
      constraints: {},
      top: 3,
    });
    const closest = search.nearestInfeasible[0];
    const gib = (bytes: number) => `${(bytes / GIB).toFixed(1)} GiB`;
    let detail = `no layout of ${options.gpus} GPUs ${anyFixed ? 'satisfies the fixed flags' : 'splits this run'}`;
    if (closest) {
      const peak = trainingMemory(spec, closest.layout, stackOptions).peak;
      const largest = largestMemoryTerm(
        peak,
        memoryCutContext(stack, closest.layout.zeroStage ?? 0, spec.moe !== null),
      );
      const stage = peak.stage === 'only' ? '' : ` (pipeline stage ${peak.index}, ${peak.layers} layers)`;
      const margin =
        (closest.layout.pipelineParallel > 1 ? options.memoryFit?.pipeline : options.memoryFit?.single) ?? 1;
      const banded =
        margin === 1
          ? ''
          : ` (× ${margin.toFixed(2)}, the asked memory band: ${gib(closest.memoryPerGpuBytes * margin)})`;
      const host = options.activationOffload?.host;
      // Offload replaces recomputation: more offloaded layers cut the activations.
      const cut =
        options.activationOffload && largest.term === 'activations'
          ? `more --offload-activations layers (up to ${spec.numLayers - 1})`
          : largest.cut;
      detail = `${c.tensorParallel && c.pipelineParallel && c.dataParallel ? 'the fixed layout' : 'the closest layout'} needs ${gib(closest.memoryPerGpuBytes)}${banded} per GPU${stage} of ${gib(cluster.gpu.memoryBytes)}; the largest term is ${largest.term} at ${gib(largest.bytes)}: cut it with ${cut}`;
      if (host && closest.memoryPerGpuBytes * margin <= cluster.gpu.memoryBytes)
        detail = `the closest layout fits on the GPU, but its offloaded activations need ${gib(peak.offloadedBytes * host.gpusPerHost)} per host of ${host.gpusPerHost} GPUs (${gib(host.memoryBytes)}): offload fewer layers or use a smaller micro-batch`;
    }
    const suggestion =
      alternatives.best && Object.keys(definedOnly(options.constraints)).length > 0
        ? '; layouts that fit are listed below (drop the fixed flags to search them)'
        : '; or use more GPUs or a GPU with more memory';
    throw new LayoutDoesNotFitError(
      `no layout fits in memory: ${detail}${suggestion}`,
      search.nearestInfeasible,
      alternatives.top,
    );
  }
  const chosen = search.best;
  const run = options.cost ? trainingRunCost(chosen.step, { ...options.cost, gpus: options.gpus }) : null;
  // Attention's share of the chosen layout's step before calibration, as the fit's cases measure theirs.
  const engine = stack && calibration ? trainingStepTime(spec, cluster, chosen.layout, stackOptions) : null;
  const band = stack
    ? errorBand(calibration, options.calibrationPool ?? stack.calibrations, {
        family,
        stack: stack.id,
        gpus: options.gpus,
        params: paramCount(spec).totalParams,
        ...(engine && { attentionFraction: engine.calibrationTerms.attentionSeconds / engine.stepSeconds }),
        moe: spec.moe !== null,
        mixers: labelledMixerKinds(spec),
        foreignTo: foreignModules(stack.memory, spec)?.modelTypes,
        ...(options.offload && { hostOffload: options.offload.mode }),
      })
    : null;
  const warnings = [
    untrainedMtpWarning(model, stack),
    foreignModulesWarning(spec, stack),
    split?.text ?? null,
  ];
  const hintOptions = { ...stackOptions, calibration, memoryFit: hintedFit };
  const offloadHint = options.offloadHintHost
    ? activationOffloadHint(spec, cluster, hintOptions, chosen, options.offloadHintHost)
    : null;
  const partialHint = options.recomputeHint ? recomputeHint(spec, cluster, hintOptions, chosen) : null;
  const levels = options.memoryFit ? undefined : options.likelyFitLevels;
  const likelyFit = levels
    ? likelyFitOf(spec, cluster, { ...stackOptions, calibration }, chosen, levels, anyFixed)
    : null;
  return {
    search,
    chosen,
    run,
    calibration,
    band,
    warnings: warnings.filter((w) => w !== null),
    offloadHint,
    recomputeHint: partialHint,
    likelyFit,
  };
}

/**
 * GPU counts near `options.gpus` (within a factor of two, multiples of the node size, with only the
 * prime factors 2, 3 and 5 that batch and head counts share) where a layout fits: up to two below
 * and two above, nearest first.
 */
export function nearbyWorkingCounts(
  spec: ModelSpec,
  cluster: ClusterSpec,
  options: TrainingPlanOptions,
): number[] {
  const n = options.gpus;
  const step = n >= cluster.gpusPerNode ? cluster.gpusPerNode : 1;
  const smooth = (x: number) => {
    let r = x;
    for (const f of [2, 3, 5]) while (r % f === 0) r /= f;
    return r === 1;
  };
  const candidates: number[] = [];
  for (let c = step; c <= 2 * n; c += step) {
    if (c !== n && c * 2 >= n && smooth(c)) candidates.push(c);
  }
  candidates.sort((a, b) => Math.abs(Math.log(a / n)) - Math.abs(Math.log(b / n)));
  const constraints = { ...options.constraints, dataParallel: undefined };
  const below: number[] = [];
  const above: number[] = [];
  let tried = 0;
  for (const c of candidates) {
    const side = c < n ? below : above;
    if (side.length >= 2 || tried >= 8) continue;
    tried += 1;
    if (firstFittingLayout(spec, cluster, { ...options, constraints }, c)) side.push(c);
  }
  return [...below, ...above].sort((a, b) => a - b);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * A global batch the GPUs split badly (dp × micro-batch must divide it) beside one within ±5% that
 * splits over at least twice the data-parallel ranks; null where there is none.
 */
function batchSplit(options: TrainingPlanOptions) {
  if (options.constraints.dataParallel !== undefined) return null;
  const asked = options.globalBatchSize;
  const ranks = greatestCommonDivisor(asked, options.gpus);
  const nearby = splittableGlobalBatch(asked, options.gpus);
  const nearbyRanks = greatestCommonDivisor(nearby, options.gpus);
  if (nearbyRanks < 2 * ranks) return null;
  const change = `${nearby > asked ? '+' : ''}${((nearby / asked - 1) * 100).toFixed(1)}%`;
  return {
    nearby,
    text: `the global batch of ${asked} sequences splits over at most ${ranks} data-parallel rank${ranks === 1 ? '' : 's'} of ${options.gpus} GPUs (dp × micro-batch must divide it); ${nearby} sequences (${change}) splits over ${nearbyRanks}`,
  };
}
