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
 * with `projections: 'mlstm'`, xLSTM's mLSTM (see there): that state plus a normaliser and a stabiliser;
 * with `projections: 'rwkv4'` / `'rwkv5'` / `'rwkv6'` / `'rwkv7'`, an RWKV block's time mix (see there): the WKV
 * state, no conv; with `projections: 'gla'` / `'hgrn'`, HGRN2's gated linear attention or HGRN's
 * element-wise recurrence (see {@link isHgrn}).
 */
export interface GatedDeltaNetSpec {
  readonly numKeyHeads: number;
  readonly numValueHeads: number;
  readonly keyHeadDim: number;
  readonly valueHeadDim: number;
  /**
   * Taps of the causal depthwise conv; 0 for `lightning`, `mlstm` and RWKV, which have none, and for
   * `gla` and `hgrn` without their optional short convs (see {@link hasShortConv}).
   */
  readonly convKernel: number;
  /**
   * Chunk length of the chunked training/prefill form (fla `chunk_gated_delta_rule`: 64; lightning
   * attention's intra/inter block split: MiniMax `block_size`, 256; the mLSTM's `chunk_size`, 64;
   * RWKV-5's and RWKV-6's fla `chunk_rwkv6`, 64; RWKV-7's fla `chunk_dplr_delta_rule`, 16; RWKV-4's WKV kernel
   * scans token by token, 1; HGRN2's fla `chunk_gla`, 64; HGRN's `fused_recurrent_hgrn` scans token
   * by token, 1).
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
   * numKeyHeads = numValueHeads, d_qk and d_v free; `rwkv4` = RWKV-4's time mix (Peng et al. 2023,
   * "RWKV", arXiv:2305.13048, Sec. 3; transformers `RwkvSelfAttention` + `RwkvFeedForward`): see
   * {@link isRwkv}; `rwkv5` = RWKV-5 "Eagle" (Peng et al. 2024, arXiv:2404.05892, Sec. 3; Hub
   * `modeling_rwkv5.py` `RwkvSelfAttention` + `RwkvFeedForward`): see {@link isRwkv}; `rwkv6` = RWKV-6 "Finch" (Peng et al. 2024, "Eagle and Finch", arXiv:2404.05892;
   * Hub `modeling_rwkv6.py` `Rwkv6SelfAttention` + `Rwkv6FeedForward`, fla `RWKV6Attention` +
   * `RWKV6FeedForward`): see {@link isRwkv}; `rwkv7` = RWKV-7 "Goose" (Peng et al. 2025,
   * arXiv:2503.14456; fla `RWKV7Attention` + `RWKV7FeedForward`): see {@link isRwkv}; `gla` = HGRN2's gated linear
   * attention (Qin et al. 2024, "HGRN2", arXiv:2404.07904; fla `HGRN2Attention`): see {@link isHgrn};
   * `hgrn` = HGRN's element-wise gated recurrence (Qin et al. 2023, "HGRN", arXiv:2311.04823; fla
   * `HGRNAttention`, the MatMul-free LM's `HGRNBitAttention`): see {@link isHgrn}. Absent = fused.
   */
  readonly projections?:
    | 'fused'
    | 'split'
    | 'kda'
    | 'lightning'
    | 'mlstm'
    | 'rwkv4'
    | 'rwkv5'
    | 'rwkv6'
    | 'rwkv7'
    | 'gla'
    | 'hgrn';
  /**
   * KDA: rank r of the low-rank channel-wise forget gate (f_a_proj h → r, f_b_proj r → k,
   * dt_bias of k) and output gate (g_a_proj h → r, g_b_proj r → v); Kimi Linear uses r = head_dim.
   * RWKV-7: the rank of g_lora (h → r, sigmoid, r → v, no bias; `gate_low_rank_dim`).
   */
  readonly gateRank?: number;
  /**
   * RWKV-6 and RWKV-7: the rank of the data-dependent decay's LoRA (h → r, tanh, r → k + bias). RWKV-7
   * w_lora (`decay_low_rank_dim`); RWKV-6 time_decay_w1 (h → r), time_decay_w2 (r → k) and time_decay
   * as the bias (Hub: 64, 128 at h = 4096; fla w_proj, `gate_low_rank_dim`).
   */
  readonly decayRank?: number;
  /**
   * RWKV-6 only: m, the rank of the data-dependent token shift (ddlerp): time_maa_w1 (h → 5·m), tanh,
   * time_maa_w2 (5 × (m → h)), one block of m per mix w, k, v, r, g (Hub: 32, 64 at h = 4096; fla
   * x_proj, `proj_low_rank_dim`).
   */
  readonly tokenShiftRank?: number;
  /** RWKV-7 only: the rank of a_lora, the in-context learning rate (h → r, r → k + bias; `a_low_rank_dim`). */
  readonly learningRateRank?: number;
  /**
   * RWKV-7 only: the rank of v_lora, the value residual's mix toward layer 0's value (h → r,
   * r → v + bias; `v_low_rank_dim`). Layer 0 has none ({@link LayerSpec.valueFirst}, read through
   * layerView); absent = no v_lora in any layer.
   */
  readonly valueRank?: number;
  /**
   * KDA only: a full-rank output gate g_proj (h → v) instead of g_a_proj → g_b_proj (Kimi K3
   * `use_full_rank_gate`); the forget gate stays low-rank. Absent = false.
   */
  readonly fullRankOutputGate?: boolean;
  /**
   * KDA only: a full-rank forget gate f_proj (h → k) instead of f_a_proj → f_b_proj (Ling 3.0
   * `no_kda_lora`, mlx-lm `bailing_moe_v3.py` BailingKDA); dt_bias stays. Absent = false.
   */
  readonly fullRankForgetGate?: boolean;
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
  /**
   * `gla` and `hgrn` only: whether g_norm, the RMSNorm in front of o_proj, has its weight (v elements;
   * fla `elementwise_affine`). Absent = true.
   */
  readonly outputNormWeight?: boolean;
}

/**
 * RWKV as a linear-attention variant. Its time mix replaces attention and its channel mix the MLP;
 * `spec.mlp` holds the channel mix's key (h → I) and value (I → h) with the squared ReLU, so the
 * rest of the channel mix — its token-shift mix vectors and RWKV-4's and RWKV-6's receptance gate
 * (h → h) — is counted with the mixer (the MLP spec has no place for them). Token shift keeps each
 * sub-block's last input (the time mix's and the channel mix's: 2·h per layer) beside the WKV state.
 * - `rwkv4`: heads = `attention_hidden_size` channels of d_k = d_v = 1 (the WKV is per channel);
 *   time_mix_key/value/receptance (3·h), key, value, receptance (h → A) and output (A → h), all
 *   bias-free, time_decay and time_first (A); channel mix time_mix_key/receptance (2·h) and
 *   receptance (h → h). State per channel: numerator, denominator and running max (FP32).
 * - `rwkv5`: H heads of d_k = d_v = head_size with k = v = h; time_mix_key/value/receptance/gate
 *   (4·h, a static token shift), receptance, key, value, gate (h → h) and output (h → h), bias-free;
 *   time_decay and the bonus time_faaaa (H·d_k each: a decay per channel, not per token); ln_x as
 *   RWKV-6's; channel mix time_mix_key, time_mix_receptance (2·h) and receptance (h → h). State and
 *   output as RWKV-6's with a constant w.
 * - `rwkv6`: H heads of d_k = head_size with k = h, d_v free (fla `expand_v`); time_maa_x and
 *   time_maa_w/k/v/r/g (6·h; fla x_proj's μ and x_bias), the token-shift LoRA time_maa_w1 (h → 5·m)
 *   and time_maa_w2 (5 × m × h) (`tokenShiftRank`), receptance, key (h → k), value, gate (h → v),
 *   output (v → h), bias-free; the decay LoRA time_decay_w1 (h → d), time_decay_w2 (d → k) with
 *   time_decay (k) (`decayRank`); the bonus time_faaaa (H·d_k); ln_x, a GroupNorm of H groups with
 *   weight and bias (2·v); channel mix time_maa_k, time_maa_r (2·h) and receptance (h → h). State
 *   per head: d_k × d_v (FP32), S ← diag(w)·S + kᵀv, the output r·(S + diag(u)·kᵀv).
 * - `rwkv7`: H heads of d_k = d_v = head_dim with k = v = h; x_r, x_w, x_k, x_v, x_a, x_g (6·h);
 *   r_proj, k_proj (h → k), v_proj (h → v), o_proj (v → h), bias-free; w_lora, a_lora, v_lora
 *   (not on layer 0), g_lora; k_k, k_a (k) and r_k (H·d_k); g_norm, a GroupNorm of H groups with
 *   weight and bias (2·v); channel mix x_k (h). State per head: d_k × d_v (FP32), updated by the
 *   generalised delta rule S ← S·(diag(w) − κ̂ᵀ(a ⊙ κ̂)) + vᵀk.
 */
export const isRwkv = (g: GatedDeltaNetSpec): boolean =>
  g.projections === 'rwkv4' ||
  g.projections === 'rwkv5' ||
  g.projections === 'rwkv6' ||
  g.projections === 'rwkv7';

/**
 * HGRN2 and HGRN as linear-attention variants; neither has an output gate beside g_norm, and both
 * keep their optional bias-free short convs (ShortConvolution, `convKernel` taps; 0 = none).
 * - `gla` (fla `HGRN2Attention`, `chunk_gla` / `fused_recurrent_gla`): H heads with keys of
 *   d_k = expand_ratio and values of d_v; q_proj and f_proj (h → k), i_proj (h → v), short convs over
 *   q, f, i (2·k + v channels); q = swish(q), the forget gate g = logsigmoid(f) raised by the layer's
 *   lower bound, the key k = 1 − exp(g); gated linear attention with a decay per key channel,
 *   S ← diag(exp(g))·S + kᵀi, o = q·S; g_norm, an RMSNorm over all of v (a weight of v), fused with
 *   o_proj (v → h). State per head d_k × d_v (FP32).
 * - `hgrn` (fla `HGRNAttention`; the MatMul-free LM's `HGRNBitAttention`, whose projections are
 *   BitLinear): D = k = v channels of d_k = d_v = 1; i_proj (h → v), f_proj (h → k), g_proj (h → v),
 *   short convs over i and f (k + v channels); f = sigmoid(f) raised by the lower bound,
 *   i = swish(i)·(1 − f), the element-wise recurrence h_t = f_t ⊙ h_{t−1} + i_t; g_norm, an RMSNorm
 *   over D gated by swish (FusedRMSNormSwishGate; a weight of v), o_proj (v → h). State one element per
 *   channel, at the activation dtype (fused_recurrent_hgrn's final state).
 */
export const isHgrn = (g: GatedDeltaNetSpec): boolean => g.projections === 'gla' || g.projections === 'hgrn';

/**
 * Whether a linear mixer has the causal depthwise conv: every variant but lightning attention, the
 * mLSTM and RWKV; HGRN2 and HGRN when their short convs are on (`convKernel` > 0).
 */
export function hasShortConv(g: GatedDeltaNetSpec): boolean {
  if (isHgrn(g)) return g.convKernel > 0;
  return g.projections !== 'lightning' && g.projections !== 'mlstm' && !isRwkv(g);
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
  /**
   * Δ per head rather than per channel, and the SSD scan (PLaMo 2 `Plamo2MambaMixer`): `numHeads` heads of
   * `headDim`; dt_proj rank → heads without bias, dt_bias, a scalar A_log and D per head; B and C of one
   * group shared by all heads. Absent = Mamba-1's per-channel Δ.
   */
  readonly stepPerHead?: boolean;
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
  /**
   * `false`: no out_proj of its own — the scan's output joins the layer's attention output, and the
   * attention's o_proj (numHeads·valueHeadDim → h, its width the scan's d_inner) projects both (Hymba
   * `HymbaBlock`: one out_proj over the averaged, normed attention and SSM outputs). Absent = true.
   */
  readonly outputProjection?: boolean;
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
