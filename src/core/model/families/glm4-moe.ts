/** GLM-4.5 (`glm4_moe`): GQA with q/k/v bias, dense first layers, shared + routed experts (modeling_glm4_moe.py). */
import { MAX } from './fields.js';
import { decoder, type Family } from './readers.js';

export const glm4Moe: Family = (f, name) => {
  const firstDense = f.int('first_k_dense_replace', { fallback: 0, max: MAX.layers });
  return decoder(f, name, {
    // Glm4MoeAttention: q/k/v bias = attention_bias, o_proj without bias; q_norm/k_norm(head_dim) if use_qk_norm.
    attention: { outputBias: false, qkNorm: f.bool('use_qk_norm', false) ? 'per-head' : 'none' },
    layerMlp: (i) => (i >= firstDense ? 'moe' : 'dense'),
    // Glm4MoeTopkRouter carries e_score_correction_bias, like DeepSeek-V3.
    moe: {
      experts: 'n_routed_experts',
      expertSize: 'moe_intermediate_size',
      shared: { countKey: 'n_shared_experts' },
      routerBias: true,
    },
    mtpKey: 'num_nextn_predict_layers',
  });
};
