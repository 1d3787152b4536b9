/**
 * The largest term of a stage's training memory and what cuts it (the "does not fit" advice).
 * Split out of training-memory.ts.
 */

import type { StageMemory } from './training-memory-types.js';

export type MemoryTerm =
  | 'weights'
  | 'gradients'
  | 'optimizerStates'
  | 'activations'
  | 'buffers'
  | 'optimizerStep';

/** How to shrink each term of a stage's memory (what the layout, optimizer or stack can change). */
const CUTS: Readonly<Record<MemoryTerm, string>> = {
  weights: 'more tensor, pipeline or expert parallelism, or ZeRO-3/FSDP',
  gradients: 'ZeRO-2 (gradients sharded over data parallelism), or more tensor/pipeline parallelism',
  optimizerStates:
    'ZeRO-1 (distributed optimizer) over more data-parallel ranks, smaller optimizer states (adamw-bf16-moments or adam-8bit), or offloading them to host memory where the stack does',
  activations:
    'recomputation (selective, full, or of more layers where only some recompute: block or layer-wise), a smaller micro-batch, sequence or context parallelism, or FP8 activation caching',
  buffers: 'more tensor parallelism (logits and gathered weights split over TP) or a smaller micro-batch',
  optimizerStep:
    "a fused optimizer step (torch's fused AdamW, bitsandbytes' 8-bit AdamW), a smaller DeepSpeed sub_group_size, or ZeRO over more data-parallel ranks",
};

/** The largest term of a stage's memory, its bytes, and what cuts it. */
export function largestMemoryTerm(stage: StageMemory): {
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
  return { term, bytes, cut: CUTS[term] };
}
