/**
 * AFMoE (`afmoe`: Arcee's Trinity Nano, Mini and Large; transformers `models/afmoe/modeling_afmoe.py`,
 * `configuration_afmoe.py`): gated GQA attention with per-head q/k RMSNorms, three sliding-window
 * layers to one global layer, four RMSNorms per layer (sandwich norm), the first `num_dense_layers`
 * layers a SwiGLU MLP and the rest a sigmoid-routed MoE with shared experts and an expert bias.
 * Scalars (`route_scale`, muP's embedding scale under `mup_enabled`) are not parameters; RoPE, which
 * AfmoeAttention applies on the sliding layers only (the global layers are NoPE), has none either.
 */
import { MAX } from './fields.js';
import { decoder, type Family, HF_KEYS, readPatternSliding, withClassDefaults } from './readers.js';

/** AfmoeConfig's defaults for the keys that shape the layers (configuration_afmoe.py). */
const AFMOE_DEFAULTS = {
  headDim: 128,
  denseLayers: 1,
  sharedExperts: 2,
  globalEvery: 4,
  slidingWindow: 1024,
  positions: 16_384,
} as const;

export const afmoe: Family = (top, name) => {
  // AfmoeSparseMoeBlock.shared_experts = AfmoeMLP(moe_intermediate_size · num_shared_experts), with
  // AfmoeConfig's default of 2 where the key is absent (the shared readers' default is none).
  const f = withClassDefaults(top, { num_shared_experts: AFMOE_DEFAULTS.sharedExperts });
  // AfmoeDecoderLayer: moe_enabled = layer_idx >= num_dense_layers, else AfmoeMLP(intermediate_size).
  const denseLayers = f.int('num_dense_layers', { fallback: AFMOE_DEFAULTS.denseLayers, max: MAX.layers });
  // AfmoeConfig's default layer_types: full when (i + 1) % global_attn_every_n_layers == 0, else sliding.
  const every = f.positiveInt('global_attn_every_n_layers', {
    fallback: AFMOE_DEFAULTS.globalEvery,
    max: MAX.layers,
  });
  return {
    ...decoder(f, name, {
      keys: { ...HF_KEYS, defaultPositions: AFMOE_DEFAULTS.positions },
      // AfmoeAttention: q/k/v/o (bias = attention_bias: AfmoeConfig sets False, a config key
      // overrides it), q_norm/k_norm RMSNorm(head_dim), and gate_proj (h → heads·head_dim, no bias)
      // whose sigmoid gates the attention output elementwise before o_proj: Qwen3-Next's output
      // gate in weights and FLOPs.
      attention: { qkNorm: 'per-head', defaultHeadDim: AFMOE_DEFAULTS.headDim, outputGate: true },
      // layer_types when given; sliding_window's class default 1024 applies when the key is absent.
      layout: (g, n) => readPatternSliding(g, n, (i) => (i + 1) % every !== 0, AFMOE_DEFAULTS.slidingWindow),
      layerMlp: (i) => (i >= denseLayers ? 'moe' : 'dense'),
      // AfmoeSparseMoeBlock: router.gate (h → num_experts, no bias), experts of moe_intermediate_size
      // (gate/up/down, no bias), shared_experts, and expert_bias [num_experts] (a parameter the
      // router adds to the scores to choose experts: DeepSeek-V3's aux-loss-free bias).
      moe: {
        experts: 'num_experts',
        expertSize: 'moe_intermediate_size',
        shared: { countKey: 'num_shared_experts' },
        routerBias: true,
      },
    }),
    // input_layernorm, post_attention_layernorm, pre_mlp_layernorm and post_mlp_layernorm.
    norm: { kind: 'rmsnorm', perLayer: 4 },
  };
};
