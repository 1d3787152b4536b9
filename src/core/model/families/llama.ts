/**
 * Llama, Mistral and Qwen2: separate q/k/v/o projections, a SwiGLU MLP, two RMSNorms per layer
 * (transformers `models/{llama,mistral,qwen2}/modeling_*.py`).
 */
import type { Fields } from './fields.js';
import {
  baseSpec,
  type Family,
  readAllSliding,
  readAttentionBias,
  readCommon,
  readGatedMlp,
  readGqa,
  readQwenSliding,
  type SlidingLayout,
  uniformLayers,
  withMixers,
} from './readers.js';

function llamaLike(sliding: (f: Fields, numLayers: number) => SlidingLayout, qwenBias: boolean): Family {
  return (f, name) => {
    const c = readCommon(f, name);
    // LlamaAttention: bias=config.attention_bias on q, k, v and o; Qwen2Attention: bias on q, k, v only.
    const bias = readAttentionBias(f);
    const attention = readGqa(f, { qkvBias: qwenBias || bias, outputBias: qwenBias ? false : bias });
    const layout = sliding(f, c.numLayers);
    return {
      ...baseSpec(f, c, {
        attention,
        mlp: readGatedMlp(f, 'intermediate_size', f.bool('mlp_bias', false)),
        layers: withMixers(uniformLayers(c.numLayers, 'dense'), layout.kinds),
      }),
      slidingWindow: layout.window,
    };
  };
}

const noSliding = (_f: Fields, n: number): SlidingLayout => ({ window: null, kinds: Array(n).fill('full') });

export const llama = llamaLike(noSliding, false);
export const mistral = llamaLike(readAllSliding, false);
export const qwen2 = llamaLike(readQwenSliding, true);
