/**
 * Training layouts in words and JSON (`train`'s chosen layout, its top and Pareto lists, the offload
 * hint) and the "does not fit" report with the closest layouts and those that fit.
 */
import { ordinal } from '../core/format.js';
import {
  blockRecomputeScope,
  chunksPerStage,
  degreesText,
  type ParallelLayout,
  recomputeWords,
} from '../core/parallelism/layout.js';
import type { EvaluatedLayout } from '../core/training/layout-search.js';
import { type LikelyFit, regimeMultiplier } from '../core/training/likely-fit.js';
import type { ActivationOffloadHint } from '../core/training/offload-hint.js';
import { partialRecomputeSpan } from '../core/training/partial-recompute-choice.js';
import type { LayoutDoesNotFitError } from '../core/training/plan.js';
import type { RecomputeHint } from '../core/training/recompute-hint.js';
import { formatBytes, table, toJson } from './format.js';
import type { RecomputeFlags } from './layout-flags.js';

export function layoutJson(l: ParallelLayout) {
  return {
    tp: l.tensorParallel,
    pp: l.pipelineParallel,
    dp: l.dataParallel,
    ep: l.expertParallel,
    ...(l.expertTensorParallel !== undefined && { etp: l.expertTensorParallel }),
    cp: l.contextParallel,
    vpp: l.virtualStages,
    microBatch: l.microBatchSize,
    recompute: l.recompute,
    // Full recomputation of only some layers (searched or given: layout.ts PartialRecompute).
    ...(l.recompute === 'full' && l.recomputeLayers !== undefined && { recomputeLayers: l.recomputeLayers }),
    ...(l.recompute === 'full' && l.recomputeEvery !== undefined && { recomputeEvery: l.recomputeEvery }),
    sequenceParallel: l.sequenceParallel,
    zero: l.zeroStage,
    schedule: l.schedule,
  };
}

/** What `--recompute-modules` names (selective recomputation's modules), where given. */
type Modules = Pick<RecomputeFlags, 'recomputeModules'>;

/**
 * The recomputation in words: the mode, with the modules a selective layout re-runs where named, or the
 * layers a full one re-runs where not every layer.
 */
export function recomputeText(l: ParallelLayout, r: Modules = {}): string {
  if (l.recompute === 'selective' && r.recomputeModules)
    return `selective (${r.recomputeModules.join(', ')})`;
  return recomputeWords(l);
}

/**
 * Where `--recompute-num-layers` covers every layer of the layout's chunks, or `--recompute-every` is 1 (the
 * same as full recomputation), or `--recompute-every` exceeds a stage's layers (no layer recomputes).
 */
export function partialRecomputeNote(numLayers: number, l: ParallelLayout): string | null {
  if (l.recompute !== 'full') return null;
  if (l.recomputeEvery === 1) return '--recompute-every 1 recomputes every layer: it is full recomputation';
  const stageLayers = partialRecomputeSpan('every', numLayers, l);
  if (l.recomputeEvery !== undefined && l.recomputeEvery > stageLayers)
    return `--recompute-every ${l.recomputeEvery} is more than a stage's ${stageLayers} layers: no layer recomputes (the same memory as no recomputation)`;
  const chunkLayers = partialRecomputeSpan('block', numLayers, l);
  if (l.recomputeLayers === undefined || l.recomputeLayers < chunkLayers) return null;
  const chunks = l.pipelineParallel * chunksPerStage(l);
  return `--recompute-num-layers ${l.recomputeLayers} covers every layer ${chunks === 1 ? `of the model (${numLayers})` : `of each of this layout's ${chunks} pipeline chunks (${chunkLayers} at most)`}: it is full recomputation here`;
}

/** The layout in words, with what its recomputation re-runs where named (`recomputeText`). */
export function layoutText(l: ParallelLayout, recompute?: Modules): string {
  const parts = [
    degreesText(l),
    `mb ${l.microBatchSize}`,
    `recompute ${recomputeText(l, recompute)}`,
    `ZeRO-${l.zeroStage}`,
  ];
  if (l.sequenceParallel) parts.push('SP');
  if (l.schedule !== '1f1b' && l.schedule !== 'interleaved') parts.push(l.schedule);
  return parts.join(' · ');
}

export function summary(e: EvaluatedLayout) {
  return {
    gpus: e.gpus,
    layout: layoutJson(e.layout),
    stepSeconds: e.step.stepSeconds,
    mfu: e.step.mfu,
    memoryPerGpuBytes: e.memoryPerGpuBytes,
  };
}

/** A layout that does not fit: the closest layouts and those that fit (text or --json). */
export function doesNotFit(
  error: LayoutDoesNotFitError,
  capacity: number,
  json: boolean,
  recompute: Modules = {},
): string {
  if (json) {
    return toJson({
      fits: false,
      message: error.issues[0]!.message,
      capacityBytes: capacity,
      nearestInfeasible: error.nearestInfeasible.map(summary),
      fittingAlternatives: error.fittingAlternatives.map(summary),
    });
  }
  // Each table after a blank line, where it has rows.
  const section = (headers: string[], rows: string[][]) =>
    rows.length > 0 ? ['', table(headers, rows)] : [];
  return [
    `does not fit: ${error.issues[0]!.message}`,
    ...section(
      ['closest layouts', 'memory/GPU', 'over by'],
      error.nearestInfeasible.map((e) => [
        layoutText(e.layout, recompute),
        formatBytes(e.memoryPerGpuBytes),
        // A layout under the GPU's capacity missed on the host's (offloaded activations).
        e.memoryPerGpuBytes > capacity ? formatBytes(e.memoryPerGpuBytes - capacity) : 'host memory',
      ]),
    ),
    ...section(
      ['layouts that fit', 'step (s)', 'memory/GPU'],
      error.fittingAlternatives.map((e) => [
        layoutText(e.layout, recompute),
        e.step.stepSeconds.toFixed(3),
        formatBytes(e.memoryPerGpuBytes),
      ]),
    ),
  ].join('\n');
}

/** `--offload-activations N` where it would beat the chosen layout's recomputation (offload-hint.ts). */
export const offloadHintJson = (hint: ActivationOffloadHint | null) =>
  hint && { layers: hint.layers, ...summary(hint.best) };

/** The hint in words, with the step it would save (none without a hint). */
export function offloadHintLines(hint: ActivationOffloadHint | null, stepSeconds: number): string[] {
  if (!hint) return [];
  const s = hint.best.step.stepSeconds;
  return [
    `hint: --offload-activations ${hint.layers} (megatron's CPU offload of that many layers' activations) runs ${layoutText(hint.best.layout)} without recomputation: ${s.toFixed(3)} s a step (${((100 * (s - stepSeconds)) / stepSeconds).toFixed(0)}%)`,
  ];
}

/**
 * `--recompute-num-layers N` (megatron) or `--recompute-every K` (torchtitan) where it would fit the chosen
 * layout and beat its full recomputation (recompute-hint.ts).
 */
export function recomputeHintJson(hint: RecomputeHint | null) {
  if (!hint) return null;
  const { best, ...rule } = hint;
  return { ...rule, ...summary(best) };
}

/** The hint in words, with the step it would save (none without a hint). */
export function recomputeHintLines(hint: RecomputeHint | null, stepSeconds: number): string[] {
  if (!hint) return [];
  const s = hint.best.step.stepSeconds;
  const what =
    hint.kind === 'block'
      ? `--recompute-num-layers ${hint.layers} (megatron's block recomputation of the first ${hint.layers} of the ${hint.chunkLayers} layers ${blockRecomputeScope(hint.best.layout)}`
      : `--recompute-every ${hint.every} (torchtitan's layer-wise checkpointing of every ${ordinal(hint.every)} layer`;
  return [
    `hint: ${what}, the rest keeping their activations) fits this layout at ${formatBytes(hint.best.memoryPerGpuBytes)}/GPU: ${s.toFixed(3)} s a step (${((100 * (s - stepSeconds)) / stepSeconds).toFixed(0)}%)`,
  ];
}

/** Where the chosen layout would most likely run out of memory: the fastest that fits at the memory band's P90 (JSON). */
export const likelyFitJson = (fit: LikelyFit | null) =>
  fit && { memoryFitAt: 'p90', best: fit.best && summary(fit.best), fixedFlags: fit.fixedFlags };

/** The same in words: the layout, its P90 and what it costs in step time, or that none fits there. */
export function likelyFitLines(fit: LikelyFit | null, stepSeconds: number): string[] {
  if (!fit) return [];
  if (!fit.best)
    return [
      `at the memory band's P90 (--memory-fit p90) no layout${fit.fixedFlags ? ' with the fixed flags' : ''} fits: ${fit.fixedFlags ? 'drop some of them, or ' : ''}use more GPUs or a GPU with more memory`,
    ];
  const b = fit.best;
  const p90 = b.memoryPerGpuBytes * regimeMultiplier(fit.memoryFit, b.layout);
  const s = b.step.stepSeconds;
  return [
    `fits at its memory band's P90 (nine in ten measured peaks would): ${layoutText(b.layout)} at ${formatBytes(b.memoryPerGpuBytes)}/GPU (P90 ${formatBytes(p90)}): ${s.toFixed(3)} s a step (${s >= stepSeconds ? '+' : ''}${((100 * (s - stepSeconds)) / stepSeconds).toFixed(0)}%); --memory-fit p90 plans with it`,
  ];
}
