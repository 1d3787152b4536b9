/**
 * ServiceNow Apriel-5B (`apriel`; ServiceNow-AI/Apriel-5B-Base and Apriel-5B-Instruct, remote code
 * `configuration_apriel.py` / `modeling_apriel.py`, AprielForCausalLM). Apriel is Llama's decoder
 * under its own model_type and the usual Hugging Face key names, read by the llama family:
 * - embed_tokens Embedding(vocab_size, hidden_size); lm_head Linear(hidden_size, vocab_size, no bias),
 *   tied only when tie_word_embeddings (False in AprielConfig and in the release);
 * - AprielAttention: q_proj (hidden → heads·head_dim), k_proj and v_proj (hidden → kv_heads·head_dim),
 *   o_proj (heads·head_dim → hidden), each with bias=config.attention_bias; head_dim from the config,
 *   else hidden_size / num_attention_heads; GQA by num_key_value_heads;
 * - AprielMLP: gate_proj, up_proj (hidden → intermediate), down_proj (intermediate → hidden), each
 *   with bias=config.mlp_bias, act_fn(gate) · up;
 * - AprielRMSNorm: input_layernorm and post_attention_layernorm per layer, the final norm;
 * - AprielRotaryEmbedding (YaRN, factor 32 in the release): no parameters.
 * Sources: the modules as Fast-LLM carries them over from modeling_apriel.py
 * (`fast_llm/models/ssm/external/apriel_hybrid/modeling_ssm_hybrid_apriel.py`: AprielAttention,
 * AprielMLP, AprielRMSNorm) and their printout for ServiceNow-AI/Apriel-5B-Instruct in
 * `fast_llm/models/ssm/external/5B_hybrid.ipynb`; AprielConfig's arguments and defaults as copied
 * into `apriel_hybrid/configuration_ssm_hybrid_apriel.py` (its docstring and `__all__` are
 * AprielConfig's); chatllm.cpp `convert.py` AprielConverter and `models/apriel.cpp` (a LlamaBlock,
 * `mlp_bias` False, YaRN). Apriel is remote code only: transformers has no `apriel` model.
 */
import { llama } from './llama.js';
import { type Family, withClassDefaults } from './readers.js';
import { SUB_CONFIG_DEFAULTS } from './sub-config-defaults.js';

/**
 * AprielConfig's defaults for the shape keys a config omits (LlamaConfig's values):
 * num_key_value_heads None is one per query head and head_dim None is hidden / heads, which the
 * llama reader already does; tie_word_embeddings, attention_bias and mlp_bias default False there too.
 */
const APRIEL_DEFAULTS = SUB_CONFIG_DEFAULTS.llama!;

/** AprielForCausalLM: LlamaForCausalLM's modules under AprielConfig's defaults. */
export const apriel: Family = (f, name) => llama(withClassDefaults(f, APRIEL_DEFAULTS), name);
