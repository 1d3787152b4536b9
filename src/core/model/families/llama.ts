/**
 * Llama, Mistral and Qwen2: separate q/k/v/o projections, a SwiGLU MLP, two RMSNorms per layer
 * (transformers `models/{llama,mistral,qwen2}/modeling_*.py`).
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
