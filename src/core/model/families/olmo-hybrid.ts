/**
 * OLMo Hybrid (`olmo_hybrid`, allenai/Olmo-Hybrid-7B; transformers
 * `models/olmo_hybrid/modular_olmo_hybrid.py`, `configuration_olmo_hybrid.py`): Gated DeltaNet on most
 * layers and OLMo 3 attention on every fourth (`layer_types`), a SwiGLU MLP on every layer.
 *
 * - OlmoHybridAttentionDecoderLayer (Olmo3DecoderLayer): q/k/v/o (bias = attention_bias), q_norm
 *   RMSNorm(heads·head_dim) and k_norm RMSNorm(kv_heads·head_dim), head_dim = hidden / heads (the
 *   config has no head_dim), no sliding window; post_attention_layernorm and post_feedforward_layernorm.
 * - OlmoHybridLinearAttentionDecoderLayer: input_layernorm and post_attention_layernorm around
 *   OlmoHybridGatedDeltaNet — q_proj, k_proj (h → Hk·d_k), v_proj (h → Hv·d_v), a_proj and b_proj
 *   (h → Hv), g_proj (h → Hv·d_v), a bias-free depthwise conv over q, k, v (the release stores it as
 *   q/k/v_conv1d), A_log and dt_bias (Hv), o_norm RMSNormGated(d_v), o_proj — all bias-free: Qwen3.5's
 *   split Gated DeltaNet parameter for parameter, with q/k/v as three modules rather than in_proj_qkv.
 * - OlmoHybridMLP (Olmo3MLP): gate/up/down without bias; final norm; lm_head untied by default.
 *
 * The release has no RoPE (`rope_parameters` null); RoPE and `linear_allow_neg_eigval` (β scaled by 2)
 * hold no parameters.
 */
import type { LayerMixer } from '../spec.js';
import { type Json, MAX } from './fields.js';
import { readGatedDeltaNet } from './qwen3-next.js';
import { decoder, type Family, readLayerTypes, withClassDefaults } from './readers.js';

/** OlmoHybridConfig's defaults (the Olmo-Hybrid-7B shape). */
const OLMO_HYBRID_DEFAULTS: Json = {
  vocab_size: 100_352,
  hidden_size: 3840,
  intermediate_size: 11_008,
  num_hidden_layers: 32,
  num_attention_heads: 30,
  max_position_embeddings: 65_536,
};

export const olmoHybrid: Family = (top, name) => {
  const f = withClassDefaults(top, OLMO_HYBRID_DEFAULTS);
  const numLayers = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  // OlmoHybridConfig.__post_init__: full attention where i % 4 == 3, else linear; the last layer full
  // when that leaves none.
  const mixers =
    readLayerTypes(f, numLayers, ['linear_attention', 'full_attention']) ??
    Array.from({ length: numLayers }, (_, i): LayerMixer => {
      const full = i % 4 === 3 || (numLayers < 4 && i === numLayers - 1);
      return full ? 'full' : 'linear';
    });
  // OlmoHybridConfig.validate_architecture.
  if (!mixers.includes('linear')) f.fail('layer_types', "must list at least one 'linear_attention' layer");
  if (!mixers.includes('full')) f.fail('layer_types', "must list at least one 'full_attention' layer");
  const spec = decoder(f, name, {
    attention: { qkNorm: 'full' },
    layout: () => ({ window: null, kinds: mixers }),
  });
  // OlmoHybridConfig.__post_init__: linear heads default to num_attention_heads, d_k to
  // int(0.75 · hidden / Hk), d_v to 2·d_k.
  const heads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  const keyHeads = f.positiveInt('linear_num_key_heads', { fallback: heads, max: MAX.heads });
  const keyDim = f.positiveInt('linear_key_head_dim', {
    fallback: Math.trunc((0.75 * spec.hiddenSize) / keyHeads),
    max: MAX.headDim,
  });
  const derived: Json = {
    linear_num_key_heads: keyHeads,
    linear_num_value_heads: f.positiveInt('linear_num_value_heads', { fallback: heads, max: MAX.heads }),
    linear_key_head_dim: keyDim,
    linear_value_head_dim: f.positiveInt('linear_value_head_dim', { fallback: 2 * keyDim, max: MAX.headDim }),
  };
  return { ...spec, linearAttention: readGatedDeltaNet(f.with(derived), 'split') };
};
