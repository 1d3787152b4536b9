/** gpt-oss: attention sinks, biased experts and router, alternating sliding layers (modeling_gpt_oss.py). */
import { MAX } from './fields.js';
import {
  baseSpec,
  type Family,
  readAttentionBias,
  readCommon,
  readGqa,
  readMoe,
  readPatternSliding,
  uniformLayers,
  withMixers,
} from './readers.js';

export const gptOss: Family = (f, name) => {
  const c = readCommon(f, name);
  // GptOssConfig default layer_types: sliding on even layers, full on odd layers.
  const layout = readPatternSliding(f, c.numLayers, (i) => i % 2 === 0);
  const bias = readAttentionBias(f, true);
  const attention = readGqa(f, {
    qkvBias: bias,
    outputBias: bias,
    headDim: f.positiveInt('head_dim', { fallback: 64, max: MAX.headDim }),
  });
  return {
    ...baseSpec(f, c, {
      // GptOssAttention: one learned sink logit per head.
      attention: { ...attention, sinks: true },
      mlp: {
        intermediateSize: f.positiveInt('intermediate_size', { max: MAX.intermediate }),
        gated: true,
        bias: true,
      },
      layers: withMixers(uniformLayers(c.numLayers, 'moe'), layout.kinds),
    }),
    slidingWindow: layout.window,
    // GptOssExperts: gate_up_proj [E, h, 2I] + bias [E, 2I]; down_proj [E, I, h] + bias [E, h];
    // GptOssTopKRouter: weight [E, h] + bias [E].
    moe: readMoe(f, {
      experts: 'num_local_experts',
      expertSize: 'intermediate_size',
      expertBias: true,
      routerBias: true,
    }),
    activation: f.string('hidden_act', 'swiglu'),
  };
};
