/** OLMo 2: q/k RMSNorms over all heads, post-norms only (modeling_olmo2.py). */
import { decoder, type Family } from './readers.js';

// Olmo2Attention: q_norm = RMSNorm(num_heads*head_dim), k_norm = RMSNorm(num_kv_heads*head_dim);
// Olmo2DecoderLayer: post_attention_layernorm and post_feedforward_layernorm (no input norm).
export const olmo2: Family = (f, name) => decoder(f, name, { attention: { qkNorm: 'full' } });
