/**
 * DiffLlama (`diffllama`, kajuma/DiffLlama-0.3B-handcut): Llama with the Differential Transformer's
 * attention (Ye et al. 2024, "Differential Transformer", arXiv:2410.05258). Shapes from transformers
 * `models/diffllama/modular_diffllama.py`, `modeling_diffllama.py` and `configuration_diffllama.py`:
 * - DiffLlamaAttention (LlamaAttention): q_proj h → heads·head_dim, k_proj and v_proj h →
 *   kv_heads·head_dim, o_proj heads·head_dim → h, bias on all four per `attention_bias`; RoPE.
 *   Per layer, four vectors of head_dim — lambda_q1, lambda_k1, lambda_q2, lambda_k2 — give the scalar
 *   λ = exp(λq1·λk1) − exp(λq2·λk2) + λ_init(layer); `groupnorm` is an RMSNorm of 2·head_dim with
 *   elementwise_affine=False (no weight). `num_key_value_heads` must be even (V splits along KV heads).
 * - The forward: two attention calls over all heads with the same Q and K, one per half of V (each half
 *   broadcast back to kv_heads); the outputs are concatenated (2·head_dim), the first heads/2 minus λ ×
 *   the last heads/2, groupnorm, scaled by 1 − λ_init, then o_proj (transformers before the two-call
 *   rewrite scored Q·Kᵀ once and multiplied by V doubled to 2·head_dim). The KV cache holds K (after RoPE)
 *   and V as Llama's: kv_heads·head_dim each per token.
 * - DiffLlamaMLP (MistralMLP): gate_proj, up_proj h → I, down_proj I → h, no bias (`mlp_bias` is not
 *   read). DiffLlamaDecoderLayer: input_layernorm and post_attention_layernorm (RMSNorm h).
 * - DiffLlamaModel: embed_tokens V × h, final norm; DiffLlamaForCausalLM: lm_head, tied per
 *   `tie_word_embeddings`.
 * The lambdas (4·head_dim a layer, no matmul) are each layer's `extras`. Not expressible in ModelSpec,
 * and said in a warning: the two attention calls score Q·Kᵀ twice and multiply by V twice, twice the
 * score FLOPs and the attention-map work llmecon counts for one standard call.
 */
import type { ModelSpec } from '../spec.js';
import type { Json } from './fields.js';
import { decoder, type Family, readGatedMlp, readGqa, withClassDefaults } from './readers.js';

/** DiffLlamaConfig's class defaults (the 0.3B-handcut shape but MHA, 32k vocabulary, 2k context). */
const DIFFLLAMA_DEFAULTS: Json = {
  vocab_size: 32_000,
  hidden_size: 2048,
  intermediate_size: 8192,
  num_hidden_layers: 16,
  num_attention_heads: 32,
  hidden_act: 'silu',
  max_position_embeddings: 2048,
  tie_word_embeddings: false,
  attention_bias: false,
};

export const diffllama: Family = (top, name): ModelSpec => {
  const f = withClassDefaults(top, DIFFLLAMA_DEFAULTS);
  // num_key_value_heads None → num_attention_heads (readKvHeads' fallback); head_dim None → h / heads.
  const a = readGqa(f);
  if (a.numKvHeads % 2 !== 0)
    f.fail(
      'num_key_value_heads',
      `(${a.numKvHeads}) must be even: DiffLlamaAttention splits the values into two halves along the KV heads`,
    );
  const spec = decoder(f, name, { attention: () => a, mlp: readGatedMlp(f) });
  const extras = { modules: 'lambda_q1, lambda_k1, lambda_q2, lambda_k2', params: 4 * a.headDim, gemms: [] };
  return {
    ...spec,
    layers: spec.layers.map((layer) => ({ ...layer, extras })),
    warnings: [
      `diffllama: differential attention runs two attention calls a layer over all ${a.numHeads} heads with the same queries and keys, one per half of the values (Q·Kᵀ, softmax and P·V twice): twice the attention-score FLOPs counted here for one standard call; the KV cache (${a.numKvHeads} × ${a.headDim} keys and values a layer) is standard`,
    ],
  };
};
