/** Lever `fp8`: FP8 training GEMMs, or FP8 weights and KV cache when serving. */
import { findGpu } from '../../catalog/catalog.js';
import { trainingPrecisionError } from '../../core/memory/training-recipes.js';
import { type LeverKind, notFor } from '../kind.js';
import { stateStack } from '../state.js';

export const fp8: LeverKind<'fp8'> = {
  label(_l) {
    return 'FP8';
  },
  apply(s, _lever, i) {
    const gpu = findGpu(s.gpuId);
    if (!gpu.peakFlopsPerSecond.fp8) notFor(i, 'fp8', `${s.gpuId} has no FP8 tensor cores`);
    if (s.kind !== 'serve') {
      if (s.precision === 'fp8') notFor(i, 'fp8', 'the run is FP8 already');
      // QLoRA computes in BF16 over its NF4 base: refused as `finetune --method qlora --precision fp8` is.
      const unsupported = trainingPrecisionError('fp8', gpu, s.kind === 'finetune' ? s.method : undefined);
      if (unsupported !== null) notFor(i, 'fp8', unsupported);
      const { stack } = stateStack(s);
      if (stack.fp8Recipe === 'none') notFor(i, 'fp8', `${stack.name} has no FP8 training recipe`);
      return {
        state: { ...s, precision: 'fp8' },
        caveat:
          'FP8 GEMMs with BF16/FP32 master weights and fine-grained scaling; DeepSeek-V3 reports a relative loss error below 0.25% against BF16 (report Sec. 3.3); the speed-up is what the engine predicts for these GEMMs, not a blanket 2×',
      };
    }
    if (s.weights === 'fp8' && s.kv === 'fp8') notFor(i, 'fp8', 'weights and KV are FP8 already');
    return {
      state: { ...s, weights: 'fp8', kv: 'fp8' },
      caveat:
        'FP8 weights and KV cache; quality delta model-dependent (small for FP8 E4M3 with per-channel scales in published evaluations), unknown for this model until measured',
    };
  },
};
