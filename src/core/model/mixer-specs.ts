/**
 * The token mixers other than softmax attention, and the sparse indexer in front of it: their
 * shapes as `ModelSpec` carries them (`sparseAttention`, `linearAttention`, `stateSpace`,
 * `shortConv`). Re-exported by spec.ts.
 */
/**
 * A lightning indexer in front of sparse attention. DSA (DeepSeek-V3.2-Exp report Sec. 2.1, Eq. 1):
 * per query, `numHeads` small heads of `headDim` score every earlier token against one cached
 * indexer key of `headDim`, weighted per head; the main MLA then attends to the `topKTokens` best.
 * Block selection (`blockTokens` set; MiniMax-M3, transformers `MiniMaxM3VLIndexer`): index_q_proj
 * (h → heads·d) and index_k_proj (h → d, one key per token, cached) with per-head RMSNorms and no head
 * weights; the scores are max-pooled over blocks of `blockTokens` keys and the main GQA attention
 * reads the top `topKTokens / blockTokens` blocks (the query's own block always among them).
 */
export interface SparseAttentionSpec {
  readonly numHeads: number;
  readonly headDim: number;
  /** Keys the main attention reads per query: DSA's `index_topk`, or top-k blocks × `blockTokens`. */
  readonly topKTokens: number;
  /** Block selection of `blockTokens` keys per block (MiniMax-M3); absent = DSA token selection. */
  readonly blockTokens?: number;
}

/**
 * Gated DeltaNet (Yang et al. 2024, "Gated Delta Networks", Eq. 10; Qwen3-Next `Qwen3NextGatedDeltaNet`):
 * q/k of `numKeyHeads × keyHeadDim`, v of `numValueHeads × valueHeadDim`, a causal depthwise conv of
 * `convKernel` over q, k and v, and a per-value-head state of `keyHeadDim × valueHeadDim`. With
 * `projections: 'lightning'`, MiniMax's lightning attention (see there): the same state, no conv;
 * with `projections: 'mlstm'`, xLSTM's mLSTM (see there): that state plus a normaliser and a stabiliser.
 */
export interface GatedDeltaNetSpec {
  readonly numKeyHeads: number;
  readonly numValueHeads: number;
  readonly keyHeadDim: number;
  readonly valueHeadDim: number;
  /** Taps of the causal depthwise conv; 0 for `lightning` and `mlstm`, which have none (see {@link hasShortConv}). */
  readonly convKernel: number;
  /**
   * Chunk length of the chunked training/prefill form (fla `chunk_gated_delta_rule`: 64; lightning
   * attention's intra/inter block split: MiniMax `block_size`, 256; the mLSTM's `chunk_size`, 64).
   */
  readonly chunkTokens: number;
  /** Bytes per element of the recurrent state (`mamba_ssm_dtype`: 4 for float32, 2 for bf16). */
  readonly stateBytesPerElement: number;
  /**
   * How the input projections are split into modules (same parameters either way, but LoRA adapts
   * each module): `fused` = in_proj_qkvz (h → 2k + 2v) and in_proj_ba (h → 2·heads) (Qwen3-Next);
   * `split` = in_proj_qkv, in_proj_z, in_proj_b, in_proj_a (Qwen3.5); `kda` = Kimi Delta Attention
   * (Kimi Linear `KimiDeltaAttention`): q_proj, k_proj, v_proj, b_proj (h → Hv), and low-rank
   * forget and output gates (see `gateRank`) — different parameters, same state; `lightning` =
   * MiniMax's lightning attention (MiniMax-Text-01 / M1 `MiniMaxLightningAttention`; Qin et al. 2024,
   * "Lightning Attention-2", arXiv:2401.04658): qkv_proj (h → 2k + v) and SiLU, linear attention
   * with a fixed per-head exponential decay (no conv, no learned gate, no β), an RMSNorm over v,
   * a sigmoid output gate output_gate (h → v) and out_proj (v → h); numKeyHeads = numValueHeads and
   * keyHeadDim = valueHeadDim; `mlstm` = xLSTM's mLSTM (Beck et al. 2024, "xLSTM", arXiv:2405.04517,
   * Sec. 2.3; transformers `xLSTMLayer`, NX-AI/xLSTM-7b): query and key (h → H·d_qk), value and
   * ogate_preact (h → H·d_v), igate_preact and fgate_preact (h → H each, with bias), per head a matrix
   * memory C (d_qk × d_v) with an exponential input gate and a sigmoid forget gate, a normaliser n
   * (d_qk) and a stabiliser m (one), multihead_norm (per-head LayerNorm, a weight of H·d_v),
   * sigmoid(ogate) × the normed output, out_proj (H·d_v → h); no conv, no activation on q/k/v;
   * numKeyHeads = numValueHeads, d_qk and d_v free. Absent = fused.
   */
  readonly projections?: 'fused' | 'split' | 'kda' | 'lightning' | 'mlstm';
  /**
   * KDA only: rank r of the low-rank channel-wise forget gate (f_a_proj h → r, f_b_proj r → k,
   * dt_bias of k) and output gate (g_a_proj h → r, g_b_proj r → v); Kimi Linear uses r = head_dim.
   */
  readonly gateRank?: number;
  /**
   * KDA only: a full-rank output gate g_proj (h → v) instead of g_a_proj → g_b_proj (Kimi K3
   * `use_full_rank_gate`); the forget gate stays low-rank. Absent = false.
   */
  readonly fullRankOutputGate?: boolean;
  /**
   * mLSTM only: `use_bias`, a bias on query, key, value, ogate_preact (their widths), out_proj (h)
   * and multihead_norm (H·d_v) (transformers `xLSTMLayer`). The gates' biases are always there.
   * Absent = false.
   */
  readonly bias?: boolean;
  /**
   * mLSTM only: `weight_mode: "fused"`, query, key, value and ogate_preact as one module qkv_opreact
   * (h → 2·H·d_qk + 2·H·d_v) and the gates as ifgate_preact (h → 2·H): the same parameters, but LoRA
   * adapts qkv_opreact whole. Absent = false (`"single"`).
   */
  readonly fusedProjections?: boolean;
}

/** Whether a linear mixer has the causal depthwise conv (every variant but lightning attention and the mLSTM). */
export function hasShortConv(g: GatedDeltaNetSpec): boolean {
  return g.projections !== 'lightning' && g.projections !== 'mlstm';
}

/**
 * Mamba-1's selective scan (Gu & Dao 2023, "Mamba", arXiv:2312.00752, Sec. 3.2 Alg. 2; transformers
 * `MambaMixer`, `JambaMambaMixer`): a per-channel step Δ from a low-rank projection (x_proj → Δ, B, C;
 * dt_proj rank → d_inner), B and C of `stateSize` shared by all channels, the conv over x alone, the
 * output gated by SiLU(z) without a norm. In its {@link StateSpaceSpec}, `numHeads` is d_inner (one
 * SSM per channel, `headDim` 1, one group) and `chunkTokens` the scan kernel's chunk.
 */
export interface SelectiveScanSpec {
  /** Rank of the Δ projection (`time_step_rank`, `mamba_dt_rank`; "auto" = ⌈hidden / 16⌉). */
  readonly timeStepRank: number;
  /** Learnable RMSNorms on Δ, B and C (Jamba `dt_layernorm`, `b_layernorm`, `c_layernorm`). */
  readonly innerNorms: boolean;
}

/**
 * A state-space mixer. Mamba-2 (Dao & Gu 2024, "Transformers are SSMs", Sec. 7 and Listing 1;
 * Nemotron-H `NemotronHMamba2Mixer`): inner width `numHeads × headDim`, `numGroups` groups of B and
 * C of `stateSize`, a depthwise conv of `convKernel`, a state of `numHeads × headDim × stateSize`.
 * With `selective`, Mamba-1 (see {@link SelectiveScanSpec}).
 */
export interface StateSpaceSpec {
  readonly numHeads: number;
  readonly headDim: number;
  readonly stateSize: number;
  readonly numGroups: number;
  readonly convKernel: number;
  /** SSD chunk length (`chunk_size`). */
  readonly chunkTokens: number;
  /** Bias on in_proj and out_proj (`use_bias`). */
  readonly projBias: boolean;
  /** Bias on the conv (`use_conv_bias`). */
  readonly convBias: boolean;
  /** Bytes per element of the SSM state (`mamba_ssm_cache_dtype`: 4 for float32, else 2). */
  readonly stateBytesPerElement: number;
  /**
   * The gated RMSNorm(d_in) before out_proj; `false` = y·SiLU(z) without a norm weight (Falcon-H1
   * `mamba_rms_norm: false`). Absent = true.
   */
  readonly gatedNorm?: boolean;
  /** Mamba-1 (selective scan) instead of Mamba-2 (SSD); absent = Mamba-2. */
  readonly selective?: SelectiveScanSpec;
}

/**
 * Gated short convolution (LFM2 `Lfm2ShortConv`, Liquid AI 2025): in_proj (h → 3·h: B, C, x), a
 * causal depthwise conv of `convKernel` (`conv_L_cache`) over B·x, the output C·conv, out_proj
 * (h → h); `bias` on all three. Its state per sequence is the last `convKernel − 1` inputs.
 */
export interface ShortConvSpec {
  readonly convKernel: number;
  readonly bias: boolean;
}
