/** Lever `gpu`: another GPU (and count or layout). */

import { findGpu } from '../../catalog/catalog.js';
import { defaultPrice } from '../../catalog/training-defaults.js';
import type { LeverKind } from '../kind.js';
import { constraintsFrom, type LeverState } from '../state.js';

export const gpu: LeverKind<'gpu'> = {
  label(l) {
    return `GPU ${l.gpu}${l.gpus ? ` × ${l.gpus}` : ''}`;
  },
  apply(s, lever, i) {
    const gpu = findGpu(lever.gpu, `levers[${i}].gpu`);
    const usdPerGpuHour = defaultPrice(gpu, lever.usdPerGpuHour).usdPerGpuHour;
    const state: LeverState =
      s.kind !== 'serve'
        ? {
            ...s,
            gpuId: gpu.id,
            usdPerGpuHour,
            gpus: lever.gpus ?? s.gpus,
            constraints: lever.layout ? constraintsFrom(lever.layout) : s.constraints,
            precision: s.precision === 'fp8' && !gpu.peakFlopsPerSecond.fp8 ? 'bf16' : s.precision,
          }
        : { ...s, gpuId: gpu.id, usdPerGpuHour };
    return {
      state,
      caveat: `${gpu.name} at $${usdPerGpuHour.toFixed(2)}/GPU-hour${lever.usdPerGpuHour === undefined ? ' (catalog, lowest on-demand)' : ''}; no quality effect`,
    };
  },
};
