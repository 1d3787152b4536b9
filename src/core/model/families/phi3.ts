/** Phi-3: fused qkv_proj and gate_up_proj, no biases (modeling_phi3.py). */
import {
  baseSpec,
  type Family,
  readAllSliding,
  readCommon,
  readGatedMlp,
  readGqa,
  uniformLayers,
  withMixers,
} from './readers.js';

export const phi3: Family = (f, name) => {
  const c = readCommon(f, name);
  const layout = readAllSliding(f, c.numLayers);
  return {
    ...baseSpec(f, c, {
      attention: readGqa(f, { qkvBias: false, outputBias: false }),
      mlp: readGatedMlp(f),
      layers: withMixers(uniformLayers(c.numLayers, 'dense'), layout.kinds),
    }),
    slidingWindow: layout.window,
  };
};
