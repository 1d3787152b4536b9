/**
 * Forward FLOPs per token of the token mixers that are not plain softmax attention, beyond their
 * projection matmuls (those are parameters: 2 FLOPs per weight per token, Kaplan et al. 2020
 * Sec. 2.1, counted with the rest of the layer's weights). Pure functions of the layer spec, for
 * the operation list (src/core/model/operations.ts) to call per layer kind.
 *
 * Modes follow flops.ts: `causal` = a token inside a training/prefill sequence of `contextTokens`
 * with the ½ causal convention; `non-causal` = the full s×s matrix; `decode` = one new token after
 * `contextTokens` cached ones.
 */
import { InternalError } from '../errors.js';
import { isHgrn, isRwkv } from './mixer-specs.js';
import type { GatedDeltaNetSpec, ModelSpec, SparseAttentionSpec, StateSpaceSpec } from './spec.js';

export type AttentionMode = 'causal' | 'non-causal' | 'decode';

/** Vision tokens a `cross` layer attends to, in every mode; a spec with cross layers must say how many. */
export function crossContextTokens(spec: ModelSpec): number {
  if (!spec.crossAttention) throw new InternalError("a 'cross' layer needs spec.crossAttention");
  return spec.crossAttention.contextTokens;
}

/**
 * Mean keys per query of attention limited to the last `limit` keys (a sliding window, or DSA's
 * top-k selection): min(s, limit) per query; causal ½ convention s/2 below the limit, else
 * (limit·s − limit²/2)/s.
 */
export function limitedMeanKeys(contextTokens: number, limit: number, mode: AttentionMode): number {
  if (mode !== 'causal') return Math.min(contextTokens, limit);
  if (contextTokens <= limit) return contextTokens / 2;
  return limit - (limit * limit) / (2 * contextTokens);
}

/**
 * Mean keys per query of chunked attention (Llama 4 iRoPE local layers): a query sees only its own
 * chunk of `chunkTokens`. Over a sequence of s = n·C + r tokens, causal (½ convention):
 * (n·C²/2 + r²/2)/s; non-causal: (n·C² + r²)/s; decode: min(s, C), the chunk's upper bound.
 */
export function chunkedMeanKeys(contextTokens: number, chunkTokens: number, mode: AttentionMode): number {
  if (mode === 'decode') return Math.min(contextTokens, chunkTokens);
  const full = Math.floor(contextTokens / chunkTokens);
  const rest = contextTokens - full * chunkTokens;
  const pairs = full * chunkTokens * chunkTokens + rest * rest;
  return (mode === 'causal' ? pairs / 2 : pairs) / contextTokens;
}

/**
 * DSA sparse attention (DeepSeek-V3.2-Exp report Sec. 2.1, Eq. 1–2): the lightning indexer scores
 * every earlier token, I_{t,s} = Σ_j w_{t,j}·ReLU(q_{t,j}·k_s) — 2·H_I·d_I FLOPs for the dot
 * products plus 2·H_I for the weighted sum per (query, key) — and the main attention attends to
 * the top-k keys only, at `scoreFlopsPerKey` (2·heads·(d_qk + d_v), flops.ts) per key. The block
 * indexer (MiniMax-M3 `MiniMaxM3VLIndexer`) has no head weights: 2·H_I·d_I per (query, key), the
 * max-pool over each block elementwise; its attention reads the selected blocks ({@link sparseMeanKeys}).
 */
export function sparseAttentionFlopsPerToken(
  indexer: SparseAttentionSpec,
  scoreFlopsPerKey: number,
  contextTokens: number,
  mode: AttentionMode,
): { readonly indexerFlops: number; readonly attentionFlops: number } {
  const indexerKeys = mode === 'causal' ? contextTokens / 2 : contextTokens;
  const weightedSum = indexer.blockTokens === undefined ? 1 : 0;
  return {
    indexerFlops: 2 * indexer.numHeads * (indexer.headDim + weightedSum) * indexerKeys,
    attentionFlops: scoreFlopsPerKey * sparseMeanKeys(indexer, contextTokens, mode),
  };
}

/**
 * Mean keys per query the main attention of a sparse layer reads: DSA's top-k tokens
 * ({@link limitedMeanKeys}); with block selection the top-k blocks of B keys, of which the query's
 * own block (always selected: MiniMaxM3VLIndexer's local boost) holds on average (B + 1)/2 earlier
 * keys, so the limit is k·B − (B − 1)/2.
 */
export function sparseMeanKeys(
  indexer: SparseAttentionSpec,
  contextTokens: number,
  mode: AttentionMode,
): number {
  const block = indexer.blockTokens;
  const limit = block === undefined ? indexer.topKTokens : indexer.topKTokens - (block - 1) / 2;
  return limitedMeanKeys(contextTokens, limit, mode);
}

/**
 * Gated DeltaNet mixing FLOPs per token, excluding its projections.
 *
 * Training/prefill use the chunkwise WY form (Yang et al. 2024, "Parallelizing Linear Transformers
 * with the Delta Rule over Sequence Length", arXiv:2406.06484, Sec. 3.2; Gated DeltaNet,
 * arXiv:2412.06464, Sec. 3.3) with chunks of C: per chunk and value head, Q·Kᵀ and K·Kᵀ (C²·d_k
 * each), the triangular inverse T (C³/6), W = T·K (C²·d_k), U = T·V and the masked A·U (C²·d_v
 * each), and the inter-chunk terms Q·S, W·S and Kᵀ·U (C·d_k·d_v each). Per token, in multiply-adds:
 * C·(3·d_k + 2·d_v) + C²/6 + 3·d_k·d_v, ×2 FLOPs, × value heads — linear in the sequence, no s² term.
 * Decode uses the recurrence S ← α·S + β·k(v − Sᵀk)ᵀ, o = Sᵀq: 3·d_k·d_v multiply-adds per head.
 * The causal depthwise conv adds 2·kernel FLOPs per channel (2·k + v channels) in both. The
 * `lightning`, `mlstm`, RWKV and HGRN variants have their own counts ({@link lightningAttentionFlopsPerToken},
 * {@link mlstmFlopsPerToken}, {@link rwkvFlopsPerToken}, {@link hgrnCoreFlopsPerToken}), HGRN's with
 * their optional convs.
 */
export function gatedDeltaNetFlopsPerToken(g: GatedDeltaNetSpec, mode: AttentionMode): number {
  if (g.projections === 'lightning') return lightningAttentionFlopsPerToken(g, mode);
  if (g.projections === 'mlstm') return mlstmFlopsPerToken(g, mode);
  if (isRwkv(g)) return rwkvFlopsPerToken(g, mode);
  if (isHgrn(g)) return gatedDeltaNetConvFlopsPerToken(g) + hgrnCoreFlopsPerToken(g, mode);
  return gatedDeltaNetConvFlopsPerToken(g) + gatedDeltaNetRuleFlopsPerToken(g, mode);
}

/**
 * The recurrence of HGRN2 and HGRN (mixer-specs.ts `isHgrn`), without their convs. HGRN2 (`gla`; fla
 * `chunk_gla`, `fused_recurrent_gla`) is chunked gated linear attention, counted as lightning
 * attention is ({@link lightningAttentionFlopsPerToken}): chunks of C = `chunkTokens` (64), per chunk
 * and head `chunk_fwd_h`'s Kᵀ·V (C·d_k·d_v), `chunk_gla_fwd_intra_gk`'s decayed Q·Kᵀ (C²·d_k, counted
 * in full though it skips the sub-blocks above the diagonal) and `chunk_gla_fwd_o_gk`'s Q·S and
 * masked A·V (C·d_k·d_v + C²·d_v): C·(d_k + d_v) + 2·d_k·d_v multiply-adds per token; decode
 * (`fused_recurrent_gla`): S ← diag(exp(g))·S + kᵀv and q·S, 2·d_k·d_v per head; the decay and the
 * in-chunk cumulative gate are elementwise, not counted. HGRN (`hgrn`; `fused_recurrent_hgrn`, which
 * HGRNBitAttention asserts, h ← g·h + x) scans each channel token by token in every mode: one
 * multiply-add per state element, 2·H·d_k·d_v = 2·D FLOPs per token (the gates elementwise, not counted).
 */
export function hgrnCoreFlopsPerToken(g: GatedDeltaNetSpec, mode: AttentionMode): number {
  if (g.projections === 'gla') return lightningAttentionFlopsPerToken(g, mode);
  return g.numValueHeads * 2 * g.keyHeadDim * g.valueHeadDim;
}

/**
 * Lightning attention (MiniMax `MiniMaxLightningAttention`; Qin et al. 2024, "Lightning Attention-2",
 * arXiv:2401.04658, Alg. 1; MiniMax-01 report, arXiv:2501.08313, Sec. 2), linear attention with a
 * fixed per-head decay, no conv. Training/prefill tile the sequence into blocks of B = `chunkTokens`:
 * per block and head the intra-block [(Q·Kᵀ) ⊙ M]·V (B²·d_k + B²·d_v, the masked block in full), the
 * inter-block (Q ⊙ λ)·KV (B·d_k·d_v) and the state update KV ← λ^B·KV + (K ⊙ λ)ᵀ·V (B·d_k·d_v): per
 * token B·(d_k + d_v) + 2·d_k·d_v multiply-adds, ×2 FLOPs, × heads (the decays are elementwise, not
 * counted). Decode runs the recurrence KV ← λ·KV + kᵀv, o = q·KV: 2·d_k·d_v multiply-adds per head.
 */
export function lightningAttentionFlopsPerToken(g: GatedDeltaNetSpec, mode: AttentionMode): number {
  const dk = g.keyHeadDim;
  const dv = g.valueHeadDim;
  if (mode === 'decode') return g.numValueHeads * 2 * 2 * dk * dv;
  return g.numValueHeads * 2 * (g.chunkTokens * (dk + dv) + 2 * dk * dv);
}

/**
 * The mLSTM cell (Beck et al. 2024, "xLSTM", arXiv:2405.04517, Sec. 2.3; transformers
 * `mlstm_chunkwise_recurrent_fw_C`, `mlstm_chunkwise_parallel_fw_H`, `mlstm_recurrent_step_native`).
 * Its normaliser n is C's extra value column of ones (n ← f·n + i·k beside C ← f·C + i·k·vᵀ, and
 * q·n beside q·C), so it counts as d_v + 1 values. Chunks of C = `chunkTokens`, per chunk and head:
 * Kᵀ·V and Kᵀ·1 into the next C and n (C·d_qk·(d_v + 1)), Q·Kᵀ (C²·d_qk), the gated (S ⊙ D)·V and
 * its row sum (C²·(d_v + 1)), Q·C and Q·n of the chunk's start (C·d_qk·(d_v + 1)): per token
 * C·(d_qk + d_v + 1) + 2·d_qk·(d_v + 1) multiply-adds, ×2 FLOPs, × heads (gates, decays, the
 * stabiliser m, the max and the division are elementwise, not counted). Decode runs the step:
 * C, n ← f·(C, n) + i·k·(v, 1)ᵀ and q·(C, n), 2·d_qk·(d_v + 1) multiply-adds per head.
 */
export function mlstmFlopsPerToken(g: GatedDeltaNetSpec, mode: AttentionMode): number {
  const dk = g.keyHeadDim;
  const dv = g.valueHeadDim + 1;
  if (mode === 'decode') return g.numValueHeads * 2 * 2 * dk * dv;
  return g.numValueHeads * 2 * (g.chunkTokens * (dk + dv) + 2 * dk * dv);
}

/**
 * The WKV of RWKV. RWKV-4 (transformers `rwkv_linear_attention_cpu`, `wkv_cuda.cu`; Peng et al. 2023,
 * arXiv:2305.13048, Eq. 14–16) scans each channel token by token in every mode: the output's
 * numerator and denominator (e1·num + e2·v, e1·den + e2) and the state's (the same with the decay),
 * 4 multiply-adds per channel (the exponentials, max and division are elementwise, not counted).
 * RWKV-6 and RWKV-5 (whose decay is per channel, not per token: the same kernel with w fixed) (fla
 * `chunk_rwkv6`, which the Hub code calls through rwkvfla; S ← diag(w)·S + kᵀv,
 * o = r·(S + diag(u)·kᵀv); Peng et al. 2024, arXiv:2404.05892) is chunked gated linear attention,
 * counted as lightning attention is ({@link lightningAttentionFlopsPerToken}): chunks of
 * C = `chunkTokens` (64), per chunk and head `chunk_fwd_h`'s Kᵀ·V (C·d_k·d_v),
 * `chunk_rwkv6_fwd_intra`'s decayed Q·Kᵀ with the bonus on its diagonal (C²·d_k, counted in full
 * though it skips the sub-blocks above the diagonal) and `chunk_gla_fwd_o_gk`'s Q·S and masked A·V
 * (C·d_k·d_v + C²·d_v): C·(d_k + d_v) + 2·d_k·d_v multiply-adds per token. Decode
 * (`fused_recurrent_rwkv6`): kᵀv and r·S, 2·d_k·d_v per head. The decay, the bonus and the
 * in-chunk cumulative decay are elementwise, not counted (`chunk_rwkv6_fwd_cumsum` runs the last as
 * masked C × C products, for chunk_rwkv7 too).
 * RWKV-7 (fla `chunk_rwkv7` → `chunk_dplr_delta_rule`, the diagonal-plus-low-rank delta rule
 * S ← S·(diag(w) + aᵀb) + vᵀk with a = −κ̂, b = κ̂ ⊙ a; Peng et al. 2025, arXiv:2503.14456): chunks of
 * C = `chunkTokens`, per chunk and head the four products A_qk, A_qb, A_ak, A_ab (C²·d_k each), the
 * triangular inverse of I − A_ab (C³/6), W = T·A_g (C²·d_k), U = T·(A_ak·V) (2·C²·d_v), the
 * inter-chunk V_new = U + W·S, S ← S + Kᵀ·V + Bᵀ·V_new and R·S (4·C·d_k·d_v) and the intra-chunk
 * A_qk·V + A_qb·V_new (2·C²·d_v): per token C·(5·d_k + 4·d_v) + C²/6 + 4·d_k·d_v multiply-adds.
 * Decode (fla `fused_mul_recurrent_rwkv7`): S·a, the rank-one S·a·bᵀ and vᵀk, S·r: 4·d_k·d_v per head
 * (the decay diag(w) is elementwise). ×2 FLOPs, × heads.
 */
export function rwkvFlopsPerToken(g: GatedDeltaNetSpec, mode: AttentionMode): number {
  const dk = g.keyHeadDim;
  const dv = g.valueHeadDim;
  if (g.projections === 'rwkv4') return g.numValueHeads * 2 * 4;
  if (g.projections === 'rwkv5' || g.projections === 'rwkv6') return lightningAttentionFlopsPerToken(g, mode);
  if (mode === 'decode') return g.numValueHeads * 2 * 4 * dk * dv;
  const c = g.chunkTokens;
  return g.numValueHeads * 2 * (c * (5 * dk + 4 * dv) + (c * c) / 6 + 4 * dk * dv);
}

/**
 * Channels of a linear mixer's causal depthwise conv: q, k and v (2·k + v; HGRN2's q, f and i); HGRN's
 * i and f alone (k + v).
 */
export function linearConvChannels(g: GatedDeltaNetSpec): number {
  const keyWidth = g.numKeyHeads * g.keyHeadDim;
  return (g.projections === 'hgrn' ? 1 : 2) * keyWidth + g.numValueHeads * g.valueHeadDim;
}

/** The causal depthwise conv of Gated DeltaNet (and HGRN's): 2·kernel FLOPs per channel ({@link linearConvChannels}). */
export function gatedDeltaNetConvFlopsPerToken(g: GatedDeltaNetSpec): number {
  return 2 * g.convKernel * linearConvChannels(g);
}

/** The gated delta rule alone (chunked WY form, or the decode recurrence), all value heads. */
export function gatedDeltaNetRuleFlopsPerToken(g: GatedDeltaNetSpec, mode: AttentionMode): number {
  const dk = g.keyHeadDim;
  const dv = g.valueHeadDim;
  if (mode === 'decode') return g.numValueHeads * 2 * 3 * dk * dv;
  const c = g.chunkTokens;
  const macs = c * (3 * dk + 2 * dv) + (c * c) / 6 + 3 * dk * dv;
  return g.numValueHeads * 2 * macs;
}

/**
 * State-space mixing FLOPs per token, excluding its projections. Mamba-2 SSD (Dao & Gu 2024,
 * "Transformers are SSMs", arXiv:2405.21060, Sec. 6 and Listing 1), with chunks of Q: the diagonal
 * blocks C·Bᵀ (Q·N per token per group) and their product with X (Q·P per token per head), the chunk
 * states Bᵀ·X and the state-to-output C·h (N·P each per token per head). Decode runs the recurrence
 * h ← a·h + B·x, y = C·h: 2·N·P multiply-adds per head. Mamba-1 (selective scan, see
 * {@link stateSpaceScanFlopsPerToken}) runs its recurrence in every mode. The depthwise conv adds
 * 2·kernel FLOPs per channel in both.
 */
export function stateSpaceFlopsPerToken(m: StateSpaceSpec, mode: AttentionMode): number {
  return stateSpaceConvFlopsPerToken(m) + stateSpaceScanFlopsPerToken(m, mode);
}

/**
 * Channels of the depthwise conv: Mamba-2 convolves x, B and C (H·P + 2·G·N), Mamba-1 x alone
 * (d_inner; Gu & Dao 2023 Fig. 3).
 */
export function stateSpaceConvChannels(m: StateSpaceSpec): number {
  const inner = m.numHeads * m.headDim;
  return m.selective ? inner : inner + 2 * m.numGroups * m.stateSize;
}

/** The depthwise conv: 2·kernel FLOPs per channel. */
export function stateSpaceConvFlopsPerToken(m: StateSpaceSpec): number {
  return 2 * m.convKernel * stateSpaceConvChannels(m);
}

/**
 * The scan alone, all heads. Mamba-2: the chunked SSD form, or the decode recurrence. Mamba-1: the
 * recurrence of mamba_ssm `selective_scan_ref` in every mode, per channel and state element
 * exp(Δ·A) (1 multiply, the exp not counted), Δ·B·x (2), h ← Ā·h + B̄x (2), y = C·h (2): 7·D·N; with
 * Δ per head (PLaMo 2) the SSD form, one group.
 */
export function stateSpaceScanFlopsPerToken(m: StateSpaceSpec, mode: AttentionMode): number {
  const p = m.headDim;
  const n = m.stateSize;
  if (m.selective && !m.selective.stepPerHead) return 7 * m.numHeads * p * n;
  if (mode === 'decode') return m.numHeads * 2 * 2 * n * p;
  const q = m.chunkTokens;
  return 2 * (m.numHeads * (q * p + 2 * n * p) + m.numGroups * q * n);
}
