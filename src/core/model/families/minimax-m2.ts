/**
 * MiniMax-M2 (`minimax_m2`): GQA with q/k RMSNorm over all heads (`qk_norm_type: per_layer`), every
 * layer a top-k MoE of SwiGLU experts with a sigmoid router and e_score_correction_bias
 * (transformers `models/minimax_m2/modeling_minimax_m2.py`). The released checkpoints' MTP modules
 * are not built by the modelling code and are not counted.
 */
import { decoder, type Family, readUnusedMlp } from './readers.js';

export const minimaxM2: Family = (f, name) => {
  const qkNorm = f.bool('use_qk_norm', true)
    ? f.string('qk_norm_type', 'per_layer') === 'per_layer'
      ? 'full'
      : 'per-head'
    : 'none';
  return decoder(f, name, {
    attention: { qkvBias: false, outputBias: false, qkNorm },
    mlp: readUnusedMlp(f, 'shared_intermediate_size'),
    layerMlp: 'moe',
    moe: {
      experts: 'num_local_experts',
      expertSize: 'intermediate_size',
      shared: { sizeKey: 'shared_intermediate_size', count: 1 },
      routerBias: f.bool('use_routing_bias', true),
    },
  });
};
