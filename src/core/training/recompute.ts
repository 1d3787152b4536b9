/**
 * What activation recomputation re-runs: the share of each part of a layer's forward pass that runs
 * again before its backward pass, by recomputation mode and the stack's selective policy.
 */
import type { RecomputeMode, RecomputeModule } from '../parallelism/layout.js';

/** The parts of a stage's pass that step-time.ts times apart. */
export type StagePart = 'gemm' | 'attention' | 'elementwise' | 'dequantize' | 'tp' | 'cp' | 'ep' | 'experts';

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
  dequantize: 0.5,
  tp: 0.5,
  elementwise: 1,
};

/**
 * Megatron-Core's `moe` recompute module: the MoE layer's forward again (its routed experts' GEMMs and the
 * dispatch and combine all-to-all; router and permutation are small and not timed apart).
 */
const MOE_LAYER: Readonly<Record<StagePart, number>> = { ...NONE, experts: 1, ep: 1 };

/**
 * Share of each forward part re-run before the backward pass. Full: the whole forward (Korthikanti
 * et al. 2022, Sec. 4). Selective, Megatron's policy: the attention core, which FlashAttention's
 * backward already recomputes from its saved statistics, so nothing more is timed (Sec. 5); the
 * per-op policy: {@link OPS}. Named Megatron modules replace the policy: `moe` re-runs the MoE layer
 * ({@link MOE_LAYER}); the norms and the experts' activation function are element-wise kernels of a
 * few bytes per token, not timed apart.
 */
export function recomputeShares(
  mode: RecomputeMode,
  policy: SelectivePolicy = 'attention',
  modules?: readonly RecomputeModule[],
): Readonly<Record<StagePart, number>> {
  if (mode === 'full') return ALL;
  if (mode !== 'selective') return NONE;
  if (modules !== undefined) return modules.includes('moe') ? MOE_LAYER : NONE;
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
  return part === 'gemm'
    ? shares.gemm * (forward.gemm - forward.experts) + shares.experts * forward.experts
    : shares[part] * forward[part];
}
