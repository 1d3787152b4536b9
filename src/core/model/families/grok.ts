/**
 * xAI Grok-1 (`grok-1`: hpcai-tech/grok-1's PyTorch port of xai-org/grok-1, remote code
 * `configuration_grok1.py` Grok1Config and `modeling_grok1.py` Grok1ModelForCausalLM; keyfan/grok-1-hf
 * the same shape with `num_local_experts`). Modules from that modeling code, checked against vLLM
 * `vllm/model_executor/models/grok1.py` (Grok1ForCausalLM), SGLang `python/sglang/srt/models/grok.py`,
 * TensorRT-LLM `tensorrt_llm/models/grok/convert.py` and xai-org/grok-1 `model.py` / `run.py`:
 * - MultiHeadAttention: q_proj (h → heads·d), k_proj and v_proj (h → kv·d), o_proj, all without bias,
 *   d = h / `num_attention_heads` (or `head_dim`, as SGLang reads it); RoPE. `attn_output_multiplier`
 *   and the tanh cap `max_attn_value` are scalars, no parameters.
 * - MoeBlock: a router gate (h → `num_experts`, no bias; softmax, top `num_experts_per_tok`) and
 *   `num_experts` MoeMLP experts, each GeLU-gated: linear (gate) and linear_v (up) h → I, linear_1
 *   I → h, no bias, I = `intermediate_size`. No shared expert.
 * - DecoderLayer: four RMSNorms of h (pre_attn_norm, post_attn_norm, pre_moe_norm, post_moe_norm).
 * - Grok1Model: embed_tokens V × h (times the scalar `embedding_multiplier_scale`), a final RMSNorm;
 *   lm_head tied to the embedding by default (xai-org's InOutEmbed decodes with the embedding matrix;
 *   Grok1Config `tie_word_embeddings=True`), its logits times the scalar `output_multiplier_scale`.
 * Grok-2 (xai-org/grok-2, SGLang's same Grok1ForCausalLM with `residual_moe`, a dense GeLU MLP beside
 * the experts) names its config `model_type` "git", Microsoft GIT's type: not read here, and a
 * `residual_moe` config is refused rather than counted without its dense MLP.
 */
import type { Json } from './fields.js';
import { decoder, type Family, withClassDefaults } from './readers.js';

/** Grok1Config's defaults (hpcai-tech `configuration_grok1.py`: the released Grok-1 shape). */
const GROK1_DEFAULTS: Json = {
  vocab_size: 131_072,
  hidden_size: 6144,
  intermediate_size: 32_768,
  num_hidden_layers: 64,
  num_attention_heads: 48,
  num_key_value_heads: 8,
  max_position_embeddings: 8192,
  tie_word_embeddings: true,
  num_experts_per_tok: 2,
};

/** Grok-1: GQA without bias, every layer a top-2 MoE of GeLU-gated experts, four RMSNorms per layer, tied head. */
export const grok1: Family = (config, name) => {
  // hpcai-tech's Grok1Config names the experts `num_experts`; keyfan's and SGLang's `num_local_experts`.
  const experts =
    config.has('num_local_experts') && !config.has('num_experts') ? 'num_local_experts' : 'num_experts';
  const f = withClassDefaults(config, { ...GROK1_DEFAULTS, [experts]: 8 });
  if (f.bool('residual_moe', false))
    f.fail(
      'residual_moe',
      "adds Grok-2's dense MLP beside the experts (SGLang Grok1DecoderLayer), which the grok-1 modelling code does not build",
    );
  return {
    ...decoder(f, name, {
      attention: { qkvBias: false, outputBias: false },
      layerMlp: 'moe',
      moe: { experts, expertSize: 'intermediate_size' },
    }),
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    norm: { kind: 'rmsnorm', perLayer: 4 },
    // MoeMLP: nn.GELU() on linear, times linear_v (vLLM's and SGLang's fused MoE: activation "gelu").
    activation: f.string('hidden_act', 'gelu'),
  };
};
