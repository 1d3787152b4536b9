/**
 * OrionStar Orion (`orion`, OrionForCausalLM: OrionStarAI/Orion-14B-Base, -Chat, -LongChat, -Chat-RAG,
 * -Chat-Plugin). The Hub's remote code (modeling_orion.py, configuration_orion.py) is not in the
 * stored index; read from its ports: vLLM `vllm/model_executor/models/orion.py` (OrionMLP,
 * OrionAttention, OrionDecoderLayer, OrionModel, OrionForCausalLM, "adapted from" modeling_orion.py)
 * and OrionStarAI/Orion `quantization/orion.py` (the AWQ module map):
 * - embed_tokens [V, h]; lm_head [V, h], tied only if `tie_word_embeddings` (false in the release).
 * - Per layer: input_layernorm and post_attention_layernorm, each nn.LayerNorm(h) with weight and
 *   bias (eps from `rms_norm_eps`, the name Llama's config gave it); q/k/v/o_proj with no bias
 *   whatever the config says, head_dim = hidden_size / num_attention_heads (no `head_dim` key),
 *   `num_key_value_heads` K/V heads, RoPE over the whole head; gate/up/down_proj SwiGLU, no bias.
 * - model.norm: one more nn.LayerNorm(h) with bias after the last layer.
 * Full causal attention on every layer; the LongChat release only lengthens the context.
 */
import type { ModelSpec } from '../spec.js';
import { MAX } from './fields.js';
import { decoder, type Family, withClassDefaults } from './readers.js';

/** The 14B release's values for the structural keys an Orion config might omit. */
const ORION_DEFAULTS = {
  hidden_act: 'silu',
  tie_word_embeddings: false,
  max_position_embeddings: 4096,
} as const;

/** OrionForCausalLM (see the file comment). */
export const orion: Family = (top, name) => {
  const f = withClassDefaults(top, ORION_DEFAULTS);
  const spec: ModelSpec = {
    ...decoder(f, name, {
      // OrionAttention: QKVParallelLinear and o_proj with bias=False; head_dim = hidden / heads.
      attention: {
        qkvBias: false,
        outputBias: false,
        headDim: f.divide('hidden_size', 'num_attention_heads', MAX.hidden),
      },
    }),
    // nn.LayerNorm (weight and bias): two per layer and model.norm.
    norm: { kind: 'layernorm', perLayer: 2 },
  };
  // vLLM's loader drops `.bias` tensors its bias-free projections lack; say so when the config asks for them.
  return f.bool('attention_bias', false)
    ? {
        ...spec,
        warnings: [
          'orion: attention_bias true is not read: OrionAttention builds q/k/v/o without bias (vllm orion.py); bias tensors in the checkpoint are not counted',
        ],
      }
    : spec;
};
