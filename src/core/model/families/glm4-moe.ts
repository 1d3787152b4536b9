/**
 * GLM-4.5 (`glm4_moe`, modeling_glm4_moe.py) and dots.llm1 (`dots1`, modeling_dots1.py): GQA, dense
 * first layers, then DeepSeek-V3-style shared + routed experts with e_score_correction_bias. Solar
 * Open (`solar_open`, modular_solar_open.py): GLM-4.5's MoE on every layer under Llama's attention.
 * GLM-4
 * (`glm4`, modeling_glm4.py: GLM-4-0414, and GLM-4.1V's `glm4v_text`): the dense GLM decoder; GLM
 * (`glm`, modeling_glm.py: the 2024 GLM-4-9B in transformers' format) the same with two norms.
 */

import { deepseekMoeKeys } from './deepseek.js';
import { MAX } from './fields.js';
import { fused } from './fused-projections.js';
import {
  decoder,
  type Family,
  readGatedMlp,
  readQwenSliding,
  readUnusedMlp,
  withClassDefaults,
} from './readers.js';

/**
 * Glm4DecoderLayer: Glm4Attention with q/k/v bias per `attention_bias` and o_proj without, Glm4MLP's
 * fused gate_up_proj (h → 2I) and down_proj without bias, and four RMSNorms (input_layernorm,
 * post_self_attn_layernorm, post_attention_layernorm, post_mlp_layernorm).
 */
export const glm4: Family = (f, name) => ({
  ...fused(
    decoder(f, name, {
      attention: { outputBias: false },
      mlp: readGatedMlp(f, 'intermediate_size', false),
    }),
    { gateUp: true },
  ),
  norm: { kind: 'rmsnorm', perLayer: 4 },
});

/** GlmDecoderLayer: Glm4's attention and fused MLP with two RMSNorms; q/k/v bias by default (GlmConfig). */
export const glm: Family = (f, name) =>
  fused(
    decoder(f, name, {
      attention: { qkvBias: f.bool('attention_bias', true), outputBias: false },
      mlp: readGatedMlp(f, 'intermediate_size', false),
    }),
    { gateUp: true },
  );

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

/**
 * SolarOpenConfig(Glm4MoeConfig) defaults (transformers `configuration_solar_open.py`); the config
 * removes `first_k_dense_replace`, `intermediate_size` and `use_qk_norm`.
 */
const SOLAR_OPEN_DEFAULTS = {
  vocab_size: 196608,
  hidden_size: 4096,
  num_hidden_layers: 48,
  num_attention_heads: 64,
  num_key_value_heads: 8,
  head_dim: 128,
  max_position_embeddings: 131072,
  moe_intermediate_size: 1280,
  num_experts_per_tok: 8,
  n_shared_experts: 1,
  n_routed_experts: 128,
  n_group: 1,
  topk_group: 1,
};

/**
 * Solar Open (upstage/Solar-Open-100B): SolarOpenDecoderLayer is LlamaDecoderLayer with SolarOpenMoE
 * (Glm4MoeMoE: router with e_score_correction_bias, shared and routed SwiGLU experts) on every layer,
 * SolarOpenAttention is LlamaAttention (q/k/v bias = attention_bias, no q/k norm) with a bias-free
 * o_proj; SolarOpenModel (Glm4MoeModel) builds no MTP layer.
 */
export const solarOpen: Family = (top, name) => {
  const f = withClassDefaults(top, SOLAR_OPEN_DEFAULTS);
  const firstDense = f.int('first_k_dense_replace', { fallback: 0, max: MAX.layers });
  const spec = decoder(f, name, {
    attention: { outputBias: false },
    layerMlp: 'moe',
    mlp: readUnusedMlp(f),
    moe: {
      experts: 'n_routed_experts',
      expertSize: 'moe_intermediate_size',
      shared: { countKey: 'n_shared_experts' },
      routerBias: true,
    },
  });
  return firstDense === 0
    ? spec
    : {
        ...spec,
        warnings: [
          `solar_open: first_k_dense_replace (${firstDense}) is ignored, as SolarOpenConfig removes it: every SolarOpenDecoderLayer holds the MoE block`,
        ],
      };
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
