/**
 * DeepSeekMoE (`deepseek`, DeepseekForCausalLM: deepseek-ai/deepseek-moe-16b-base and -chat, 2024-01).
 * The checkpoint's remote code (modeling_deepseek.py, configuration_deepseek.py) is read through its
 * ports: vLLM `vllm/model_executor/models/deepseek.py` (vllm-project/vllm), mlx-lm
 * `mlx_lm/models/deepseek.py` (ml-explore/mlx-lm) and MindNLP's port of modeling_deepseek.py:
 * - embed_tokens [V, h]; lm_head [V, h] (nn.Linear, untied: DeepseekConfig's tie_word_embeddings is False).
 * - DeepseekAttention (LlamaAttention "with Llama->Deepseek"): q/k/v/o_proj with bias = `attention_bias`,
 *   head_dim = hidden_size // num_attention_heads (no `head_dim` key), `num_key_value_heads` K/V heads.
 * - DeepseekDecoderLayer: input_layernorm and post_attention_layernorm (RMSNorm); the MLP is DeepseekMoE
 *   when `n_routed_experts` is set and layer_idx >= first_k_dense_replace and layer_idx % moe_layer_freq
 *   == 0, else DeepseekMLP of `intermediate_size` (SwiGLU, no bias).
 * - DeepseekMoE: `n_routed_experts` DeepseekMLP experts of `moe_intermediate_size`; MoEGate, a bias-free
 *   [n_routed_experts, h] weight, softmax then top `num_experts_per_tok` (no groups, no correction
 *   bias); shared_experts one DeepseekMLP of moe_intermediate_size × n_shared_experts when that is set.
 * - model.norm after the last layer. No MTP.
 */
import type { LayerMlp } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { decoder, type Family, withClassDefaults } from './readers.js';

/** configuration_deepseek.py's defaults for the structural keys (as mlx-lm's ModelArgs mirrors them). */
const DEEPSEEK_DEFAULTS = {
  hidden_act: 'silu',
  max_position_embeddings: 2048,
  tie_word_embeddings: false,
  attention_bias: false,
  first_k_dense_replace: 0,
  moe_layer_freq: 1,
} as const;

/** DeepseekDecoderLayer's rule from `n_routed_experts`, `first_k_dense_replace` and `moe_layer_freq`. */
function moeLayerRule(f: Fields): (i: number) => LayerMlp {
  if (!f.has('n_routed_experts')) return () => 'dense';
  const firstDense = f.int('first_k_dense_replace', { max: MAX.layers });
  const freq = f.positiveInt('moe_layer_freq', { max: MAX.layers });
  return (i) => (i >= firstDense && i % freq === 0 ? 'moe' : 'dense');
}

/** DeepseekForCausalLM (see the file comment). */
export const deepseekMoe: Family = (top, name) => {
  const f = withClassDefaults(top, DEEPSEEK_DEFAULTS);
  // MoEGate: `insupportable scoring function for MoE gating` unless softmax.
  const scoring = f.string('scoring_func', 'softmax');
  if (scoring !== 'softmax')
    f.fail('scoring_func', `must be 'softmax' (MoEGate supports no other), got '${scoring}'`);
  return decoder(f, name, {
    attention: { headDim: f.divide('hidden_size', 'num_attention_heads', MAX.hidden) },
    layerMlp: moeLayerRule(f),
    moe: {
      experts: 'n_routed_experts',
      expertSize: 'moe_intermediate_size',
      shared: { countKey: 'n_shared_experts' },
    },
  });
};
