/** Lever `gpu`: another GPU (and count or layout). */

import { findGpu } from '../../catalog/catalog.js';
import { defaultPrice } from '../../catalog/training-defaults.js';
import { inputError } from '../../core/errors.js';
import { formatSupportError } from '../../core/precision.js';
import type { LeverKind } from '../kind.js';
import { constraintsFrom, type LeverState, refuseEngineOn } from '../state.js';

export const gpu: LeverKind<'gpu'> = {
  label(l) {
    return `GPU ${l.gpu}${l.gpus ? ` × ${l.gpus}` : ''}`;
  },
  apply(s, lever, i) {
    const gpu = findGpu(lever.gpu, `levers[${i}].gpu`);
    // A deployment's GPUs follow from its traffic and SLO: a count or layout for it would change nothing.
    for (const field of ['gpus', 'layout'] as const)
      if (s.kind === 'serve' && lever[field] !== undefined)
        inputError(
          'invalid_value',
          ['levers', i, field],
          `a serving baseline sizes its GPUs from its tokensPerDay and SLO: '${field}' applies to training and fine-tuning baselines`,
        );
    const listed = defaultPrice(gpu, lever.usdPerGpuHour, ['levers', i, 'usdPerGpuHour']).usdPerGpuHour;
    // Spot instances chosen earlier stay spot instances on the new GPU.
    const usdPerGpuHour = listed * s.priceFactor;
    if (s.kind === 'serve') refuseEngineOn(s.engineChoice.engine, gpu.id, ['levers', i, 'gpu']);
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
        : {
            ...s,
            gpuId: gpu.id,
            usdPerGpuHour,
            // Block-scaled formats the new GPU lacks fall back as FP8 does above: MXFP8 → FP8,
            // NVFP4/MXFP4 weights → MXFP4 storage with FP8 compute, NVFP4 KV → FP8.
            weights:
              formatSupportError(s.weights, gpu) === null ? s.weights : s.weights === 'mxfp8' ? 'fp8' : 'fp4',
            kv: formatSupportError(s.kv, gpu) === null ? s.kv : 'fp8',
          };
    // What the new GPU cannot run falls back, and the caveat says so (a training run's FP8 runs as BF16).
    const fellBack =
      s.kind !== 'serve' && s.precision === 'fp8' && state.kind !== 'serve' && state.precision === 'bf16'
        ? `; FP8 runs as BF16 there (${gpu.id} has no FP8 tensor cores)`
        : s.kind === 'serve' && state.kind === 'serve' && (state.weights !== s.weights || state.kv !== s.kv)
          ? `; ${s.weights}/${s.kv} weights/KV run as ${state.weights}/${state.kv} there (no tensor cores for the block-scaled format)`
          : '';
    return {
      state,
      caveat: `${gpu.name} at $${listed.toFixed(2)}/GPU-hour${lever.usdPerGpuHour === undefined ? ' (catalog, lowest on-demand)' : ''}${s.priceFactor === 1 ? '' : `, $${usdPerGpuHour.toFixed(2)} with the spot lever's ×${s.priceFactor.toFixed(2)}`}${fellBack}; no quality effect`,
    };
  },
};
