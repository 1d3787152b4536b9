/**
 * OLMo 1 (modeling_olmo.py: Llama's layer with parameter-free LayerNorms), OLMo 2 and OLMo 3: q/k
 * RMSNorms over all heads, post-norms only (modeling_olmo2.py, modular_olmo3.py).
 */
import { decoder, type Family, readPatternSliding } from './readers.js';

// OlmoLayerNorm: F.layer_norm without weight or bias (input_layernorm, post_attention_layernorm,
// the final norm); OlmoAttention clamps q/k/v to clip_qkv (no parameters); q/k/v/o with attention_bias.
export const olmo: Family = (f, name) => ({
  ...decoder(f, name, {}),
  norm: { kind: 'layernorm', perLayer: 2, affine: false },
});

// Olmo2Attention: q_norm = RMSNorm(num_heads*head_dim), k_norm = RMSNorm(num_kv_heads*head_dim);
// Olmo2DecoderLayer: post_attention_layernorm and post_feedforward_layernorm (no input norm).
export const olmo2: Family = (f, name) => decoder(f, name, { attention: { qkNorm: 'full' } });

// Olmo3Config: OLMo 2's layers, sliding (window 4096) on three of four: layer i slides unless
// (i + 1) % 4 == 0, unless layer_types lists them.
export const olmo3: Family = (f, name) =>
  decoder(f, name, {
    attention: { qkNorm: 'full' },
    layout: (g, n) => readPatternSliding(g, n, (i) => (i + 1) % 4 !== 0, 4096),
  });
