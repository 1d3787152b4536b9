/** `--memory-fit estimate|p10|p90` on `train` and `finetune` (validation/memory-fit.ts says what each level asks). */

import type { FinetuneMemoryFit } from '../core/adaptation/finetune.js';
import type { SearchOptions } from '../core/training/layout-search.js';
import {
  finetuneMemoryFitMultipliers,
  MEMORY_FIT_LEVELS,
  type MemoryFitLevel,
  memoryFitMultipliers,
} from '../validation/memory-fit.js';
import { oneOf } from './options.js';

/** The multipliers `--memory-fit` asks of the search, or undefined for the estimate. */
export function memoryFitFlag(
  text: string | undefined,
  stackId: string,
): { readonly level: MemoryFitLevel; readonly memoryFit?: SearchOptions['memoryFit'] } {
  const level = oneOf(text, '--memory-fit', MEMORY_FIT_LEVELS, 'estimate');
  const memoryFit = memoryFitMultipliers(level, stackId, false, ['--memory-fit']);
  return memoryFit ? { level, memoryFit } : { level };
}

/** `--memory-fit` for `finetune`: both kinds' multipliers (adapters on a frozen base, every weight). */
export function finetuneMemoryFitFlag(
  text: string | undefined,
  stackId: string,
): { readonly level: MemoryFitLevel; readonly memoryFit?: FinetuneMemoryFit } {
  const level = oneOf(text, '--memory-fit', MEMORY_FIT_LEVELS, 'estimate');
  const memoryFit = finetuneMemoryFitMultipliers(level, stackId, ['--memory-fit']);
  return memoryFit ? { level, memoryFit } : { level };
}

/** The note beside a verdict when layouts were searched at a band level (empty at the estimate). */
export const memoryFitAtNote = (level: MemoryFitLevel): string =>
  level === 'estimate' ? '' : ` (layouts searched at the memory band's ${level.toUpperCase()}: --memory-fit)`;
