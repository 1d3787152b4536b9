/** Lever `spot`: spot instances: a discount and restart overhead. */
import type { LeverKind } from '../kind.js';
import type { LeverState } from '../state.js';

export const spot: LeverKind<'spot'> = {
  label(_l) {
    return 'spot instances';
  },
  apply(s, lever, _i) {
    const state: LeverState =
      s.kind !== 'serve'
        ? {
            ...s,
            usdPerGpuHour: s.usdPerGpuHour * (1 - lever.discount),
            goodput: s.goodput * (1 - lever.restartOverhead),
          }
        : { ...s, usdPerGpuHour: (s.usdPerGpuHour * (1 - lever.discount)) / (1 - lever.restartOverhead) };
    return {
      state,
      caveat: `${Math.round(100 * lever.discount)}% off the price (your figure: spot prices vary by provider and hour) and ${(100 * lever.restartOverhead).toFixed(1)}% of GPU time lost to preemptions and restarts from checkpoints; no quality effect, but a deadline risk`,
    };
  },
};
