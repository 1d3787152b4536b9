/** Gemma 2: four norms per layer, alternating sliding/full layers, tied embeddings (modeling_gemma2.py). */

import type { LayerMlp, ModelSpec } from '../spec.js';
import type { Fields } from './fields.js';
import { decoder, type Family, type MoeKeys, readPatternSliding, type SlidingLayout } from './readers.js';

/** What a later Gemma changes in {@link gemmaDecoder}; every field defaults to Gemma 2/3's. */
export interface GemmaOptions {
  /** `sliding_window`'s class default (Gemma2Config and Gemma3TextConfig: 4096). */
  readonly defaultWindow?: number;
  /** Rewrites the per-layer mixers read from the config (Gemma 4 forces its last layer global). */
  readonly layout?: (f: Fields, layout: SlidingLayout) => SlidingLayout;
  /** Every layer's MLP kind and, for MoE layers, the MoE block's keys (Gemma 4 `enable_moe_block`). */
  readonly layerMlp?: LayerMlp;
  readonly moe?: MoeKeys;
  /** RMSNorms per layer beyond the four (Gemma 4's MoE block adds three). */
  readonly extraNormsPerLayer?: number;
}

/**
 * The Gemma decoder (Gemma 2, Gemma 3 text, Gemma 4 text): four RMSNorms per layer, tied embeddings,
 * GeGLU MLPs, head_dim 256 by default, sliding layers chosen by `slides` (window default 4096).
 */
export function gemmaDecoder(
  f: Fields,
  name: string,
  slides: (layer: number) => boolean,
  qkNorm: 'none' | 'per-head',
  options: GemmaOptions = {},
): ModelSpec {
  return {
    ...decoder(f, name, {
      attention: { qkNorm, defaultHeadDim: 256 },
      layout: (g, n) => {
        const layout = readPatternSliding(g, n, slides, options.defaultWindow ?? 4096);
        return options.layout ? options.layout(g, layout) : layout;
      },
      ...(options.layerMlp ? { layerMlp: options.layerMlp } : {}),
      ...(options.moe ? { moe: options.moe } : {}),
    }),
    // Gemma2Config and Gemma3TextConfig default tie_word_embeddings=True.
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    // input, post_attention, pre_feedforward and post_feedforward layernorms.
    norm: { kind: 'rmsnorm', perLayer: 4 + (options.extraNormsPerLayer ?? 0) },
    activation: f.string('hidden_activation', f.string('hidden_act', 'gelu_pytorch_tanh')),
  };
}

// Gemma2DecoderLayer: even layers slide (is_sliding = not bool(layer_idx % 2)).
export const gemma2: Family = (f, name) => gemmaDecoder(f, name, (i) => i % 2 === 0, 'none');
