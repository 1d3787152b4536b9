/**
 * Layout search: every valid combination of TP, PP, DP, EP, CP, virtual stages, micro-batch,
 * recomputation, sequence parallelism and ZeRO stage for a model, a cluster and a global batch,
 * filtered by memory (the stage that holds the most) and ranked by step time. Layer costs depend
 * only on (TP, CP, EP, micro-batch, SP), so they are computed once per such tuple.
 */
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import { OFFLOAD_MIN_ZERO_STAGE, type StageMemory, trainingMemory } from '../memory/training-memory.js';
import { tensorParallelSplits } from '../model/kv-cache.js';
import type { ModelSpec } from '../model/spec.js';
import {
  divisors,
  maxPipelineChunks,
  type ParallelLayout,
  type PartialRecomputeOptions,
  type PipelineSchedule,
  RECOMPUTE_MODES,
  type RecomputeMode,
} from '../parallelism/layout.js';
import { partialRecomputeChoice, partialRecomputeKind } from './partial-recompute-choice.js';
import { type CalibrationParameters, calibratedStep, type StackProfile } from './stack.js';
import {
  type LayerCosts,
  layerCosts,
  type StepTime,
  stepTimeFromLayerCosts,
  type TrainingOptions,
} from './step-time.js';

/** Dimensions the user fixed; the rest are searched (a partial recomputation fixes full recomputation's layers). */
export interface LayoutConstraints extends PartialRecomputeOptions {
  readonly tensorParallel?: number;
  readonly pipelineParallel?: number;
  readonly dataParallel?: number;
  readonly expertParallel?: number;
  readonly expertTensorParallel?: number;
  readonly contextParallel?: number;
  readonly virtualStages?: number;
  readonly microBatchSize?: number;
  readonly recompute?: RecomputeMode;
  readonly sequenceParallel?: boolean;
  readonly zeroStage?: 0 | 1 | 2 | 3;
  readonly schedule?: PipelineSchedule;
}

export interface SearchOptions extends TrainingOptions {
  readonly gpus: number;
  readonly constraints?: LayoutConstraints;
  /** How many of the fastest layouts to return (default 5). */
  readonly top?: number;
  /** Largest TP degree (default: GPUs per node, so TP stays on the scale-up fabric). */
  readonly maxTensorParallel?: number;
  /** Also search smaller GPU counts (halving down to one node) for the time-vs-GPUs Pareto set. */
  readonly pareto?: boolean;
  /** The software stack: only the splits it supports are searched, and memory is as it allocates. */
  readonly stack?: StackProfile;
  /** The stack's calibration on the GPU family: every layout is timed and ranked as the stack runs it. */
  readonly calibration?: CalibrationParameters | null;
  /** The predicted peak's multiplier against capacity, without and with PP (`--memory-fit` P10 or P90); default 1. */
  readonly memoryFit?: { readonly single: number; readonly pipeline: number };
  /**
   * Where given, the stack's partial recomputation (layout.ts PartialRecompute) is searched too where a layout
   * fits recomputing every layer but not none, fitting at these multipliers (partial-recompute-choice.ts).
   */
  readonly partialRecomputeFit?: { readonly single: number; readonly pipeline: number };
}

export interface EvaluatedLayout {
  readonly layout: ParallelLayout;
  readonly gpus: number;
  readonly memoryPerGpuBytes: number;
  /** The pipeline stage that needs the most memory, with its breakdown by term. */
  readonly peak: StageMemory;
  readonly step: StepTime;
}

export interface SearchResult {
  /** Fastest layout at the requested GPU count, or null when none fits. */
  readonly best: EvaluatedLayout | null;
  readonly top: readonly EvaluatedLayout[];
  /** Fastest layout per GPU count that is not beaten by a smaller count (time vs GPUs). */
  readonly pareto: readonly EvaluatedLayout[];
  /** Layout with the fewest GPU-seconds per token (the cheapest at a fixed $/GPU-hour). */
  readonly cheapest: EvaluatedLayout | null;
  /** Layout of the requested GPU count that fits with the least memory per GPU (the faster on a tie). */
  readonly leastMemory: EvaluatedLayout | null;
  readonly layoutsEvaluated: number;
  /** Of those, the layouts of the requested count (none: the count has no split, whatever smaller ones have). */
  readonly layoutsAtCount: number;
  readonly layoutsFeasible: number;
  /** When nothing fits: the layouts that came closest, by memory over capacity. */
  readonly nearestInfeasible: readonly EvaluatedLayout[];
}

const pick = <T>(fixed: T | undefined, all: readonly T[]): readonly T[] =>
  fixed === undefined ? all : all.includes(fixed) ? [fixed] : [];

/** Searches layouts for `options.gpus` GPUs (and smaller counts when `pareto`). */
export function searchLayouts(spec: ModelSpec, cluster: ClusterSpec, options: SearchOptions): SearchResult {
  const counts = [options.gpus];
  if (options.pareto) {
    for (let g = options.gpus / 2; Number.isInteger(g) && g >= cluster.gpusPerNode; g /= 2) counts.push(g);
  }
  const topN = options.top ?? 5;
  const top: EvaluatedLayout[] = [];
  const nearest: { entry: EvaluatedLayout; over: number }[] = [];
  const perCount: EvaluatedLayout[] = [];
  // Layouts tried, in all and at the requested count (the first of `counts`).
  const evaluatedPerCount: number[] = [];
  let feasible = 0;
  let cheapest: EvaluatedLayout | null = null;
  let leastMemory: EvaluatedLayout | null = null;
  for (const gpus of counts) {
    let bestHere: EvaluatedLayout | null = null;
    const wantsInfeasible = (overBytes: number) =>
      gpus === options.gpus &&
      top.length === 0 &&
      (nearest.length < topN || overBytes < nearest[nearest.length - 1]!.over);
    const visit = (entry: EvaluatedLayout, fits: boolean, overBytes: number) => {
      if (!fits) {
        keepRanked(nearest, { entry, over: overBytes }, topN, (x, y) => x.over < y.over);
        return;
      }
      feasible += 1;
      if (!bestHere || faster(entry, bestHere)) bestHere = entry;
      if (!cheapest || gpuSecondsPerToken(entry) < gpuSecondsPerToken(cheapest)) cheapest = entry;
      if (gpus !== options.gpus) return;
      keepRanked(top, entry, topN, faster);
      if (
        !leastMemory ||
        entry.memoryPerGpuBytes < leastMemory.memoryPerGpuBytes ||
        (entry.memoryPerGpuBytes === leastMemory.memoryPerGpuBytes &&
          entry.step.stepSeconds < leastMemory.step.stepSeconds)
      )
        leastMemory = entry;
    };
    // Whether a layout of this count stepping in `stepSeconds` could still be kept (top, Pareto or cheapest).
    const mayRank = (stepSeconds: number) =>
      (gpus === options.gpus && (top.length < topN || stepSeconds <= top[topN - 1]!.step.stepSeconds)) ||
      !bestHere ||
      stepSeconds < bestHere.step.stepSeconds ||
      !cheapest ||
      stepSeconds * gpus < cheapest.step.stepSeconds * cheapest.gpus;
    evaluatedPerCount.push(enumerate(spec, cluster, options, gpus, wantsInfeasible, visit, mayRank));
    if (bestHere) perCount.push(bestHere);
  }
  const pareto = perCount
    .sort((a, b) => a.gpus - b.gpus)
    .filter((entry, i, all) =>
      all.slice(0, i).every((smaller) => timePerToken(smaller) > timePerToken(entry)),
    );
  return {
    best: top[0] ?? null,
    top,
    pareto,
    cheapest,
    leastMemory,
    layoutsEvaluated: evaluatedPerCount.reduce((a, b) => a + b, 0),
    layoutsAtCount: evaluatedPerCount[0]!,
    layoutsFeasible: feasible,
    nearestInfeasible: top.length === 0 ? nearest.map((n) => n.entry) : [],
  };
}

/** Thrown inside the enumeration to stop at the first layout that fits. */
class FirstFit {
  constructor(readonly entry: EvaluatedLayout) {}
}

/** The first layout of `gpus` GPUs that fits (null when none does); stops as soon as one is found. */
export function firstFittingLayout(
  spec: ModelSpec,
  cluster: ClusterSpec,
  options: SearchOptions,
  gpus: number,
): EvaluatedLayout | null {
  try {
    enumerate(
      spec,
      cluster,
      options,
      gpus,
      () => false,
      (entry, fits) => {
        if (fits) throw new FirstFit(entry);
      },
      () => true,
    );
  } catch (found) {
    if (found instanceof FirstFit) return found.entry;
    throw found;
  }
  return null;
}

const timePerToken = (e: EvaluatedLayout) => e.step.stepSeconds / e.step.tokensPerStep;
const gpuSecondsPerToken = (e: EvaluatedLayout) => (e.step.stepSeconds * e.gpus) / e.step.tokensPerStep;

/** Faster, or as fast with less memory per GPU (ZeRO-2 beside ZeRO-1 at the same step: the one further from capacity). */
const faster = (a: EvaluatedLayout, b: EvaluatedLayout) =>
  a.step.stepSeconds < b.step.stepSeconds ||
  (a.step.stepSeconds === b.step.stepSeconds && a.memoryPerGpuBytes < b.memoryPerGpuBytes);

/** Inserts `item` where it ranks in `list` (ordered by `before`, at most `n` long). */
function keepRanked<T>(list: T[], item: T, n: number, before: (a: T, b: T) => boolean): void {
  if (list.length === n && !before(item, list[n - 1]!)) return;
  let i = list.length;
  while (i > 0 && before(item, list[i - 1]!)) i -= 1;
  list.splice(i, 0, item);
  if (list.length > n) list.pop();
}

function enumerate(
  spec: ModelSpec,
  cluster: ClusterSpec,
  options: SearchOptions,
  gpus: number,
  wantsInfeasible: (overBytes: number) => boolean,
  visit: (entry: EvaluatedLayout, fits: boolean, overBytes: number) => void,
  mayRank: (stepSeconds: number) => boolean,
): number {
  let count = 0;
  const c = options.constraints ?? {};
  const peakOnly = { ...options, peakOnly: true };
  const maxTp = options.maxTensorParallel ?? cluster.gpusPerNode;
  const seq = options.seqLen;
  const batch = options.globalBatchSize;
  // With FlashAttention nothing is left for selective recomputation to drop (Korthikanti's
  // selective mode skips the s² score tensors, which FlashAttention never stores): it equals 'none',
  // so the search skips it; a fixed --recompute is always honoured.
  // Activation offload (Megatron-Core's cpu_offloading) runs without recomputation or a pipeline.
  const offloadsActivations = options.activationOffload !== undefined;
  const host = options.activationOffload?.host;
  // Full recomputation of given layers, or the stack's partial method searched (partialRecomputeFit).
  const fixedPartial: PartialRecomputeOptions =
    c.recomputeLayers !== undefined
      ? { recomputeLayers: c.recomputeLayers }
      : c.recomputeEvery !== undefined
        ? { recomputeEvery: c.recomputeEvery }
        : {};
  const partialFit = options.partialRecomputeFit;
  const partialGiven = c.recomputeLayers !== undefined || c.recomputeEvery !== undefined;
  const partialKind = partialFit && !partialGiven ? partialRecomputeKind(options.stack) : null;
  const recomputeModes =
    c.recompute !== undefined
      ? [c.recompute]
      : offloadsActivations
        ? (['none'] as const)
        : (options.flashAttention ?? true)
          ? RECOMPUTE_MODES.filter((r) => r !== 'selective')
          : RECOMPUTE_MODES;
  const gpuDivisors = divisors(gpus);
  // What the stack can split (catalog/stacks/): an unsupported dimension stays 1.
  const can = options.stack?.parallelism;
  const only1 = (supported: boolean | undefined, all: number[]) => (supported === false ? [1] : all);
  // The ZeRO stages the stack runs under pipeline parallelism (ZeRO-3 only where it says so).
  const pipelines = (zero: number) =>
    zero < 2 || (zero === 2 ? can?.zero2WithPipeline !== false : can?.zero3WithPipeline === true);
  // Offload runs on the ZeRO stages that shard what it moves (memory/offload.ts), and only when asked.
  const minZero = options.offload ? OFFLOAD_MIN_ZERO_STAGE[options.offload.mode] : 0;
  const zeroStages = ((can?.zeroStages ?? [0, 1, 2, 3]) as readonly (0 | 1 | 2 | 3)[]).filter(
    (z) => z >= minZero,
  );
  const tps = pick(c.tensorParallel, only1(can?.tensor, gpuDivisors)).filter(
    (t) => (t <= maxTp || c.tensorParallel === t) && tensorParallelSplits(spec, t, false),
  );
  for (const tp of tps) {
    const pps = pick(c.pipelineParallel, only1(can?.pipeline, divisors(gpus / tp))).filter(
      (p) => p <= spec.numLayers && (p === 1 || !offloadsActivations),
    );
    for (const pp of pps) {
      const cps = pick(c.contextParallel, only1(can?.context, divisors(gpus / (tp * pp)))).filter(
        (cp) => cp === 1 || (seq % (2 * cp) === 0 && seq / cp >= 1024),
      );
      for (const cp of cps) {
        const dp = gpus / (tp * pp * cp);
        if (c.dataParallel !== undefined && c.dataParallel !== dp) continue;
        if (batch % dp !== 0) continue;
        // Expert tensor parallelism: TP, or 1 where the stack folds the TP ranks into the EP group:
        // EP × ETP divides TP·DP·CP, and a folded EP group spans whole TP groups (EP a multiple of
        // TP; torchtitan requires it, Megatron's expert rank order puts EP next to the TP ranks).
        // Where the stack folds, the search runs ETP 1 (what NeMo's MoE recipes set and Megatron's
        // MoE guide recommends: at the same EP × ETP it holds the same expert weights, dispatches 1/TP
        // of the tokens and keeps the expert GEMMs whole); `--etp` fixes TP instead.
        const etps =
          spec.moe && tp > 1
            ? pick(
                c.expertTensorParallel,
                can?.expertTensorFolding ? (c.expertTensorParallel === undefined ? [1] : [1, tp]) : [tp],
              ).filter((e) => e === 1 || e === tp)
            : pick(c.expertTensorParallel, [tp]).filter((e) => e === tp);
        const expertSplits = etps.flatMap((etp) =>
          (spec.moe
            ? pick(c.expertParallel, only1(can?.expert, divisors((tp * dp * cp) / etp))).filter(
                (e) =>
                  spec.moe!.numExperts % e === 0 &&
                  ((tp * dp * cp) / etp) % e === 0 &&
                  (etp === tp || e % tp === 0),
              )
            : pick(c.expertParallel, [1])
          ).map((ep) => ({ ep, etp: etp === tp ? undefined : etp })),
        );
        for (const { ep, etp } of expertSplits) {
          // Memory grows with the micro-batch (activations and logits scale with it, nothing shrinks):
          // a layout that misses by `over` bytes at micro-batch b misses by more at 2b with everything
          // else equal, so once it is not kept as a near miss its larger micro-batches are counted
          // without being sized again.
          const missedBy = new Map<number, number>();
          const micros = (c.microBatchSize !== undefined ? [c.microBatchSize] : [1, 2, 4, 8, 16]).filter(
            (b) => (batch / dp) % b === 0,
          );
          for (const mbs of micros) {
            const sps = pick(c.sequenceParallel, tp > 1 && can?.sequence !== false ? [true, false] : [false]);
            for (const sp of sps) {
              let costs: LayerCosts | null = null;
              const vpps =
                pp > 1
                  ? // Stages may be uneven (Llama 3 put 126 layers on 16 stages), so any v with pp·v ≤ L + 2
                    // (the embedding and the head may take a chunk alone: layout.ts maxPipelineChunks).
                    (c.virtualStages !== undefined
                      ? [c.virtualStages]
                      : can?.interleaved === false
                        ? [1]
                        : [1, 2, 3, 4, 6, 8]
                    ).filter((v) => pp * v <= maxPipelineChunks(spec))
                  : pick(c.virtualStages, [1]);
              for (const [vi, vpp] of vpps.entries()) {
                // One schedule per v (fixed, or the one v implies).
                const schedule: PipelineSchedule = c.schedule ?? (vpp > 1 ? 'interleaved' : '1f1b');
                // Interleaving needs v > 1 (so pp > 1); a pipeline of one stage has no schedule to fix.
                if ((schedule === 'interleaved') !== vpp > 1 && (pp > 1 || schedule === 'interleaved'))
                  continue;
                if (schedule === 'dualpipe' && pp % 2 !== 0) continue; // DUALPIPE_NEEDS_EVEN_PP (layout.ts)
                for (const [ri, recompute] of recomputeModes.entries()) {
                  for (const zero of pick(c.zeroStage, zeroStages)) {
                    if (pp > 1 && !pipelines(zero)) continue;
                    const layout: ParallelLayout = {
                      tensorParallel: tp,
                      pipelineParallel: pp,
                      dataParallel: dp,
                      expertParallel: ep,
                      ...(etp !== undefined && { expertTensorParallel: etp }),
                      contextParallel: cp,
                      virtualStages: vpp,
                      microBatchSize: mbs,
                      sequenceParallel: sp,
                      recompute,
                      ...(recompute === 'full' && fixedPartial),
                      zeroStage: zero,
                      schedule,
                    };
                    count += 1;
                    // The layout but for its micro-batch, as a number (sp, v, recomputation, ZeRO stage).
                    const rest = (((sp ? 1 : 0) * vpps.length + vi) * recomputeModes.length + ri) * 4 + zero;
                    const missed = missedBy.get(rest);
                    if (missed !== undefined && !wantsInfeasible(missed)) continue;
                    const peak = trainingMemory(spec, layout, peakOnly).peak;
                    const memory = peak.totalBytes;
                    // The estimate must fit under capacity at the asked band multiplier (--memory-fit).
                    const margin = (pp > 1 ? options.memoryFit?.pipeline : options.memoryFit?.single) ?? 1;
                    const capacity = cluster.gpu.memoryBytes / margin;
                    // Offloaded activations must fit the host's memory too (every GPU of a host alike).
                    const hostOver = host ? peak.offloadedBytes * host.gpusPerHost - host.memoryBytes : 0;
                    const over = Math.max(memory - capacity, hostOver);
                    const fits = over <= 0;
                    if (!fits) missedBy.set(rest, over);
                    // Time only what can be kept: fitting layouts, or the nearest misses when none fits.
                    if (!fits && !wantsInfeasible(over)) continue;
                    const timed = (l: ParallelLayout, p: StageMemory) => {
                      costs ??= layerCosts(spec, cluster, l, options);
                      return calibratedStep(
                        stepTimeFromLayerCosts(
                          spec,
                          cluster,
                          l,
                          options,
                          costs,
                          p.hostActivationBytes / p.microbatchesInFlight,
                        ),
                        options.calibration ?? null,
                      );
                    };
                    const step = timed(layout, peak);
                    visit({ layout, gpus, memoryPerGpuBytes: memory, peak, step }, fits, over);
                    // Some layers recomputed where every layer fits and none does not (or none is not searched).
                    const none = recomputeModes.indexOf('none');
                    const noneMisses = none < 0 || missedBy.has(rest - (ri - none) * 4);
                    if (recompute !== 'full' || !fits || !partialKind || !noneMisses) continue;
                    // Recomputation re-runs at most each layer's forward, and the step holds that forward and
                    // a backward at least as long besides: recomputing fewer layers saves under a third.
                    if (!mayRank(step.stepSeconds * (2 / 3))) continue;
                    const partial = partialRecomputeChoice(partialKind, spec.numLayers, layout, {
                      peak: (l) => trainingMemory(spec, l, peakOnly).peak,
                      capacityBytes:
                        cluster.gpu.memoryBytes / (pp > 1 ? partialFit!.pipeline : partialFit!.single),
                      step: timed,
                    });
                    // Only where it steps faster (the slowest stage may still recompute every layer).
                    if (!partial || partial.step.stepSeconds >= step.stepSeconds) continue;
                    count += 1;
                    visit({ ...partial, gpus, memoryPerGpuBytes: partial.peak.totalBytes }, true, 0);
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return count;
}
