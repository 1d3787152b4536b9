/** Gemma 2: four norms per layer, alternating sliding/full layers, tied embeddings (modeling_gemma2.py). */

import type { ModelSpec } from '../spec.js';
import type { Fields } from './fields.js';
import { decoder, type Family, readPatternSliding } from './readers.js';

/**
 * The Gemma decoder (Gemma 2 and Gemma 3 text): four RMSNorms per layer, tied embeddings, GeGLU MLPs,
 * head_dim 256 by default, sliding layers chosen by `slides` (window default 4096).
 */
export function gemmaDecoder(
  f: Fields,
  name: string,
  slides: (layer: number) => boolean,
  qkNorm: 'none' | 'per-head',
): ModelSpec {
  return {
    ...decoder(f, name, {
      attention: { qkNorm, defaultHeadDim: 256 },
      layout: (g, n) => readPatternSliding(g, n, slides, 4096),
    }),
    // Gemma2Config and Gemma3TextConfig default tie_word_embeddings=True.
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    // input, post_attention, pre_feedforward and post_feedforward layernorms.
    norm: { kind: 'rmsnorm', perLayer: 4 },
    activation: f.string('hidden_activation', f.string('hidden_act', 'gelu_pytorch_tanh')),
  };
}

// Gemma2DecoderLayer: even layers slide (is_sliding = not bool(layer_idx % 2)).
export const gemma2: Family = (f, name) => gemmaDecoder(f, name, (i) => i % 2 === 0, 'none');
