/**
 * What activation recomputation re-runs: the share of each part of a layer's forward pass that runs
 * again before its backward pass, by recomputation mode and the stack's selective policy.
 */
import type { RecomputeMode, RecomputeModule } from '../parallelism/layout.js';

/** The parts of a stage's pass that step-time.ts times apart. */
export type StagePart =
  | 'gemm'
  | 'attention'
  | 'elementwise'
  | 'dequantize'
  | 'tp'
  | 'cp'
  | 'ep'
  | 'experts'
  | 'mlaUpProjections'
  | 'denseMlp'
  | 'sharedExperts';

/** Parts that are subsets of `gemm` (timed apart so a module can re-run them alone), not added to totals. */
export const GEMM_SUBSETS = ['experts', 'mlaUpProjections', 'denseMlp', 'sharedExperts'] as const;

/** What `recompute: selective` keeps (StackMemory.selectiveCheckpoint). */
export type SelectivePolicy = 'attention' | 'ops';

const NONE: Readonly<Record<StagePart, number>> = {
  gemm: 0,
  attention: 0,
  elementwise: 0,
  dequantize: 0,
  tp: 0,
  cp: 0,
  ep: 0,
  experts: 0,
  mlaUpProjections: 0,
  denseMlp: 0,
  sharedExperts: 0,
};
const ALL: Readonly<Record<StagePart, number>> = {
  gemm: 1,
  attention: 1,
  elementwise: 1,
  dequantize: 1,
  tp: 1,
  cp: 1,
  ep: 1,
  experts: 1,
  mlaUpProjections: 1,
  denseMlp: 1,
  sharedExperts: 1,
};
/**
 * torchtitan's per-op policy (parallelize_llama.py `_get_custom_policy`, selective_ac_option "op"):
 * SDPA, reduce-scatter and every other matmul are saved, the rest recomputed. The matmul counter runs
 * on across layers, so with an odd count per layer (Llama: q, k, v, o, gate, up, down) consecutive
 * layers recompute complementary halves: half the matmul FLOPs on average, with the all-gathers that
 * feed them under sequence parallelism; every element-wise op runs again.
 */
const OPS: Readonly<Record<StagePart, number>> = {
  ...NONE,
  gemm: 0.5,
  experts: 0.5,
  mlaUpProjections: 0.5,
  denseMlp: 0.5,
  sharedExperts: 0.5,
  dequantize: 0.5,
  tp: 0.5,
  elementwise: 1,
};

/**
 * What each Megatron-Core recompute module re-runs: `moe` the MoE layer's forward (its routed experts'
 * GEMMs and the dispatch and combine all-to-all; router and permutation are small and not timed apart),
 * `mla_up_proj` MLA's q and kv up-projections, `mlp` the dense MLP's GEMMs, `shared_experts` the shared
 * experts' GEMMs. The norms and activation functions (`layernorm`, `moe_act`, and the activations inside
 * `mlp` and `shared_experts`) are element-wise kernels of a few bytes per token, not timed apart.
 */
const MODULE_SHARES: Readonly<Partial<Record<RecomputeModule, Partial<Record<StagePart, number>>>>> = {
  // The MoE layer's checkpoint runs its shared experts too (Megatron-Core MoELayer.custom_forward).
  moe: { experts: 1, ep: 1, sharedExperts: 1 },
  mla_up_proj: { mlaUpProjections: 1 },
  mlp: { denseMlp: 1 },
  shared_experts: { sharedExperts: 1 },
};

/**
 * Share of each forward part re-run before the backward pass. Full: the whole forward (Korthikanti
 * et al. 2022, Sec. 4; under partial recomputation step-time.ts scales it by the stage's recomputed share).
 * Selective, Megatron's policy: the attention core, which FlashAttention's
 * backward already recomputes from its saved statistics, so nothing more is timed (Sec. 5); the
 * per-op policy: {@link OPS}. Named Megatron modules replace the policy, each re-running its part
 * ({@link MODULE_SHARES}).
 */
export function recomputeShares(
  mode: RecomputeMode,
  policy: SelectivePolicy = 'attention',
  modules?: readonly RecomputeModule[],
): Readonly<Record<StagePart, number>> {
  if (mode === 'full') return ALL;
  if (mode !== 'selective') return NONE;
  if (modules !== undefined) return Object.assign({ ...NONE }, ...modules.map((m) => MODULE_SHARES[m] ?? {}));
  return policy === 'ops' ? OPS : NONE;
}

/**
 * Seconds of a forward part re-run before the backward at `shares`: the routed experts' GEMMs are a subset
 * of gemm, so gemm's other GEMMs re-run at its share and the experts' at theirs.
 */
export function recomputedSeconds(
  shares: Readonly<Record<StagePart, number>>,
  forward: Readonly<Record<StagePart, number>>,
  part: StagePart,
): number {
  if (part !== 'gemm') return shares[part] * forward[part];
  // gemm's subsets re-run at their own shares, the rest of gemm at its.
  const subsets = GEMM_SUBSETS.reduce((sum, k) => sum + forward[k], 0);
  return (
    shares.gemm * (forward.gemm - subsets) + GEMM_SUBSETS.reduce((sum, k) => sum + shares[k] * forward[k], 0)
  );
}
