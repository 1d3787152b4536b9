/** Lever `optimizer`: another optimizer (state bytes per parameter). */
import { type LeverKind, notFor, training } from '../kind.js';

export const optimizer: LeverKind<'optimizer'> = {
  label(l) {
    return `optimizer ${l.optimizer}`;
  },
  apply(s, lever, i) {
    const x = training(s, i, lever.lever);
    if (x.optimizer === lever.optimizer) notFor(i, 'optimizer', `the run uses ${lever.optimizer} already`);
    return {
      state: { ...x, optimizer: lever.optimizer },
      caveat: `optimizer states shrink or grow per parameter; quality: ${lever.optimizer === 'adam-8bit' ? '8-bit Adam matches 32-bit Adam in Dettmers et al. 2022 (8-bit Optimizers, Table 1)' : lever.optimizer === 'adafactor' ? 'Adafactor trained T5 and PaLM (Shazeer & Stern 2018); convergence may differ at your scale' : 'unknown at your scale'}`,
    };
  },
};
