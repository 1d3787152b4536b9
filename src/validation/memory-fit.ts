/**
 * The memory a searched or fixed layout must fit at (`--memory-fit`, a levers baseline's `memoryFit`):
 * the engine's estimate (default), or its stack's measured-peak band at P10 or P90
 * (memory-cases.ts), per regime (with or without pipeline parallelism), never below the estimate. A
 * stack without measured peaks has no band to fit at: an error naming the field.
 */

import { hostFor } from '../catalog/hosts.js';
import type { FinetuneMemoryFit } from '../core/adaptation/finetune.js';
import { inputError } from '../core/errors.js';
import type { SearchOptions } from '../core/training/layout-search.js';
import type { LikelyFitLevels } from '../core/training/likely-fit.js';
import { HINT_MEMORY_MARGIN } from '../core/training/offload-hint.js';
import { stackMemoryBand } from './memory-cases.js';

export const MEMORY_FIT_LEVELS = ['estimate', 'p10', 'p90'] as const;

/**
 * What a hinted layout must fit at (offload-hint.ts, recompute-hint.ts): its stack's measured-peak P90
 * where the stack has measured peaks in the regime, never under the hints' 10% margin (a hint that then
 * runs out of memory would be the worst answer).
 */
export function hintMemoryFit(stackId: string): NonNullable<SearchOptions['memoryFit']> {
  const at = (pipeline: boolean) => {
    const band = stackMemoryBand(stackId, pipeline, false);
    return Math.max(band.cases > 0 ? band.high : 1, HINT_MEMORY_MARGIN);
  };
  return { single: at(false), pipeline: at(true) };
}

/**
 * The band levels of planTraining's likely fit: a chosen layout whose memory P10 exceeds the GPU is
 * checked, and the layouts searched at the P90, the stack's measured-peak band per regime, never below
 * the estimate; none for a stack without peaks.
 */
export function likelyFitLevels(stackId: string): LikelyFitLevels | undefined {
  if (stackMemoryBand(stackId).cases === 0) return undefined;
  return {
    check: memoryFitMultipliers('p10', stackId, false, [])!,
    searchAt: memoryFitMultipliers('p90', stackId, false, [])!,
  };
}

/**
 * The plan options under which `planTraining` says `llmecon train`'s hints (the CLI and the web app's Train
 * view alike): activation offload on the GPU's host, where the catalog has one, and partial recomputation,
 * each fitted as {@link hintMemoryFit} says, and the layout that fits at the memory band's P90 where the
 * chosen one would most likely run out of memory ({@link likelyFitLevels}).
 */
export const trainingHintOptions = (gpuId: string, stackId: string) => ({
  offloadHintHost: hostFor(gpuId) ?? undefined,
  recomputeHint: true,
  hintMemoryFit: hintMemoryFit(stackId),
  likelyFitLevels: likelyFitLevels(stackId),
});
export type MemoryFitLevel = (typeof MEMORY_FIT_LEVELS)[number];

/** The multipliers `level` asks of the search for `stackId`'s runs, or undefined for the estimate. */
export function memoryFitMultipliers(
  level: MemoryFitLevel,
  stackId: string,
  frozenBase: boolean,
  path: readonly (string | number)[],
): SearchOptions['memoryFit'] | undefined {
  if (level === 'estimate') return undefined;
  const at = (pipeline: boolean) => {
    const band = stackMemoryBand(stackId, pipeline, frozenBase);
    if (band.cases === 0)
      inputError(
        'invalid_value',
        path,
        `the ${stackId} stack has no P10–P90 memory band to fit at (${band.outside.join('; ')}): fit at 'estimate' instead`,
      );
    // Never below the estimate itself: a band under it does not make a layout over capacity fit.
    return Math.max(level === 'p10' ? band.low : band.high, 1);
  };
  return { single: at(false), pipeline: at(true) };
}

/**
 * For fine-tuning: the multipliers of both kinds of run (adapters on a frozen base, every weight), so
 * the methods offered when nothing fits are each judged at their own band.
 */
export function finetuneMemoryFitMultipliers(
  level: MemoryFitLevel,
  stackId: string,
  path: readonly (string | number)[],
): FinetuneMemoryFit | undefined {
  const adapters = memoryFitMultipliers(level, stackId, true, path);
  if (!adapters) return undefined;
  return { adapters, full: memoryFitMultipliers(level, stackId, false, path)! };
}
