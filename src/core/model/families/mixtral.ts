/**
 * Mixtral: Mistral attention, every layer a top-k MoE of SwiGLU experts (modeling_mixtral.py); PhiMoE
 * (Phi-3.5-MoE, modeling_phimoe.py) the same block with q/k/v/o bias per `attention_bias` and
 * LayerNorms with bias, and lm_head's bias per `lm_head_bias` (PhimoeConfig default false; true in
 * Phi-3.5-MoE's release).
 */
import type { Fields } from './fields.js';
import { decoder, type Family, readAllSliding } from './readers.js';

/** Mixtral's block: every layer a top-k MoE of `num_local_experts` SwiGLU experts, q/k/v/o bias as given. */
const mixtralBlock = (f: Fields, name: string, bias: boolean) =>
  decoder(f, name, {
    attention: { qkvBias: bias, outputBias: bias },
    layout: readAllSliding,
    layerMlp: 'moe',
    moe: { experts: 'num_local_experts', expertSize: 'intermediate_size' },
  });

// MixtralAttention: q/k/v/o without bias.
export const mixtral: Family = (f, name) => mixtralBlock(f, name, false);

export const phimoe: Family = (f, name) => ({
  ...mixtralBlock(f, name, f.bool('attention_bias', false)),
  norm: { kind: 'layernorm', perLayer: 2 },
  ...(f.bool('lm_head_bias', false) ? { headBias: true } : {}),
});
