/**
 * MiniMax-M2 (`minimax_m2`): GQA with q/k RMSNorm over all heads (`qk_norm_type: per_layer`), every
 * layer a top-k MoE of SwiGLU experts with a sigmoid router and e_score_correction_bias
 * (transformers `models/minimax_m2/modeling_minimax_m2.py`). The checkpoints' MTP modules
 * (`use_mtp`, `num_mtp_modules` of `mtp_transformer_layers` layers) are not built by the modelling
 * code; they are counted apart as DeepSeek-V3-style modules (Sec. 2.2: two norms, a 2h → h
 * projection and one decoder layer each, embedding and head shared), like DeepSeek's MTP.
 */
import { MAX } from './fields.js';
import { decoder, type Family, readUnusedMlp } from './readers.js';

export const minimaxM2: Family = (f, name) => {
  const qkNorm = f.bool('use_qk_norm', true)
    ? f.string('qk_norm_type', 'per_layer') === 'per_layer'
      ? 'full'
      : 'per-head'
    : 'none';
  const spec = decoder(f, name, {
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
  const mtpLayers = f.positiveInt('mtp_transformer_layers', { fallback: 1, max: MAX.layers });
  return {
    ...spec,
    numMtpModules: f.bool('use_mtp', false) ? f.int('num_mtp_modules', { fallback: 0, max: MAX.layers }) : 0,
    ...(mtpLayers === 1
      ? {}
      : {
          warnings: [
            `mtp_transformer_layers is ${mtpLayers}: each MTP module is counted with one decoder layer`,
          ],
        }),
  };
};
