/**
 * GLM-4.5 (`glm4_moe`, modeling_glm4_moe.py) and dots.llm1 (`dots1`, modeling_dots1.py): GQA, dense
 * first layers, then DeepSeek-V3-style shared + routed experts with e_score_correction_bias. GLM-4
 * (`glm4`, modeling_glm4.py: GLM-4-0414, and GLM-4.1V's `glm4v_text`): the dense GLM decoder; GLM
 * (`glm`, modeling_glm.py: the 2024 GLM-4-9B in transformers' format) the same with two norms.
 */

import { deepseekMoeKeys } from './deepseek.js';
import { MAX } from './fields.js';
import { decoder, type Family, readGatedMlp, readQwenSliding } from './readers.js';

/**
 * Glm4DecoderLayer: Glm4Attention with q/k/v bias per `attention_bias` and o_proj without, Glm4MLP's
 * fused gate_up_proj (h → 2I) and down_proj without bias, and four RMSNorms (input_layernorm,
 * post_self_attn_layernorm, post_attention_layernorm, post_mlp_layernorm).
 */
export const glm4: Family = (f, name) => ({
  ...decoder(f, name, {
    attention: { outputBias: false },
    mlp: readGatedMlp(f, 'intermediate_size', false),
  }),
  norm: { kind: 'rmsnorm', perLayer: 4 },
});

/** GlmDecoderLayer: Glm4's attention and fused MLP with two RMSNorms; q/k/v bias by default (GlmConfig). */
export const glm: Family = (f, name) =>
  decoder(f, name, {
    attention: { qkvBias: f.bool('attention_bias', true), outputBias: false },
    mlp: readGatedMlp(f, 'intermediate_size', false),
  });

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

// Dots1Attention = Qwen3Attention (bias = attention_bias on q/k/v/o, per-head q/k RMSNorms);
// Dots1MoE = DeepseekV3MoE with Dots1TopkRouter's e_score_correction_bias; MoE from first_k_dense_replace.
export const dots1: Family = (f, name) => {
  const firstDense = f.int('first_k_dense_replace', { fallback: 0, max: MAX.layers });
  return decoder(f, name, {
    attention: { qkNorm: 'per-head' },
    layout: readQwenSliding,
    layerMlp: (i) => (i >= firstDense ? 'moe' : 'dense'),
    moe: deepseekMoeKeys(f, true),
  });
};
