/**
 * Why a GPU count has no layout where fewer GPUs have one, in words: no valid split of the model into
 * tp × pp × dp × cp, with the stack's own limits (a stack without tensor or pipeline parallelism splits
 * over data parallelism only), or splits none of which fits in memory.
 */
import { queryHeadCounts } from '../model/kv-cache.js';
import type { ModelSpec } from '../model/spec.js';
import type { StackProfile } from './stack.js';

export function noSplitReason(
  spec: ModelSpec,
  { gpus, globalBatchSize }: { readonly gpus: number; readonly globalBatchSize: number },
  stack: StackProfile | undefined,
  fixedFlags: boolean,
  noSplit: boolean,
): { readonly why: string; readonly advice: string } {
  if (!noSplit)
    return {
      why: `none of the splits of ${gpus} GPUs fits in memory, though fewer GPUs do: the count's factors leave no good split`,
      advice: 'try a count with more factors of 2',
    };
  const can = stack?.parallelism;
  const rules = [
    can?.tensor === false
      ? `tp 1: ${stack!.name} runs no tensor parallelism`
      : `tp divides the ${queryHeadCounts(spec).join(' and ')} heads`,
    can?.pipeline === false ? 'pp 1' : `pp ≤ ${spec.numLayers} layers`,
    `dp divides the global batch ${globalBatchSize}`,
    ...(spec.moe ? [`ep divides the ${spec.moe.numExperts} experts and dp × cp`] : []),
    ...(fixedFlags ? ['with the fixed flags'] : []),
  ];
  const dataOnly = can?.tensor === false && can.pipeline === false;
  const batch = Math.ceil(globalBatchSize / gpus) * gpus;
  return {
    why: `${gpus} GPUs have no valid split into tp × pp × dp × cp for ${spec.name} (${rules.join(', ')})`,
    advice: dataOnly
      ? `give a GPU count that divides the global batch of ${globalBatchSize} (with ${stack!.name} every GPU is a data-parallel rank), or a global batch of ${batch} sequences`
      : 'try a count with more factors of 2',
  };
}
