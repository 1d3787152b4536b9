/** OLMo 2: q/k RMSNorms over all heads, post-norms only (modeling_olmo2.py). */
import {
  baseSpec,
  type Family,
  readAttentionBias,
  readCommon,
  readGatedMlp,
  readGqa,
  uniformLayers,
} from './readers.js';

export const olmo2: Family = (f, name) => {
  const c = readCommon(f, name);
  const bias = readAttentionBias(f);
  // Olmo2Attention: q_norm = RMSNorm(num_heads*head_dim), k_norm = RMSNorm(num_kv_heads*head_dim);
  // Olmo2DecoderLayer: post_attention_layernorm and post_feedforward_layernorm (no input norm).
  return baseSpec(f, c, {
    attention: readGqa(f, { qkvBias: bias, outputBias: bias, qkNorm: 'full' }),
    mlp: readGatedMlp(f),
    layers: uniformLayers(c.numLayers, 'dense'),
  });
};
