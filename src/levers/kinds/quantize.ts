/** Lever `quantize`: serve with quantised weights (and KV). */
import { findGpu } from '../../catalog/catalog.js';
import { inputError } from '../../core/errors.js';
import { computeType } from '../../core/inference/serving-step.js';
import { formatSupportError } from '../../core/precision.js';
import { type LeverKind, notFor, serving } from '../kind.js';

export const quantize: LeverKind<'quantize'> = {
  label(l) {
    return `${l.weights.toUpperCase()} weights${l.kv ? `, ${l.kv.toUpperCase()} KV` : ''}`;
  },
  apply(s, lever, i) {
    const x = serving(s, i, lever.lever);
    if (x.weights === lever.weights) notFor(i, 'quantize', `weights are ${lever.weights} already`);
    // A block-scaled format the GPU has no tensor cores for is refused, as `serve --weights/--kv` refuses it.
    const gpu = findGpu(x.gpuId);
    for (const [field, format] of [
      ['weights', lever.weights],
      ['kv', lever.kv],
    ] as const) {
      const unsupported = format === undefined ? null : formatSupportError(format, gpu, field);
      if (unsupported !== null) inputError('infeasible', ['levers', i, field], unsupported);
    }
    return {
      state: { ...x, weights: lever.weights, kv: lever.kv ?? x.kv },
      caveat: `${lever.weights} weights (${lever.weights === 'int4' ? 'AWQ/GPTQ, group 128' : lever.weights === 'fp4' ? 'MXFP4' : lever.weights === 'nf4' ? 'NF4' : 'per-channel scales'}): quality risk — the loss is model- and task-dependent and unknown until measured on your evaluations${computeType(lever.weights) === 'bf16' ? '; weight-only: GEMMs run in BF16 after dequantising, so memory traffic falls but prefill math does not (slower than FP8 compute where the GPU has it)' : ''}`,
    };
  },
};
