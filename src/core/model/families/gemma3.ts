/**
 * Gemma 3 text model (`gemma3_text`; inside the `gemma3` wrapper): Gemma 2's four norms per layer
 * and tied embeddings, per-head q/k RMSNorms, and five sliding layers to one global
 * (`sliding_window_pattern` 6) unless `layer_types` lists them (transformers `models/gemma3/modeling_gemma3.py`).
 */
import { MAX } from './fields.js';
import {
  baseSpec,
  type Family,
  readAttentionBias,
  readCommon,
  readGatedMlp,
  readGqa,
  readPatternSliding,
  uniformLayers,
  withMixers,
} from './readers.js';

export const gemma3Text: Family = (f, name) => {
  const c = readCommon(f, name);
  const pattern = f.positiveInt('sliding_window_pattern', { fallback: 6, max: MAX.layers });
  // Gemma3TextConfig: layer i slides when (i + 1) % sliding_window_pattern != 0; window default 4096.
  const layout = readPatternSliding(f, c.numLayers, (i) => (i + 1) % pattern !== 0, 4096);
  const bias = readAttentionBias(f);
  const base = baseSpec(f, c, {
    attention: readGqa(f, {
      qkvBias: bias,
      outputBias: bias,
      qkNorm: 'per-head',
      headDim: f.positiveInt('head_dim', { fallback: 256, max: MAX.headDim }),
    }),
    mlp: readGatedMlp(f),
    layers: withMixers(uniformLayers(c.numLayers, 'dense'), layout.kinds),
  });
  return {
    ...base,
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    norm: { kind: 'rmsnorm', perLayer: 4 },
    slidingWindow: layout.window,
    activation: f.string('hidden_activation', f.string('hidden_act', 'gelu_pytorch_tanh')),
  };
};
