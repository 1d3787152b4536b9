/**
 * `--memory-fit estimate|p10|p90`: the memory a searched or fixed layout must fit at — the engine's
 * estimate (default), or its stack's measured-peak band at P10 or P90 (validation/memory-cases.ts), per
 * regime (with or without pipeline parallelism), never below the estimate. A stack without measured
 * peaks has no band to fit at.
 */

import type { FinetuneMemoryFit } from '../core/adaptation/finetune.js';
import { inputError } from '../core/errors.js';
import type { SearchOptions } from '../core/training/layout-search.js';
import { stackMemoryBand } from '../validation/memory-cases.js';
import { oneOf } from './options.js';

export const MEMORY_FIT_LEVELS = ['estimate', 'p10', 'p90'] as const;
export type MemoryFitLevel = (typeof MEMORY_FIT_LEVELS)[number];

/** The multipliers `--memory-fit` asks of the search, or undefined for the estimate. */
export function memoryFitFlag(
  text: string | undefined,
  stackId: string,
  frozenBase = false,
): { readonly level: MemoryFitLevel; readonly memoryFit?: SearchOptions['memoryFit'] } {
  const level = oneOf(text, '--memory-fit', MEMORY_FIT_LEVELS, 'estimate');
  if (level === 'estimate') return { level };
  const at = (pipeline: boolean) => {
    const band = stackMemoryBand(stackId, pipeline, frozenBase);
    if (band.cases === 0)
      inputError(
        'invalid_value',
        ['--memory-fit'],
        `the ${stackId} stack has no P10–P90 memory band to fit at (${band.outside.join('; ')}): use --memory-fit estimate`,
      );
    // Never below the estimate itself: a band under it does not make a layout over capacity fit.
    return Math.max(level === 'p10' ? band.low : band.high, 1);
  };
  return { level, memoryFit: { single: at(false), pipeline: at(true) } };
}

/**
 * `--memory-fit` for `finetune`: the multipliers of both kinds of run (adapters on a frozen base, every
 * weight), so the methods it offers when nothing fits are each judged at their own band.
 */
export function finetuneMemoryFitFlag(
  text: string | undefined,
  stackId: string,
): { readonly level: MemoryFitLevel; readonly memoryFit?: FinetuneMemoryFit } {
  const adapters = memoryFitFlag(text, stackId, true);
  if (!adapters.memoryFit) return { level: adapters.level };
  return {
    level: adapters.level,
    memoryFit: { adapters: adapters.memoryFit, full: memoryFitFlag(text, stackId, false).memoryFit! },
  };
}
