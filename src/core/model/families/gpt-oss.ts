/** gpt-oss: attention sinks, biased experts and router, alternating sliding layers (modeling_gpt_oss.py). */
import { MAX } from './fields.js';
import { decoder, type Family, readAttentionBias, readPatternSliding } from './readers.js';

export const gptOss: Family = (f, name) => {
  const bias = readAttentionBias(f, true);
  return {
    ...decoder(f, name, {
      // GptOssAttention: one learned sink logit per head.
      attention: { qkvBias: bias, outputBias: bias, defaultHeadDim: 64, sinks: true },
      // GptOssConfig default layer_types: sliding on even layers, full on odd layers.
      layout: (g, n) => readPatternSliding(g, n, (i) => i % 2 === 0),
      mlp: {
        intermediateSize: f.positiveInt('intermediate_size', { max: MAX.intermediate }),
        gated: true,
        bias: true,
      },
      layerMlp: 'moe',
      // GptOssExperts: gate_up_proj [E, h, 2I] + bias [E, 2I]; down_proj [E, I, h] + bias [E, h];
      // GptOssTopKRouter: weight [E, h] + bias [E].
      moe: {
        experts: 'num_local_experts',
        expertSize: 'intermediate_size',
        expertBias: true,
        routerBias: true,
      },
    }),
    activation: f.string('hidden_act', 'swiglu'),
  };
};
