/** Gemma 2: four norms per layer, alternating sliding/full layers, tied embeddings (modeling_gemma2.py). */
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

export const gemma2: Family = (f, name) => {
  const c = readCommon(f, name);
  // Gemma2DecoderLayer: even layers slide (is_sliding = not bool(layer_idx % 2)); window default 4096.
  const layout = readPatternSliding(f, c.numLayers, (i) => i % 2 === 0, 4096);
  const bias = readAttentionBias(f);
  const base = baseSpec(f, c, {
    attention: readGqa(f, {
      qkvBias: bias,
      outputBias: bias,
      headDim: f.positiveInt('head_dim', { fallback: 256, max: MAX.headDim }),
    }),
    mlp: readGatedMlp(f),
    layers: withMixers(uniformLayers(c.numLayers, 'dense'), layout.kinds),
  });
  return {
    ...base,
    // Gemma2Config defaults tie_word_embeddings=True.
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    // input, post_attention, pre_feedforward and post_feedforward layernorms.
    norm: { kind: 'rmsnorm', perLayer: 4 },
    slidingWindow: layout.window,
    activation: f.string('hidden_activation', f.string('hidden_act', 'gelu_pytorch_tanh')),
  };
};
