/** Mixtral: Mistral attention, every layer a top-k MoE of SwiGLU experts (modeling_mixtral.py). */
import {
  baseSpec,
  type Family,
  readAllSliding,
  readCommon,
  readGatedMlp,
  readGqa,
  readMoe,
  uniformLayers,
  withMixers,
} from './readers.js';

export const mixtral: Family = (f, name) => {
  const c = readCommon(f, name);
  const layout = readAllSliding(f, c.numLayers);
  return {
    ...baseSpec(f, c, {
      attention: readGqa(f, { qkvBias: false, outputBias: false }),
      mlp: readGatedMlp(f),
      layers: withMixers(uniformLayers(c.numLayers, 'moe'), layout.kinds),
    }),
    slidingWindow: layout.window,
    moe: readMoe(f, { experts: 'num_local_experts', expertSize: 'intermediate_size' }),
  };
};
