/**
 * GraniteMoeShared (`granitemoeshared`, transformers `models/granitemoeshared/modular_granitemoeshared.py`):
 * GraniteMoE's layer (GraniteMoeDecoderLayer: input_layernorm, q/k/v/o with bias = attention_bias,
 * post_attention_layernorm, GraniteMoeMoE of `num_local_experts` gated experts — input_linear
 * [E, 2I, h], output_linear [E, h, I] — routed top-`num_experts_per_tok` by the bias-free
 * GraniteMoeTopKGating) plus, when `shared_intermediate_size` > 0, GraniteMoeSharedMLP on every token
 * beside the experts: input_linear h → 2·shared (gate and up halves) and output_linear shared → h,
 * both without bias. The embedding, attention, residual and logit multipliers are scalars (no
 * parameters); no sliding window.
 */
import type { Json } from './fields.js';
import { decoder, type Family, HF_KEYS, type MoeKeys, withClassDefaults } from './readers.js';

/** GraniteMoeSharedConfig's defaults for the MoE keys; shared_intermediate_size 0 means no shared MLP. */
const GRANITE_MOE_SHARED_DEFAULTS: Json = { num_local_experts: 8, num_experts_per_tok: 2 };

/** GraniteMoeShared's expert keys; GraniteMoeSharedDecoderLayer.shared_mlp is None when shared_intermediate_size == 0. */
export const GRANITE_MOE_SHARED_KEYS: MoeKeys = {
  experts: 'num_local_experts',
  expertSize: 'intermediate_size',
  shared: { sizeKey: 'shared_intermediate_size', count: 1 },
};

export const graniteMoeShared: Family = (top, name) => {
  const f = withClassDefaults(top, GRANITE_MOE_SHARED_DEFAULTS);
  const spec = decoder(f, name, {
    // GraniteMoeSharedConfig: max_position_embeddings defaults to 2048.
    keys: { ...HF_KEYS, defaultPositions: 2048 },
    // GraniteMoeAttention: q/k/v/o, bias = attention_bias (the decoder's default).
    layerMlp: 'moe',
    moe: GRANITE_MOE_SHARED_KEYS,
  });
  // GraniteMoeParallelExperts: each projection one 3D parameter [E, out, in], input_linear fused gate/up.
  return { ...spec, moe: spec.moe && { ...spec.moe, fusedGateUp: true } };
};
