/**
 * Parameters of one norm, one MLP (or expert), one MoE block and of the recurrent token mixers (Gated
 * DeltaNet, Kimi Delta Attention, lightning attention, the mLSTM, RWKV, HGRN2 and HGRN, Mamba-2 and Mamba-1, LFM2's
 * short convolution), per layer; summed per model by param-count.ts.
 */
import { linearConvChannels, stateSpaceConvChannels } from './layer-kinds.js';
import { isHgrn, isRwkv } from './mixer-specs.js';
import type {
  GatedDeltaNetSpec,
  MlpSpec,
  ModelSpec,
  MoeSpec,
  ShortConvSpec,
  StateSpaceSpec,
} from './spec.js';

/** One Linear (or 1×1 convolution): its weight and, with `bias`, its bias (encoders, projectors). */
export const linearParams = (inputs: number, outputs: number, bias = true): number =>
  inputs * outputs + (bias ? outputs : 0);

/** One LayerNorm with its bias (encoders, projectors; a decoder's norms: normParams). */
export const layerNormParams = (width: number): number => 2 * width;

/** One MLP (or one expert) of intermediate size `intermediate`. */
export function mlpParams(hidden: number, intermediate: number, gated: boolean, bias: boolean): number {
  const matrices = (gated ? 3 : 2) * hidden * intermediate;
  const biases = bias ? (gated ? 2 : 1) * intermediate + hidden : 0;
  return matrices + biases;
}

/**
 * Gated DeltaNet (Qwen3NextGatedDeltaNet): in_proj_qkvz (h → 2·k + 2·v), in_proj_ba (h → 2·Hv), a
 * depthwise conv1d over q, k, v (no bias), dt_bias and A_log (Hv each), RMSNormGated(d_v), out_proj
 * (v → h); k = Hk·d_k, v = Hv·d_v.
 */
export function gatedDeltaNetParams(hidden: number, g: GatedDeltaNetSpec): number {
  const keyWidth = g.numKeyHeads * g.keyHeadDim;
  const valueWidth = g.numValueHeads * g.valueHeadDim;
  const convChannels = 2 * keyWidth + valueWidth;
  if (g.projections === 'lightning') {
    // MiniMaxLightningAttention (transformers modular_minimax.py): qkv_proj (h → 2k + v), output_gate
    // (h → v), norm RMSNorm(v), out_proj (v → h), all bias-free; the decay rates are buffers.
    return hidden * convChannels + hidden * valueWidth + valueWidth + valueWidth * hidden;
  }
  if (g.projections === 'mlstm') return mlstmParams(hidden, g);
  if (isRwkv(g)) return rwkvParams(hidden, g);
  if (isHgrn(g)) return hgrnParams(hidden, g);
  if (g.projections === 'kda') {
    // KimiDeltaAttention (fla / modeling_kimi.py): q/k/v_proj, q/k/v_conv1d (no bias), f_a_proj
    // (h → r), f_b_proj (r → k), dt_bias (k), b_proj (h → Hv), A_log (Hv), g_a_proj (h → r),
    // g_b_proj (r → v), o_norm RMSNormGated(d_v), o_proj (v → h); Kimi K3's full-rank g_proj (h → v)
    // replaces g_a/g_b, Ling 3.0's f_proj (h → k) replaces f_a/f_b.
    const r = g.gateRank ?? g.valueHeadDim;
    const outputGate = g.fullRankOutputGate ? hidden * valueWidth : hidden * r + r * valueWidth;
    const forgetGate = g.fullRankForgetGate ? hidden * keyWidth : hidden * r + r * keyWidth;
    return (
      hidden * convChannels +
      convChannels * g.convKernel +
      forgetGate +
      keyWidth +
      hidden * g.numValueHeads +
      g.numValueHeads +
      outputGate +
      g.valueHeadDim +
      valueWidth * hidden
    );
  }
  return (
    hidden * (2 * keyWidth + 2 * valueWidth) +
    hidden * 2 * g.numValueHeads +
    convChannels * g.convKernel +
    2 * g.numValueHeads +
    g.valueHeadDim +
    valueWidth * hidden
  );
}

/**
 * HGRN2 and HGRN (mixer-specs.ts `isHgrn`), all bias-free. HGRN2 (fla HGRN2Attention): q_proj and
 * f_proj (h → k), i_proj (h → v), q/f/i_conv1d (2·k + v channels of `convKernel` taps), g_norm (v),
 * o_proj (v → h). HGRN (fla HGRNAttention, HGRNBitAttention): i_proj, g_proj (h → v), f_proj (h → k),
 * i/f_conv1d (k + v channels), g_norm (v), o_proj (v → h). No g_norm weight when `outputNormWeight` is false.
 */
function hgrnParams(hidden: number, g: GatedDeltaNetSpec): number {
  const k = g.numKeyHeads * g.keyHeadDim;
  const v = g.numValueHeads * g.valueHeadDim;
  const inputs = g.projections === 'gla' ? 2 * k + v : k + 2 * v;
  const norm = g.outputNormWeight === false ? 0 : v;
  return hidden * inputs + linearConvChannels(g) * g.convKernel + norm + v * hidden;
}

/**
 * The mLSTM (transformers `xLSTMLayer`): query, key (h → H·d_qk), value, ogate_preact (h → H·d_v),
 * igate_preact and fgate_preact (h → H, with bias), multihead_norm (a weight of H·d_v), out_proj
 * (H·d_v → h); under `bias` (use_bias) the four projections, out_proj and multihead_norm have biases.
 */
function mlstmParams(hidden: number, g: GatedDeltaNetSpec): number {
  const qkvo = 2 * g.numKeyHeads * g.keyHeadDim + 2 * g.numValueHeads * g.valueHeadDim;
  const value = g.numValueHeads * g.valueHeadDim;
  const gates = 2 * (hidden * g.numValueHeads + g.numValueHeads);
  const biases = g.bias ? qkvo + value + hidden : 0;
  return hidden * qkvo + gates + value + value * hidden + biases;
}

/**
 * An RWKV block beyond its channel mix's key and value (spec.mlp; mixer-specs.ts `isRwkv`). RWKV-4
 * (RwkvSelfAttention, RwkvFeedForward): key, value, receptance (h → A), output (A → h),
 * time_decay, time_first (A), time_mix_key/value/receptance (3·h); the channel mix's
 * time_mix_key/receptance (2·h) and receptance (h → h). RWKV-6 (Hub `modeling_rwkv6.py`
 * Rwkv6SelfAttention, Rwkv6FeedForward; fla RWKV6Attention, RWKV6FeedForward): time_maa_x/w/k/v/r/g
 * (6·h), time_maa_w1 (h × 5·m) and time_maa_w2 (5 × m × h), receptance, key (h → k), value, gate
 * (h → v), output (v → h), time_decay_w1 (h → d), time_decay_w2 (d → k) and time_decay (k),
 * time_faaaa (H·d_k = k), ln_x GroupNorm (2·v); the channel mix's time_maa_k, time_maa_r (2·h) and
 * receptance (h → h). RWKV-5 (Hub `modeling_rwkv5.py` RwkvSelfAttention, RwkvFeedForward):
 * time_mix_key/value/receptance/gate (4·h), time_decay and time_faaaa (H·d_k = k each), key,
 * receptance (h → k), value, gate (h → v), output (v → h), ln_x GroupNorm (2·v); the channel mix's
 * time_mix_key/receptance (2·h) and receptance (h → h). RWKV-7 (fla RWKV7Attention,
 * RWKV7FeedForward; LoRA = fla `layers/rwkv6.py` LoRA: Linear(h → r) without bias, an activation,
 * Linear(r → out) with bias unless told): x_r, x_w, x_k, x_v, x_a, x_g (6·h), k_k, k_a, r_k (k each),
 * r_proj, k_proj (h → k), v_proj (h → v), o_proj (v → h), w_lora and a_lora (r → k with bias),
 * v_lora (r → v with bias; none on layer 0), g_lora (r → v, no bias), g_norm GroupNorm (2·v); the
 * channel mix's x_k (h).
 */
function rwkvParams(hidden: number, g: GatedDeltaNetSpec): number {
  const k = g.numKeyHeads * g.keyHeadDim;
  const v = g.numValueHeads * g.valueHeadDim;
  if (g.projections === 'rwkv4')
    return 3 * hidden * k + k * hidden + 2 * k + 3 * hidden + 2 * hidden + hidden * hidden;
  const lora = (rank: number, out: number, bias: boolean) => hidden * rank + rank * out + (bias ? out : 0);
  if (g.projections === 'rwkv5')
    return (
      4 * hidden + 2 * k + 2 * hidden * k + 2 * hidden * v + v * hidden + 2 * v + 2 * hidden + hidden * hidden
    );
  if (g.projections === 'rwkv6') {
    const m = g.tokenShiftRank ?? 0;
    return (
      6 * hidden +
      2 * hidden * 5 * m +
      2 * hidden * k +
      2 * hidden * v +
      v * hidden +
      lora(g.decayRank ?? 0, k, true) +
      k +
      2 * v +
      2 * hidden +
      hidden * hidden
    );
  }
  return (
    6 * hidden +
    3 * k +
    2 * hidden * k +
    hidden * v +
    v * hidden +
    lora(g.decayRank ?? 0, k, true) +
    lora(g.learningRateRank ?? 0, k, true) +
    (g.valueRank === undefined ? 0 : lora(g.valueRank, v, true)) +
    lora(g.gateRank ?? 0, v, false) +
    2 * v +
    hidden
  );
}

/**
 * State-space mixer. Mamba-2 (NemotronHMamba2Mixer; Dao & Gu 2024 Sec. 7): in_proj
 * (h → 2·d_in + 2·G·N + H), depthwise conv1d over x, B, C (d_in + 2·G·N channels), dt_bias, A_log
 * and D (H each), a gated RMSNorm(d_in) unless `gatedNorm` is false, out_proj (d_in → h); d_in = H·P.
 * Mamba-1 (MambaMixer; Gu & Dao 2023 Sec. 3): in_proj (h → 2·D), conv1d over x (D channels),
 * x_proj (D → R + 2·N), dt_proj (R → D, with bias), A_log (D × N), D (D), out_proj (D → h), and
 * Jamba's RMSNorms on Δ, B, C (R + 2·N) when `innerNorms`; with `stepPerHead` (PLaMo 2) dt_proj R → H
 * without bias, dt_bias, A_log and D per head (H each). Without `outputProjection` (Hymba) no out_proj
 * or its bias: the attention's o_proj holds them.
 */
export function stateSpaceParams(hidden: number, m: StateSpaceSpec): number {
  const inner = m.numHeads * m.headDim;
  // out_proj (d_in → h) and its bias, unless the attention's o_proj projects the scan's output (Hymba).
  const outProj = m.outputProjection === false ? 0 : inner * hidden + (m.projBias ? hidden : 0);
  const convChannels = stateSpaceConvChannels(m);
  const conv = convChannels * m.convKernel + (m.convBias ? convChannels : 0);
  const s = m.selective;
  if (s) {
    const r = s.timeStepRank;
    const n = m.stateSize;
    // Δ's units: channels (Mamba-1: dt_proj R → D with bias, A_log D × N, D per channel) or heads.
    const steps = s.stepPerHead ? m.numHeads : inner;
    return (
      hidden * 2 * inner +
      (m.projBias ? 2 * inner : 0) +
      conv +
      inner * (r + 2 * n) +
      r * steps +
      steps +
      (s.stepPerHead ? m.numHeads : inner * n) +
      steps +
      outProj +
      (s.innerNorms ? r + 2 * n : 0)
    );
  }
  const inProjOut = inner + convChannels + m.numHeads;
  return (
    hidden * inProjOut +
    (m.projBias ? inProjOut : 0) +
    conv +
    3 * m.numHeads +
    (m.gatedNorm === false ? 0 : inner) +
    outProj
  );
}

/**
 * Gated short convolution (Lfm2ShortConv): in_proj (h → 3·h), a depthwise conv1d of h channels and
 * `convKernel` taps, out_proj (h → h); a bias on each when `bias` (conv_bias).
 */
export function shortConvParams(hidden: number, c: ShortConvSpec): number {
  return (
    3 * hidden * hidden + hidden * c.convKernel + hidden * hidden + (c.bias ? 3 * hidden + 2 * hidden : 0)
  );
}

/** One norm's parameters: RMSNorm a weight, LayerNorm a weight and (unless bias-free) a bias; non-affine none. */
export function normParams(spec: ModelSpec, width: number): number {
  if (spec.norm.affine === false) return 0;
  return spec.norm.kind === 'layernorm' && spec.norm.bias !== false ? 2 * width : width;
}

/** A dense MLP's matrices and biases, and its intermediate norm (Kosmos-2 `ffn_layernorm`) where it has one. */
export function denseMlpParams(spec: ModelSpec, mlp: MlpSpec): number {
  const norm = mlp.intermediateNorm ? normParams(spec, mlp.intermediateSize) : 0;
  return mlpParams(spec.hiddenSize, mlp.intermediateSize, mlp.gated, mlp.bias) + norm;
}

export interface MoeLayerParams {
  /** The second expert group's experts and router rows (MoeSpec.modalityExperts), idle for a text token. */
  readonly modality: number;
  readonly modalityRouter: number;
  readonly expert: number;
  readonly shared: number;
  readonly router: number;
}

/**
 * One MoE layer's second expert group (MoeSpec.modalityExperts, ERNIE-4.5-VL's vision experts): its
 * experts and its router rows (gate weight_1 [E', h] and, with a router bias, E' more); 0 without one.
 */
export function modalityExpertParams(spec: ModelSpec, moe: MoeSpec): { experts: number; router: number } {
  const group = moe.modalityExperts;
  if (!group) return { experts: 0, router: 0 };
  const expert = mlpParams(
    moe.latentSize ?? spec.hiddenSize,
    group.expertIntermediateSize,
    moe.gated,
    moe.expertBias,
  );
  return {
    experts: group.numExperts * expert,
    router: spec.hiddenSize * group.numExperts + (moe.routerBias ? group.numExperts : 0),
  };
}

/** Every routed expert of one MoE layer (both expert groups: what EP spreads over its ranks); 0 for a dense model. */
export function routedExpertParams(spec: ModelSpec): number {
  if (!spec.moe) return 0;
  const block = moeLayerParams(spec, spec.moe);
  return spec.moe.numExperts * block.expert + block.modality;
}

export function moeLayerParams(spec: ModelSpec, moe: MoeSpec): MoeLayerParams {
  const h = spec.hiddenSize;
  // LatentMoE: experts at the latent width, plus fc1/fc2_latent_proj (h ↔ latent), always active.
  const latent = moe.latentSize;
  const modality = modalityExpertParams(spec, moe);
  return {
    modality: modality.experts,
    modalityRouter: modality.router,
    expert: mlpParams(latent ?? h, moe.expertIntermediateSize, moe.gated, moe.expertBias),
    shared:
      (moe.numSharedExperts > 0
        ? mlpParams(h, moe.numSharedExperts * moe.sharedIntermediateSize, moe.gated, false) +
          (moe.sharedExpertGate ? h : 0)
        : 0) + (latent === undefined ? 0 : 2 * h * latent + (moe.latentNorm ? normParams(spec, latent) : 0)),
    router: moe.routerInExtras
      ? 0
      : h * moe.numExperts +
        (moe.routerBias ? moe.numExperts : 0) +
        (moe.routerInputScale ? h : 0) +
        modality.router,
  };
}
