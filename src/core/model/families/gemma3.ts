/**
 * Gemma 3 text model (`gemma3_text`; inside the `gemma3` wrapper): Gemma 2's four norms per layer
 * and tied embeddings, per-head q/k RMSNorms, and five sliding layers to one global
 * (`sliding_window_pattern` 6) unless `layer_types` lists them (transformers `models/gemma3/modeling_gemma3.py`).
 */
import { MAX } from './fields.js';
import { gemmaDecoder } from './gemma2.js';
import type { Family } from './readers.js';

export const gemma3Text: Family = (f, name) => {
  // EmbeddingGemma: every token attends both ways, an encoder (Gemma3TextConfig.use_bidirectional_attention).
  if (f.bool('use_bidirectional_attention', false))
    f.fail(
      'use_bidirectional_attention',
      'true makes every token attend both ways (an embedding encoder, EmbeddingGemma); llmecon models causal decoders',
    );
  const pattern = f.positiveInt('sliding_window_pattern', { fallback: 6, max: MAX.layers });
  // Gemma3TextConfig: layer i slides when (i + 1) % sliding_window_pattern != 0.
  return gemmaDecoder(f, name, (i) => (i + 1) % pattern !== 0, 'per-head');
};
