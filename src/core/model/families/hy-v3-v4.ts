/**
 * Tencent Hunyuan 3 (`hy_v3`, Hy3-preview; transformers `models/hy_v3/modular_hy_v3.py`,
 * `modeling_hy_v3.py`, `configuration_hy_v3.py`), the modules HYV3ForCausalLM builds:
 * - HYV3Attention (ApertusAttention): q, k, v, o of `head_dim` with bias = `attention_bias`, and a
 *   q_norm and k_norm RMSNorm of head_dim.
 * - Per `mlp_layer_types` ("dense"/"sparse"): HYV3MLP, a SwiGLU of `intermediate_size` (bias =
 *   `mlp_bias`), or HYV3MoE — HYV3TopKRouter (h → `num_experts`, no bias, sigmoid, top
 *   `num_experts_per_tok`), the per-expert e_score_correction_bias (a persistent buffer, counted as
 *   the router bias like DeepSeek-V3's), HYV3Experts (gate_up_proj/down_proj of
 *   `moe_intermediate_size`, no bias) and shared_experts, one HYV3MLP of
 *   `moe_intermediate_size × num_shared_experts`. Without the list the checkpoint's
 *   `first_k_dense_replace` layers are dense (HYV3Config: the first one).
 * - Two RMSNorms per layer, a final one, an untied lm_head.
 * The checkpoint's `num_nextn_predict_layers` MTP layer (model.layers.80: enorm, hnorm, eh_proj 2h → h,
 * final_layernorm and an MoE decoder layer), which transformers skips on load, is counted apart as a
 * DeepSeek-V3 MTP module. Missing keys take HYV3Config's defaults.
 */
import type { LayerMlp } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { decoder, type Family, readGatedMlp, readMlpLayerTypes, withClassDefaults } from './readers.js';

/** HYV3Config's `__init__` defaults (the Hy3-preview shape, but 131,072 positions). */
const HY_V3_DEFAULTS = {
  vocab_size: 120_832,
  hidden_size: 4096,
  intermediate_size: 13_312,
  num_hidden_layers: 80,
  num_attention_heads: 64,
  num_key_value_heads: 8,
  head_dim: 128,
  hidden_act: 'silu',
  max_position_embeddings: 131_072,
  tie_word_embeddings: false,
  attention_bias: false,
  mlp_bias: false,
  num_experts: 192,
  num_experts_per_tok: 8,
  num_shared_experts: 1,
  moe_intermediate_size: 1536,
};

/** Which layers are MoE: `mlp_layer_types`, else all but the first `first_k_dense_replace` (1). */
function hyV3LayerMlp(f: Fields): (i: number) => LayerMlp {
  const types = readMlpLayerTypes(f, f.positiveInt('num_hidden_layers', { max: MAX.layers }));
  if (types) return (i) => types[i]!;
  const firstDense = f.int('first_k_dense_replace', { fallback: 1, max: MAX.layers });
  return (i) => (i < firstDense ? 'dense' : 'moe');
}

export const hyV3: Family = (config, name) => {
  const f = withClassDefaults(config, HY_V3_DEFAULTS);
  const mlpBias = f.bool('mlp_bias', false);
  const spec = decoder(f, name, {
    attention: { qkNorm: 'per-head' },
    mlp: readGatedMlp(f, 'intermediate_size', mlpBias),
    layerMlp: hyV3LayerMlp(f),
    moe: {
      experts: 'num_experts',
      expertSize: 'moe_intermediate_size',
      shared: { countKey: 'num_shared_experts' },
      routerBias: true,
    },
    mtpKey: 'num_nextn_predict_layers',
  });
  return mlpBias && spec.moe && spec.moe.numSharedExperts > 0
    ? {
        ...spec,
        warnings: ['mlp_bias is true: the shared experts (HYV3MLP) carry biases too, which are not counted'],
      }
    : spec;
};
