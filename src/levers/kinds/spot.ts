/** Lever `spot`: spot instances: a discount and restart overhead. */
import type { LeverKind } from '../kind.js';
import type { LeverState } from '../state.js';

export const spot: LeverKind<'spot'> = {
  label(_l) {
    return 'spot instances';
  },
  apply(s, lever, _i) {
    // Training loses the restarts' time as goodput; a deployment pays for the GPUs standing in for them.
    const factor =
      s.kind !== 'serve' ? 1 - lever.discount : (1 - lever.discount) / (1 - lever.restartOverhead);
    const priced = { usdPerGpuHour: s.usdPerGpuHour * factor, priceFactor: s.priceFactor * factor };
    const state: LeverState =
      s.kind !== 'serve'
        ? { ...s, ...priced, goodput: s.goodput * (1 - lever.restartOverhead) }
        : { ...s, ...priced };
    return {
      state,
      caveat: `${Math.round(100 * lever.discount)}% off the price (your figure: spot prices vary by provider and hour) and ${(100 * lever.restartOverhead).toFixed(1)}% of GPU time lost to preemptions and restarts from checkpoints; no quality effect, but a deadline risk`,
    };
  },
};
