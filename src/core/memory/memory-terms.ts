/**
 * The largest term of a stage's training memory and what cuts it (the "does not fit" advice).
 * Split out of training-memory.ts.
 */

import { wordList } from '../format.js';
import type { StageMemory } from './training-memory-types.js';

export type MemoryTerm =
  | 'weights'
  | 'gradients'
  | 'optimizerStates'
  | 'activations'
  | 'buffers'
  | 'optimizerStep';

/** What the run's stack and layout allow, so the advice names only what can be done (the stack's parallelism). */
export interface MemoryCutContext {
  readonly zeroStage: number;
  readonly zeroStages: readonly number[];
  readonly parallelisms: readonly ('tensor' | 'pipeline' | 'expert')[];
  /** Sequence or context parallelism (they split activations along the sequence). */
  readonly splitsSequence: boolean;
  readonly offloadsOptimizer: boolean;
}

/** What of a stack (training/stack.ts StackProfile) the advice reads. */
interface CutStack {
  readonly parallelism: {
    readonly tensor: boolean;
    readonly pipeline: boolean;
    readonly expert: boolean;
    readonly sequence: boolean;
    readonly context: boolean;
    readonly zeroStages: readonly number[];
  };
  readonly offloadModes?: readonly string[];
}

/** What `stack` allows a layout at ZeRO `zeroStage` (expert parallelism only for a MoE); undefined without a stack. */
export function memoryCutContext(
  stack: CutStack | null | undefined,
  zeroStage: number,
  moe: boolean,
): MemoryCutContext | undefined {
  if (!stack) return undefined;
  const p = stack.parallelism;
  return {
    zeroStage,
    zeroStages: p.zeroStages,
    parallelisms: (['tensor', 'pipeline', 'expert'] as const).filter((k) => p[k] && (k !== 'expert' || moe)),
    splitsSequence: p.sequence || p.context,
    offloadsOptimizer: (stack.offloadModes ?? []).length > 0,
  };
}

/** Every parallelism and ZeRO stage, host offload where the stack does: the advice without a stack. */
const ANY_STACK: MemoryCutContext = {
  zeroStage: 0,
  zeroStages: [0, 1, 2, 3],
  parallelisms: ['tensor', 'pipeline', 'expert'],
  splitsSequence: true,
  offloadsOptimizer: true,
};

const oneOf = (options: string[]) =>
  options.length === 0 ? 'another stack (this one runs none of the cuts)' : wordList(options);

/** Each ZeRO stage as a cut, in words. */
const ZERO_NAMES: Readonly<Record<number, string>> = {
  1: 'ZeRO-1 (distributed optimizer) over more data-parallel ranks',
  2: 'ZeRO-2 (gradients sharded over data parallelism)',
  3: 'ZeRO-3/FSDP',
};

/**
 * ZeRO at stage `stage` or above as a cut: the lowest such stage the stack runs (LLM Foundry's FSDP has
 * no ZeRO-1), or more data-parallel ranks where the run already shards so.
 */
function zeroCut(c: MemoryCutContext, stage: number): string[] {
  if (c.zeroStage >= stage)
    return [`more data-parallel ranks (the run's ZeRO-${c.zeroStage} shards over them)`];
  const next = Math.min(...c.zeroStages.filter((z) => z >= stage));
  return Number.isFinite(next) ? [ZERO_NAMES[next]!] : [];
}

/** How to shrink each term of a stage's memory (what the layout, optimizer or stack can change). */
function cutOf(term: MemoryTerm, c: MemoryCutContext): string {
  const parallel = c.parallelisms.length > 0 ? [`more ${oneOf([...c.parallelisms])} parallelism`] : [];
  switch (term) {
    case 'weights':
      return oneOf([...parallel, ...zeroCut(c, 3)]);
    case 'gradients':
      return oneOf([...zeroCut(c, 2), ...parallel]);
    case 'optimizerStates':
      return oneOf([
        ...zeroCut(c, 1),
        'smaller optimizer states (adamw-bf16-moments or adam-8bit)',
        ...(c.offloadsOptimizer ? ['offloading them to host memory'] : []),
      ]);
    case 'activations':
      return oneOf([
        'recomputation (selective, full, or of more layers where only some recompute: block or layer-wise)',
        'a smaller micro-batch',
        ...(c.splitsSequence ? ['sequence or context parallelism'] : []),
        'FP8 activation caching',
      ]);
    case 'buffers':
      return oneOf([
        ...(c.parallelisms.includes('tensor')
          ? ['more tensor parallelism (logits and gathered weights split over TP)']
          : []),
        'a smaller micro-batch',
      ]);
    case 'optimizerStep':
      return oneOf([
        "a fused optimizer step (torch's fused AdamW, bitsandbytes' 8-bit AdamW), a smaller DeepSpeed sub_group_size",
        ...zeroCut(c, 1),
      ]);
  }
}

/** The largest term of a stage's memory, its bytes, and what cuts it. */
export function largestMemoryTerm(
  stage: StageMemory,
  context: MemoryCutContext = ANY_STACK,
): {
  readonly term: MemoryTerm;
  readonly bytes: number;
  readonly cut: string;
} {
  // At an optimizer-step peak no activation is live; the step's own temporaries are the other term.
  const transient: [MemoryTerm, number][] =
    stage.peakPhase === 'optimizer-step'
      ? [['optimizerStep', stage.breakdown.buffers]]
      : [
          ['activations', stage.activations],
          ['buffers', stage.buffers],
        ];
  const terms: [MemoryTerm, number][] = [
    ['weights', stage.modelStates.weights],
    ['gradients', stage.modelStates.gradients],
    ['optimizerStates', stage.modelStates.optimizerStates],
    ...transient,
  ];
  const [term, bytes] = terms.reduce((a, c) => (c[1] > a[1] ? c : a));
  return { term, bytes, cut: cutOf(term, context) };
}
