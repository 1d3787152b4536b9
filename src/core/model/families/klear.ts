/**
 * Kwai Klear (`Klear`, KlearMoeForCausalLM: Kwai-Klear/Klear-46B-A2.5B-Base and -Instruct, 2025-09).
 * The checkpoint's remote code is not in the stored index; read from its port ml-explore/mlx-lm
 * `mlx_lm/models/Klear.py` (KlearAttention, KlearMLP, KlearSparseMoeBlock, KlearDecoderLayer), which a
 * third-party Rust port (mlxcel `models/klear`) follows tensor for tensor against the checkpoint:
 * - embed_tokens [V, h]; lm_head [V, h] (bias-free; tied only if `tie_word_embeddings`); model.norm.
 * - Per layer: input_layernorm and post_attention_layernorm (RMSNorm h); q/k/v/o_proj with bias per
 *   `attention_bias`, head_dim = hidden_size / num_attention_heads (no `head_dim` key: the port's
 *   checkpoint has q_norm [64] at hidden 2048 and 32 heads), per-head q_norm and k_norm (RMSNorm d).
 * - MLP: Qwen3-MoE's schedule (sparse when the layer is not in `mlp_only_layers` and
 *   (i + 1) % `decoder_sparse_step` == 0), else a SwiGLU of `intermediate_size`. A sparse layer holds
 *   the gate (h → E, no bias), a per-expert `expert_bias` [E] (selection only, saved with the
 *   weights), E SwiGLU experts of `moe_intermediate_size` top-`num_experts_per_tok` (sigmoid scores),
 *   one shared SwiGLU of `moe_intermediate_size` × `n_shared_experts`, and `coefficient`, a
 *   Linear(h, 2) with bias whose softmax blends the routed and shared outputs per token.
 * `routed_scaling_factor` (2.5 in the release) is read by no implementation and scales nothing.
 */
import type { LayerExtrasSpec, LayerSpec } from '../spec.js';
import { MAX } from './fields.js';
import { readQwenSparseLayers } from './qwen3.js';
import { decoder, type Family, withClassDefaults } from './readers.js';

/** The mlx-lm port's defaults for the keys a Klear config might omit (the release writes them all). */
const KLEAR_DEFAULTS = {
  decoder_sparse_step: 1,
  norm_topk_prob: true,
  tie_word_embeddings: false,
  max_position_embeddings: 65_536,
} as const;

/** KlearSparseMoeBlock.coefficient: Linear(h, 2) with bias, run on every token of a sparse layer. */
function coefficientExtras(hidden: number): LayerExtrasSpec {
  return {
    modules: 'mlp.coefficient',
    params: 2 * hidden + 2,
    gemms: [{ name: 'coefficient', n: 2, k: hidden }],
  };
}

/** KlearMoeForCausalLM (see the file comment). */
export const klear: Family = (top, name) => {
  const f = withClassDefaults(top, KLEAR_DEFAULTS);
  const spec = decoder(f, name, {
    attention: { qkNorm: 'per-head', headDim: f.divide('hidden_size', 'num_attention_heads', MAX.hidden) },
    layerMlp: f.int('num_experts', { fallback: 0, max: MAX.experts }) > 0 ? readQwenSparseLayers(f) : 'dense',
    moe: { experts: 'num_experts', expertSize: 'moe_intermediate_size', routerBias: true },
  });
  if (spec.moe === null) return spec;
  // shared_experts: one KlearMLP of moe_intermediate_size × n_shared_experts (built even at 0: no weights).
  const shared = f.int('n_shared_experts', { fallback: 0, max: MAX.experts });
  const moe = spec.moe;
  const extras = coefficientExtras(spec.hiddenSize);
  const layers = spec.layers.map((l): LayerSpec => (l.mlp === 'moe' ? { ...l, extras } : l));
  return {
    ...spec,
    layers,
    moe: {
      ...moe,
      numSharedExperts: shared > 0 ? 1 : 0,
      sharedIntermediateSize: shared * moe.expertIntermediateSize,
    },
  };
};
