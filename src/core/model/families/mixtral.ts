/**
 * Mixtral: Mistral attention, every layer a top-k MoE of SwiGLU experts (modeling_mixtral.py); PhiMoE
 * (Phi-3.5-MoE, modeling_phimoe.py) the same block with q/k/v/o bias per `attention_bias` and
 * LayerNorms with bias (its lm_head bias, one number per vocabulary entry, is not counted).
 */
import { decoder, type Family, readAllSliding } from './readers.js';

export const mixtral: Family = (f, name) =>
  decoder(f, name, {
    // MixtralAttention: q/k/v/o without bias.
    attention: { qkvBias: false, outputBias: false },
    layout: readAllSliding,
    layerMlp: 'moe',
    moe: { experts: 'num_local_experts', expertSize: 'intermediate_size' },
  });

export const phimoe: Family = (f, name) => {
  const bias = f.bool('attention_bias', false);
  return {
    ...decoder(f, name, {
      attention: { qkvBias: bias, outputBias: bias },
      layout: readAllSliding,
      layerMlp: 'moe',
      moe: { experts: 'num_local_experts', expertSize: 'intermediate_size' },
    }),
    norm: { kind: 'layernorm', perLayer: 2 },
  };
};
