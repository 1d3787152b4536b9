/**
 * VaultGemma (`vaultgemma`: Google VaultGemma 1B; transformers `models/vaultgemma/modular_vaultgemma.py`,
 * `modeling_vaultgemma.py`, `configuration_vaultgemma.py`): Gemma 2's decoder without its post-norms.
 * VaultGemmaDecoderLayer deletes Gemma2DecoderLayer's post_attention_layernorm and
 * post_feedforward_layernorm, keeping input_layernorm and pre_feedforward_layernorm (two RMSNorms of
 * hidden_size, each `1 + weight`); VaultGemmaAttention is Gemma2Attention (q/k/v/o with bias =
 * attention_bias, head_dim 256 by default, no q/k norms); VaultGemmaMLP is a GeGLU (gate/up/down, no
 * bias); the lm_head is tied to embed_tokens by default. Layers slide or not per `layer_types`
 * (default: even layers slide, window `sliding_window`). The attention and final-logit softcaps,
 * query_pre_attn_scalar and the √hidden embedding scale are scalars (no parameters).
 */
import { MAX } from './fields.js';
import { gemmaDecoder } from './gemma2.js';
import { type Family, withClassDefaults } from './readers.js';

/**
 * VaultGemmaConfig's defaults the shared readers default otherwise: num_key_value_heads 4 (not one
 * per query head), max_position_embeddings 8192; head_dim 256, sliding_window 4096, tied embeddings
 * and gelu_pytorch_tanh are {@link gemmaDecoder}'s.
 */
const VAULTGEMMA_DEFAULTS = { num_key_value_heads: 4, max_position_embeddings: 8192 } as const;

export const vaultgemma: Family = (top, name) => {
  const f = withClassDefaults(top, VAULTGEMMA_DEFAULTS);
  // VaultGemmaConfig.validate_architecture: hidden_size must be a multiple of num_attention_heads.
  f.divide('hidden_size', 'num_attention_heads', MAX.hidden);
  // VaultGemmaConfig's default layer_types: sliding_attention when (i + 1) % 2 != 0, so even layers.
  const spec = gemmaDecoder(f, name, (i) => i % 2 === 0, 'none');
  // input_layernorm and pre_feedforward_layernorm only (Gemma 2's four less its two post-norms).
  return { ...spec, norm: { ...spec.norm, perLayer: 2 } };
};
