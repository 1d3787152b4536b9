/**
 * HyperCLOVA X SEED (`hyperclovax`, naver-hyperclovax/HyperCLOVAX-SEED-Think-14B; transformers
 * `models/hyperclovax/modular_hyperclovax.py`, `configuration_hyperclovax.py`,
 * `modeling_hyperclovax.py`): Granite's decoder with Peri-Layer Normalization.
 *
 * - HyperCLOVAXAttention (GraniteAttention): q_proj h → heads·head_dim, k_proj and v_proj h →
 *   kv_heads·head_dim, o_proj back, all with bias = attention_bias; head_dim defaults to
 *   hidden / heads, and the config requires hidden_size to be a multiple of num_attention_heads.
 * - HyperCLOVAXMLP (GraniteMLP): gate/up h → intermediate, down back, bias = mlp_bias.
 * - HyperCLOVAXDecoderLayer: input_layernorm, attention, post_norm1, residual;
 *   post_attention_layernorm, MLP, post_norm2, residual. post_norm1/post_norm2 are RMSNorms only
 *   when use_post_norm (class default true); otherwise nn.Identity. Four norms per layer, or two.
 * - HyperCLOVAXModel: embed_tokens, the layers, a final RMSNorm; HyperCLOVAXForCausalLM: lm_head
 *   (tied only if tie_word_embeddings).
 *
 * The MuP multipliers (embedding_multiplier, attention_multiplier, residual_multiplier,
 * logits_scaling) are scalars in the forward pass and hold no parameters.
 */
import { type Json, MAX } from './fields.js';
import { decoder, type Family, readGatedMlp, withClassDefaults } from './readers.js';
import { SUB_CONFIG_DEFAULTS } from './sub-config-defaults.js';

/** HyperCLOVAXConfig's defaults: GraniteConfig's (LlamaConfig's shape), Peri-LN on. */
const HYPERCLOVAX_DEFAULTS: Json = { ...SUB_CONFIG_DEFAULTS.llama, use_post_norm: true };

export const hyperclovax: Family = (top, name) => {
  // Some transformers versions name the vision-language wrapper (HCXVisionConfig) `hyperclovax` too;
  // its top level holds no text model, so reading it with the class defaults would be a wrong count.
  for (const key of ['text_config', 'vision_config'])
    if (top.has(key))
      top.fail(
        key,
        "is a HyperCLOVA X vision-language config (HCXVisionConfig), which llmecon does not read; give its text model's config (text_config) as its own file, or a model spec",
      );
  const f = withClassDefaults(top, HYPERCLOVAX_DEFAULTS);
  // validate_architecture: hidden_size must be a multiple of the heads, even with an explicit head_dim.
  f.divide('hidden_size', 'num_attention_heads', MAX.hidden);
  const spec = decoder(f, name, { mlp: readGatedMlp(f, 'intermediate_size', f.bool('mlp_bias', false)) });
  return { ...spec, norm: { kind: 'rmsnorm', perLayer: f.bool('use_post_norm', true) ? 4 : 2 } };
};
