/** Lever `recompute`: activation recomputation mode. */
import { type LeverKind, training } from '../kind.js';

export const recompute: LeverKind<'recompute'> = {
  label(l) {
    return `recompute ${l.mode}`;
  },
  apply(s, lever, i) {
    const x = training(s, i, lever.lever);
    return {
      state: { ...x, constraints: { ...x.constraints, recompute: lever.mode } },
      caveat:
        lever.mode === 'none'
          ? 'no recomputation: fastest when the activations fit, else the search needs more model parallelism'
          : `${lever.mode} recomputation trades time (extra forward work) for activation memory (Korthikanti et al. 2022); no quality effect`,
    };
  },
};
