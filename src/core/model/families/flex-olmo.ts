/**
 * FlexOlmo (`flex_olmo`: AllenAI FlexOlmo-7x7B-1T and its 2x7B experts; transformers
 * `models/flex_olmo/modular_flex_olmo.py`, `modeling_flex_olmo.py`, `configuration_flex_olmo.py`):
 * OLMo 2's layer with OLMoE's mixture of experts in place of the MLP. FlexOlmoDecoderLayer has no
 * input norm, a post_attention_layernorm and a post_feedforward_layernorm (RMSNorm of hidden_size);
 * FlexOlmoAttention is Olmo2Attention (q/k/v/o with bias = attention_bias, q_norm over all query
 * heads, k_norm over all key heads); FlexOlmoSparseMoeBlock is OlmoeSparseMoeBlock: a bias-free
 * FlexOlmoTopKRouter (weight [num_experts, hidden]) picking top num_experts_per_tok of num_experts
 * SwiGLU experts of intermediate_size, no shared expert. norm_topk_prob only rescales the chosen
 * softmax weights (no parameters); RoPE has none; no layer slides (FlexOlmoModel drops Mixtral's
 * sliding window).
 */
import { decoder, type Family, HF_KEYS, withClassDefaults } from './readers.js';

/** FlexOlmoConfig's defaults: num_experts 7, num_experts_per_tok 5, max_position_embeddings 4096. */
const FLEX_OLMO_DEFAULTS = { experts: 7, topK: 5, positions: 4096 } as const;

export const flexOlmo: Family = (top, name) => {
  // FlexOlmoConfig.attribute_map: num_local_experts is another name for num_experts; a config that
  // spells it so is read (and its errors named) by that key.
  const expertsKey =
    !top.has('num_experts') && top.has('num_local_experts') ? 'num_local_experts' : 'num_experts';
  // num_key_value_heads None → num_attention_heads and tie_word_embeddings False are the readers' own.
  const f = withClassDefaults(top, {
    [expertsKey]: FLEX_OLMO_DEFAULTS.experts,
    num_experts_per_tok: FLEX_OLMO_DEFAULTS.topK,
  });
  // baseSpec's two RMSNorms per layer are post_attention_layernorm and post_feedforward_layernorm.
  return decoder(f, name, {
    keys: { ...HF_KEYS, defaultPositions: FLEX_OLMO_DEFAULTS.positions },
    // Olmo2Attention: q_norm = RMSNorm(num_heads·head_dim), k_norm = RMSNorm(num_kv_heads·head_dim).
    attention: { qkNorm: 'full' },
    // FlexOlmoDecoderLayer.mlp = FlexOlmoSparseMoeBlock on every layer (no dense MLP).
    layerMlp: 'moe',
    // FlexOlmoExperts: gate_up_proj [E, 2·intermediate_size, h] and down_proj [E, h, intermediate_size],
    // no bias (counted as OLMoE's gate/up/down experts); FlexOlmoTopKRouter.weight [E, h], no bias.
    moe: { experts: expertsKey, expertSize: 'intermediate_size' },
  });
};
