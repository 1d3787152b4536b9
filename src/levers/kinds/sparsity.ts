/** Lever `sparsity`: 2:4 or unstructured weight sparsity when serving. */
import { findGpu } from '../../catalog/catalog.js';
import { type LeverKind, notFor, serving } from '../kind.js';

export const sparsity: LeverKind<'sparsity'> = {
  label(l) {
    return `${l.pattern} sparsity`;
  },
  apply(s, lever, i) {
    const x = serving(s, i, lever.lever);
    if (lever.pattern === '2:4') {
      const gpu = findGpu(x.gpuId);
      if (!gpu.structuredSparsitySpeedup)
        notFor(i, 'sparsity', `${gpu.id} has no sparse tensor cores (its datasheet lists no 2:4 peak)`);
      return {
        state: { ...x, sparsity: '2:4' },
        caveat:
          'quality risk: SparseGPT (Frantar & Alistarh 2023) prunes OPT-175B to 2:4 with ARC-Challenge 43.94 → 38.99 and ARC-Easy 71.04 → 67.08; smaller models lose more',
      };
    }
    return {
      state: { ...x, sparsity: 'unstructured' },
      caveat:
        'no speed-up or memory saving: dense GPU kernels do not skip scattered zeros (SparseGPT reaches 50–60% unstructured sparsity with a small perplexity increase, but its speed-ups need 2:4 hardware or sparse CPU kernels)',
    };
  },
};
