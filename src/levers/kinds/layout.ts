/** Lever `layout`: a fixed or the searched parallel layout. */
import { type LeverKind, notFor, training } from '../kind.js';
import { constraintsFrom, layoutWords } from '../state.js';

export const layout: LeverKind<'layout'> = {
  label(l) {
    return l.layout ? `layout ${layoutWords(l.layout)}` : 'searched layout';
  },
  apply(s, lever, i) {
    const x = training(s, i, lever.lever);
    if (lever.layout)
      return {
        state: { ...x, constraints: constraintsFrom(lever.layout) },
        caveat: 'a fixed layout (dimensions not given are searched); no quality effect',
      };
    if (Object.values(x.constraints).every((v) => v === undefined))
      notFor(
        i,
        'layout',
        'the layout is searched already; fix a naive layout in the baseline to see what the search buys',
      );
    return {
      state: { ...x, constraints: {} },
      caveat:
        'the fastest layout that fits (TP/PP/DP/EP/CP, micro-batch, recomputation, ZeRO) instead of the fixed one; no quality effect',
    };
  },
};
