/**
 * InternLM3 (`internlm3`, internlm/internlm3-8b-instruct; remote code configuration_internlm3.py and
 * modeling_internlm3.py, mirrored in TensorRT-LLM's auto_deploy models/custom/modeling_internlm3.py
 * and its test's local InternLM3Config copy):
 * - embed_tokens (vocab × h), no position table (RoPE, dynamic NTK per `rope_scaling`: no weights).
 * - `num_hidden_layers` InternLM3DecoderLayers: input_layernorm and post_attention_layernorm RMSNorms;
 *   InternLM3Attention with separate q_proj (h → heads·head_dim), k_proj and v_proj (h →
 *   kv_heads·head_dim), bias per `qkv_bias`, and o_proj (heads·head_dim → h), bias per `bias`;
 *   `head_dim` when given, else h / heads; InternLM3MLP gate_proj, up_proj (h → intermediate_size)
 *   and down_proj, all three biased per `bias`, SiLU-gated.
 * - The final norm RMSNorm and lm_head (h → vocab, no bias), untied unless `tie_word_embeddings`.
 * Unlike InternLM2 (`internlm2`, fused wqkv) the projections are separate, and unlike Llama the biases
 * follow `qkv_bias` and `bias`, not `attention_bias` / `mlp_bias`.
 */
import type { Json } from './fields.js';
import { decoder, type Family, readGatedMlp, withClassDefaults } from './readers.js';

/** InternLM3Config's `__init__` defaults for the keys a config omits. */
export const INTERNLM3_DEFAULTS: Json = {
  vocab_size: 128_512,
  hidden_size: 4096,
  intermediate_size: 11_008,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 32,
  max_position_embeddings: 32_768,
  hidden_act: 'silu',
  qkv_bias: false,
  bias: false,
  tie_word_embeddings: false,
};

/** InternLM3ForCausalLM (see the file comment). */
export const internlm3: Family = (config, name) => {
  const f = withClassDefaults(config, INTERNLM3_DEFAULTS);
  const bias = f.bool('bias', false);
  return decoder(f, name, {
    attention: { qkvBias: f.bool('qkv_bias', false), outputBias: bias },
    mlp: readGatedMlp(f, 'intermediate_size', bias),
  });
};
