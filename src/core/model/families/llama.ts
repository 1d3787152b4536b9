/**
 * Llama, Mistral and Qwen2: separate q/k/v/o projections, a SwiGLU MLP, two RMSNorms per layer
 * (transformers `models/{llama,mistral,qwen2}/modeling_*.py`). Ministral 3 (`ministral3`,
 * modular_ministral3.py) is Mistral's layer; its query temperature (`llama_4_scaling_beta`) and YaRN
 * have no parameters.
 */
import type { Fields } from './fields.js';
import {
  decoder,
  type Family,
  noSliding,
  readAllSliding,
  readGatedMlp,
  readQwenSliding,
  type SlidingLayout,
  withClassDefaults,
} from './readers.js';

function llamaLike(layout: (f: Fields, numLayers: number) => SlidingLayout, qwenBias: boolean): Family {
  return (f, name) =>
    decoder(f, name, {
      // LlamaAttention: bias=config.attention_bias on q, k, v and o; Qwen2Attention: bias on q, k, v only.
      attention: qwenBias ? { qkvBias: true, outputBias: false } : {},
      layout,
      mlp: readGatedMlp(f, 'intermediate_size', f.bool('mlp_bias', false)),
    });
}

export const llama = llamaLike(noSliding, false);
export const mistral = llamaLike(readAllSliding, false);
export const qwen2 = llamaLike(readQwenSliding, true);

/** Ministral3Config defaults (transformers `configuration_ministral3.py`), which are not MistralConfig's. */
const MINISTRAL3_DEFAULTS = {
  vocab_size: 131072,
  hidden_size: 4096,
  intermediate_size: 14336,
  num_hidden_layers: 34,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  head_dim: 128,
  max_position_embeddings: 262144,
  tie_word_embeddings: false,
};

// Ministral3Model is MistralModel; Ministral3Attention is MistralAttention with the Llama-4 query scale.
export const ministral3: Family = (f, name) => mistral(withClassDefaults(f, MINISTRAL3_DEFAULTS), name);
