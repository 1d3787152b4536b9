/**
 * Granite SWASH: GraniteSWA (`granite_swa`, ibm-granite/granite-swash-2b; transformers
 * `models/granite_swa/modular_granite_swa.py`) and GraniteMoeSWA (`granitemoe_swa`,
 * ibm-granite/granite-swash-3b-a600m; `models/granitemoe_swa/modular_granitemoe_swa.py`).
 *
 * - GraniteSWAAttention (LlamaAttention): q/k/v/o with bias = attention_bias, head_dim = hidden /
 *   heads, and a learned sink per query head (`sinks`, num_attention_heads); a `sliding_attention`
 *   layer attends over the last `sliding_window` (128) tokens. `layer_types` defaults to full
 *   attention where i % 4 == 0.
 * - GraniteSWA: GraniteDecoderLayer — input_layernorm, attention, post_attention_layernorm, GraniteMLP
 *   (gate/up/down, bias = mlp_bias); embeddings tied by default.
 * - GraniteMoeSWA: GraniteMoeSharedDecoderLayer — the same norms and attention, GraniteMoeMoE
 *   (GraniteMoeTopKRouter h → E without bias; experts gate_up_proj [E, 2I, h] and down_proj
 *   [E, h, I]) and, when shared_intermediate_size > 0, GraniteMoeSharedMLP beside it (input_linear
 *   h → 2·shared, output_linear shared → h, no bias).
 *
 * The embedding, attention, residual and logit multipliers are scalars, and `layer_rope_theta`
 * (per-layer RoPE base, 0 = NoPE) chooses rotations: neither holds parameters.
 */
import type { Fields, Json } from './fields.js';
import { GRANITE_MOE_SHARED_KEYS } from './granitemoe-shared.js';
import {
  decoder,
  type Family,
  readGatedMlp,
  readPatternSliding,
  type SlidingLayout,
  withClassDefaults,
} from './readers.js';
import { SUB_CONFIG_DEFAULTS } from './sub-config-defaults.js';

/** GraniteSWAConfig's defaults (the granite-swash-2b shape). */
const GRANITE_SWA_DEFAULTS: Json = {
  vocab_size: 100_352,
  hidden_size: 2560,
  intermediate_size: 8192,
  num_hidden_layers: 24,
  num_attention_heads: 20,
  num_key_value_heads: 4,
  max_position_embeddings: 8192,
  tie_word_embeddings: true,
};

/** GraniteMoeSWAConfig's defaults: GraniteMoeSharedConfig's (LlamaConfig's shape), no shared expert. */
const GRANITE_MOE_SWA_DEFAULTS: Json = {
  ...SUB_CONFIG_DEFAULTS.llama,
  num_local_experts: 8,
  num_experts_per_tok: 2,
  shared_intermediate_size: 0,
};

/** `layer_types`, else full attention where i % 4 == 0; sliding layers of `sliding_window` (default 128). */
const swaLayout = (f: Fields, numLayers: number): SlidingLayout =>
  readPatternSliding(f, numLayers, (i) => i % 4 !== 0, 128);

export const graniteSwa: Family = (top, name) => {
  const f = withClassDefaults(top, GRANITE_SWA_DEFAULTS);
  return decoder(f, name, {
    attention: { sinks: true },
    layout: swaLayout,
    mlp: readGatedMlp(f, 'intermediate_size', f.bool('mlp_bias', false)),
  });
};

export const graniteMoeSwa: Family = (top, name) => {
  const f = withClassDefaults(top, GRANITE_MOE_SWA_DEFAULTS);
  const spec = decoder(f, name, {
    attention: { sinks: true },
    layout: swaLayout,
    layerMlp: 'moe',
    moe: GRANITE_MOE_SHARED_KEYS,
  });
  // The experts' gate and up projections are one packed parameter (gate_up_proj).
  return { ...spec, moe: spec.moe && { ...spec.moe, fusedGateUp: true } };
};
