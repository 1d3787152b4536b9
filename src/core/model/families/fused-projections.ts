/**
 * Projections a family's modelling code builds as one matrix (GPT-NeoX `query_key_value`, Phi-3
 * `qkv_proj` and `gate_up_proj`, MPT `Wqkv`, GPT-2 `c_attn`, ChatGLM `dense_h_to_4h`): the counts and
 * FLOPs are those of the separate projections, but an adapter targets the fused module whole.
 */
import type { ModelSpec } from '../spec.js';

/**
 * `spec` with q/k/v and gate/up each one matrix where `parts` says so (GQA attention — the full layers'
 * own attention too, where they have one — and a gated MLP).
 */
export function fused(
  spec: ModelSpec,
  parts: { readonly qkv?: boolean; readonly gateUp?: boolean },
): ModelSpec {
  const a = spec.attention;
  const full = spec.fullAttention;
  return {
    ...spec,
    ...(parts.qkv && a.kind === 'gqa' ? { attention: { ...a, fusedQkv: true } } : {}),
    ...(parts.qkv && full?.kind === 'gqa' ? { fullAttention: { ...full, fusedQkv: true } } : {}),
    ...(parts.gateUp && spec.mlp.gated ? { mlp: { ...spec.mlp, fusedGateUp: true } } : {}),
  };
}
