/**
 * XVERSE (`xverse`: xverse/XVERSE-7B, -13B, -65B and their -2/-Chat/-256K releases, dense;
 * xverse/XVERSE-MoE-A4.2B and -A36B, mixture of experts). Both kinds ship one model_type, `xverse`,
 * with the remote code `configuration_xverse.py` (XverseConfig) and `modeling_xverse.py`
 * (XverseForCausalLM); a MoE config adds `num_experts`, `moe_top_k` and `num_shared_experts`.
 * Sources: XverseConfig's `__init__` (the remote configuration, "defaults … similar to XVERSE-13B");
 * vLLM `vllm/model_executor/models/xverse.py` (XverseAttention, XverseMLP, XverseDecoderLayer,
 * XverseModel, XverseForCausalLM) for the dense model; SGLang `python/sglang/srt/models/xverse_moe.py`
 * (XverseMoE, XverseDecoderLayer, XverseMoeForCausalLM) for the MoE model, matching TensorRT-LLM's
 * `tensorrt_llm/models/xverse/config.py` (XverseConfig.from_hugging_face reads the same three keys).
 * The modules:
 * - XverseAttention: q_proj h → heads·head_dim, k_proj and v_proj h → kv·head_dim
 *   (`num_key_value_heads`, default one per query head), o_proj back; head_dim = hidden / heads;
 *   a bias on all four only when `bias` is set (vLLM `getattr(config, "bias", False)`); no q/k
 *   norm; RoPE on the whole head, no parameters; every layer attends to everything.
 * - XverseMLP (dense model, every layer): gate_proj and up_proj h → `intermediate_size`, down_proj
 *   back, SiLU-gated, no bias.
 * - XverseMoE (every layer once `num_experts` is set; the dense MLP is not built): router h →
 *   `num_experts` (no bias), top `moe_top_k`; `num_experts` XverseMLPs of `intermediate_size` each
 *   (a quarter of the dense FFN, per the model cards); `shared_experts` one XverseMLP of
 *   `intermediate_size · num_shared_experts`, always active (absent when the key is).
 * - input_layernorm and post_attention_layernorm (RMSNorm h), a final norm; embed_tokens and an
 *   untied lm_head (no bias), tied when `tie_word_embeddings`.
 */
import type { ModelSpec } from '../spec.js';
import type { Json } from './fields.js';
import { decoder, type Family, withClassDefaults } from './readers.js';

/** XverseConfig's `__init__` defaults: XVERSE-13B's shape. */
const XVERSE_DEFAULTS: Json = {
  vocab_size: 100_278,
  hidden_size: 5120,
  intermediate_size: 13_824,
  num_hidden_layers: 40,
  num_attention_heads: 40,
  hidden_act: 'silu',
  max_position_embeddings: 8192,
  tie_word_embeddings: false,
};

/** XVERSE: Llama-shaped dense layers, or a fine-grained MoE with shared experts in every layer. */
export const xverse: Family = (top, name): ModelSpec => {
  const f = withClassDefaults(top, XVERSE_DEFAULTS);
  const bias = f.bool('bias', false);
  return decoder(f, name, {
    attention: { qkvBias: bias, outputBias: bias },
    layerMlp: f.has('num_experts') ? 'moe' : 'dense',
    moe: {
      experts: 'num_experts',
      topK: 'moe_top_k',
      expertSize: 'intermediate_size',
      shared: { countKey: 'num_shared_experts' },
    },
  });
};
