/**
 * `--memory-fit estimate|p10|p90`: the memory a searched or fixed layout must fit at — the engine's
 * estimate (default), or its stack's measured-peak band at P10 or P90 (validation/memory-cases.ts), per
 * regime (with or without pipeline parallelism), never below the estimate. A stack without measured
 * peaks has no band to fit at.
 */
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
        `the ${stackId} stack has no measured memory peaks, so its memory has no band to fit at: use --memory-fit estimate (${band.outside.join('; ')})`,
      );
    // Never below the estimate itself: a band under it does not make a layout over capacity fit.
    return Math.max(level === 'p10' ? band.low : band.high, 1);
  };
  return { level, memoryFit: { single: at(false), pipeline: at(true) } };
}
