/**
 * Token mixers by layer kind: softmax attention (operations-attention.ts) with the sparse layers'
 * indexer (operations-indexer.ts), Gated DeltaNet, lightning attention, the mLSTM
 * (operations-mlstm.ts), RWKV (operations-rwkv.ts), HGRN2 and HGRN (operations-hgrn.ts), Mamba-2 and
 * Mamba-1 (projections, conv, scan or recurrence, gates and gated norms; the shared conv, core and
 * context parallelism: operations-recurrent.ts). Conventions: operations.ts. mixerActivationBytes
 * stays in operations.ts (it reads layerOperations' forward list).
 */

import { gatedDeltaNetStateElements } from './kv-cache.js';
import {
  gatedDeltaNetConvFlopsPerToken,
  gatedDeltaNetRuleFlopsPerToken,
  lightningAttentionFlopsPerToken,
  stateSpaceConvChannels,
  stateSpaceConvFlopsPerToken,
  stateSpaceScanFlopsPerToken,
} from './layer-kinds.js';
import { isHgrn, isRwkv } from './mixer-specs.js';
import type { OpBuilder } from './op-builder.js';
import { ACT_BYTES, type OperationRequest, unreachable } from './operation-types.js';
import { attentionCore, attentionProjections } from './operations-attention.js';
import { hgrnOperations } from './operations-hgrn.js';
import { sparseIndexerOperations } from './operations-indexer.js';
import { mlstmOperations } from './operations-mlstm.js';
import { type MixerOperations, mixerContextParallel, recurrentMixer } from './operations-recurrent.js';
import { rwkvOperations } from './operations-rwkv.js';
import { mixerTokenGroups, need } from './operations-token-groups.js';
import type { GatedDeltaNetSpec, LayerSpec, ModelSpec, SelectiveScanSpec, StateSpaceSpec } from './spec.js';

/**
 * Gated DeltaNet (Qwen3-Next / Qwen3.5 `Qwen3NextGatedDeltaNet`; vLLM `GatedDeltaNet`):
 * in_proj_qkvz (h → 2·k + 2·v) and in_proj_ba (h → 2·Hv), the causal depthwise conv1d + SiLU over
 * q, k, v, the gating (g = −exp(A)·softplus(a + dt_bias), β = sigmoid(b)), the chunked gated delta
 * rule (fla `chunk_gated_delta_rule`; recurrent at decode), RMSNormGated with z, out_proj (v → h).
 * Tensor parallelism splits the heads (column-parallel in_proj, row-parallel out_proj).
 */
function gatedDeltaNetOperations(
  spec: ModelSpec,
  layer: LayerSpec,
  request: OperationRequest,
  b: OpBuilder,
  tokens: number,
): void {
  const g: GatedDeltaNetSpec = need(spec.linearAttention, layer, 'linearAttention');
  const t = request.layout.tensorParallel;
  const h = spec.hiddenSize;
  const keyWidth = g.numKeyHeads * g.keyHeadDim;
  const valueWidth = g.numValueHeads * g.valueHeadDim;
  const convChannels = (2 * keyWidth + valueWidth) / t;
  const valueHeads = g.numValueHeads / t;
  // Columns of the input projections (per TP rank), for the context-parallel exchange below.
  let inputColumns = (2 * keyWidth + 2 * valueWidth + 2 * g.numValueHeads) / t;
  if (g.projections === 'kda') {
    // KimiDeltaAttention: q/k/v_proj, b_proj (β), the low-rank forget gate f_a → f_b (one decay per
    // key channel) and output gate g_a → g_b (vLLM kda.py: f_a/g_a replicated, counted here per shard
    // so FLOPs are conserved over TP; they are r = head_dim wide, < 1% of the layer).
    const r = g.gateRank ?? g.valueHeadDim;
    b.gemm('qkv_proj', 'attentionProjections', tokens, (2 * keyWidth + valueWidth) / t, h);
    b.gemm('b_proj', 'attentionProjections', tokens, g.numValueHeads / t, h);
    // A gate: full-rank {x}_proj (h → width, column-parallel like q/k/v; Ling 3.0's f_proj, Kimi K3's
    // g_proj) or the low-rank {x}_a_proj → {x}_b_proj; returns the columns it reads from the block's input.
    const gate = (x: 'f' | 'g', fullRank: boolean | undefined, width: number): number => {
      if (fullRank) {
        b.gemm(`${x}_proj`, 'attentionProjections', tokens, width / t, h);
        return width;
      }
      b.gemm(`${x}_a_proj`, 'attentionProjections', tokens, r / t, h);
      b.gemm(`${x}_b_proj`, 'attentionProjections', tokens, width / t, r);
      return r;
    };
    const gateColumns =
      gate('f', g.fullRankForgetGate, keyWidth) + gate('g', g.fullRankOutputGate, valueWidth);
    inputColumns = (2 * keyWidth + valueWidth + g.numValueHeads + gateColumns) / t;
  } else {
    b.gemm('in_proj_qkvz', 'attentionProjections', tokens, (2 * keyWidth + 2 * valueWidth) / t, h);
    b.gemm('in_proj_ba', 'attentionProjections', tokens, (2 * g.numValueHeads) / t, h);
  }
  const convState = ACT_BYTES * (g.convKernel - 1) * convChannels;
  const deltaState = g.stateBytesPerElement * valueHeads * g.keyHeadDim * g.valueHeadDim;
  const chunkStates = ACT_BYTES * valueHeads * g.keyHeadDim * g.valueHeadDim;
  recurrentMixer(request, b, {
    conv: {
      flopsPerToken: gatedDeltaNetConvFlopsPerToken(g) / t,
      channels: convChannels,
      stateBytes: convState,
    },
    coreName: 'gated-delta-rule',
    core: 'gated-delta-rule',
    coreFlopsPerToken: (mode) => gatedDeltaNetRuleFlopsPerToken(g, mode) / t,
    // q, k, v (BF16) and g, β (FP32) in; o out.
    coreReadBytesPerToken: ACT_BYTES * convChannels + 4 * 2 * valueHeads,
    coreWriteBytesPerToken: (ACT_BYTES * valueWidth) / t,
    stateBytes: deltaState,
    // fla chunk_gated_delta_rule_fwd_h writes one d_k × d_v state per chunk and head (BF16), read back.
    chunkStateBytesPerToken: chunkStates / g.chunkTokens,
  });
  // Gating (fused_gdn_gating): read a, b (BF16), write g, β (FP32).
  b.memory('gating', 'activation', ACT_BYTES * 2 * valueHeads * tokens, 4 * 2 * valueHeads * tokens);
  // RMSNormGated: read o and z, write norm(o)·SiLU(z).
  const valueBytes = (ACT_BYTES * tokens * valueWidth) / t;
  b.memory('gated-norm', 'norm', 2 * valueBytes, valueBytes);
  b.gemm('out_proj', 'attentionProjections', tokens, h, valueWidth / t);
  mixerContextParallel(request, b, tokens, inputColumns, valueWidth / t);
}

/**
 * Lightning attention (MiniMax-Text-01 / M1 `MiniMaxLightningAttention`; vLLM
 * `MiniMaxText01LinearAttention`): qkv_proj (h → 3·H·d) and SiLU, the lightning kernel (vLLM
 * `lightning_attention`: intra-block products, each block's K·V, the inter-block products; the
 * recurrence at decode), the RMSNorm over H·d (under TP its variance is all-reduced, one FP32 per
 * token: vLLM `MiniMaxText01RMSNormTP`), sigmoid(output_gate(x)) · norm(o), out_proj (H·d → h). No conv
 * and no gating kernel: each head's decay is a fixed buffer. Tensor parallelism splits the heads.
 */
const lightningAttentionOperations: MixerOperations = (spec, layer, request, b, tokens) => {
  const g: GatedDeltaNetSpec = need(spec.linearAttention, layer, 'linearAttention');
  const t = request.layout.tensorParallel;
  const h = spec.hiddenSize;
  const qkvWidth = (2 * g.numKeyHeads * g.keyHeadDim + g.numValueHeads * g.valueHeadDim) / t;
  const valueWidth = (g.numValueHeads * g.valueHeadDim) / t;
  // One d_k × d_v matrix per head (MiniMaxCache linear_cache), this rank's heads.
  const state = gatedDeltaNetStateElements(g).state / t;
  b.gemm('qkv_proj', 'attentionProjections', tokens, qkvWidth, h);
  // SiLU on q, k and v: read and write them.
  b.memory('qkv-silu', 'activation', ACT_BYTES * tokens * qkvWidth, ACT_BYTES * tokens * qkvWidth);
  recurrentMixer(request, b, {
    conv: null,
    coreName: 'lightning-attention',
    core: 'lightning-attention',
    coreFlopsPerToken: (mode) => lightningAttentionFlopsPerToken(g, mode) / t,
    // q, k, v in; o out.
    coreReadBytesPerToken: ACT_BYTES * qkvWidth,
    coreWriteBytesPerToken: ACT_BYTES * valueWidth,
    stateBytes: g.stateBytesPerElement * state,
    // vLLM lightning_attention writes each block's K·V in FP32 ([b, h, blocks, d, e]), read back.
    chunkStateBytesPerToken: (4 * state) / g.chunkTokens,
  });
  const valueBytes = ACT_BYTES * tokens * valueWidth;
  b.memory('output-norm', 'norm', valueBytes, valueBytes);
  if (t > 1) b.collective('output-norm.all-reduce', 'tensorParallel', 'all-reduce', 4 * tokens, t, 1);
  b.gemm('output_gate', 'attentionProjections', tokens, valueWidth, h);
  // sigmoid(gate) · norm(o): read both, write the product.
  b.memory('output-gate', 'activation', 2 * valueBytes, valueBytes);
  b.gemm('out_proj', 'attentionProjections', tokens, h, valueWidth);
  mixerContextParallel(request, b, tokens, qkvWidth, valueWidth);
};

/**
 * Mamba-2 (Nemotron-H `NemotronHMamba2Mixer`; vLLM `MambaMixer2`; Dao & Gu 2024 Sec. 7): in_proj
 * (h → z, xBC, dt: 2·d_in + 2·G·N + H), the depthwise conv1d + SiLU over xBC, the SSD scan
 * (mamba_chunk_scan_combined; selective_state_update at decode), D skip and the gated RMSNorm,
 * out_proj (d_in → h) unless `outputProjection` is false. Tensor parallelism splits heads and groups.
 */
function stateSpaceOperations(
  spec: ModelSpec,
  layer: LayerSpec,
  request: OperationRequest,
  b: OpBuilder,
  tokens: number,
): void {
  const m: StateSpaceSpec = need(spec.stateSpace, layer, 'stateSpace');
  if (m.selective) {
    selectiveScanOperations(spec, m, m.selective, request, b, tokens);
    return;
  }
  const t = request.layout.tensorParallel;
  const h = spec.hiddenSize;
  const inner = m.numHeads * m.headDim;
  const groupWidth = 2 * m.numGroups * m.stateSize;
  const convChannels = stateSpaceConvChannels(m) / t;
  const heads = m.numHeads / t;
  b.gemm('in_proj', 'attentionProjections', tokens, (2 * inner + groupWidth + m.numHeads) / t, h);
  recurrentMixer(request, b, {
    conv: {
      flopsPerToken: stateSpaceConvFlopsPerToken(m) / t,
      channels: convChannels,
      stateBytes: ACT_BYTES * (m.convKernel - 1) * convChannels,
    },
    coreName: 'ssd',
    core: 'ssd',
    coreFlopsPerToken: (mode) => stateSpaceScanFlopsPerToken(m, mode) / t,
    // x, B, C (BF16) and dt (FP32) in; y out.
    coreReadBytesPerToken: ACT_BYTES * convChannels + 4 * heads,
    coreWriteBytesPerToken: (ACT_BYTES * inner) / t,
    stateBytes: m.stateBytesPerElement * heads * m.headDim * m.stateSize,
    // _chunk_state_fwd keeps the chunk states in FP32 (states_in_fp32), written and read back.
    chunkStateBytesPerToken: (4 * heads * m.headDim * m.stateSize) / m.chunkTokens,
  });
  // D skip fused into the scan; gated RMSNorm: read y and z, write norm(y·SiLU(z)).
  const innerBytes = (ACT_BYTES * tokens * inner) / t;
  b.memory('gated-norm', 'norm', 2 * innerBytes, innerBytes);
  if (m.outputProjection !== false) b.gemm('out_proj', 'attentionProjections', tokens, h, inner / t);
  mixerContextParallel(request, b, tokens, (2 * inner + groupWidth + m.numHeads) / t, inner / t);
}

/**
 * Mamba-1 (transformers `MambaMixer` / `JambaMambaMixer`; vLLM `MambaMixer`; Gu & Dao 2023 Sec. 3.4):
 * in_proj (h → x, z: 2·D), the depthwise conv1d + SiLU over x, x_proj (D → Δ rank R, B, C: R + 2·N;
 * row-parallel under TP, so its small output is all-reduced), dt_proj (R → D), Jamba's RMSNorms on
 * Δ, B, C, the selective scan with the D skip and the SiLU(z) gate fused (mamba_ssm
 * `selective_scan_fn(..., z)`; `selective_state_update` at decode), out_proj (D → h). Tensor
 * parallelism splits the D channels.
 */
function selectiveScanOperations(
  spec: ModelSpec,
  m: StateSpaceSpec,
  s: SelectiveScanSpec,
  request: OperationRequest,
  b: OpBuilder,
  tokens: number,
): void {
  const t = request.layout.tensorParallel;
  const h = spec.hiddenSize;
  const inner = m.numHeads * m.headDim;
  const channels = inner / t;
  const dtBc = s.timeStepRank + 2 * m.stateSize;
  // Δ per head (PLaMo 2): dt_proj to the heads, and the SSD scan over heads of headDim.
  const ssd = s.stepPerHead === true;
  const heads = m.numHeads / t;
  b.gemm('in_proj', 'attentionProjections', tokens, (2 * inner) / t, h);
  b.gemm('x_proj', 'attentionProjections', tokens, dtBc, channels);
  b.collective('x_proj.all-reduce', 'tensorParallel', 'all-reduce', tokens * dtBc * ACT_BYTES, t, 1);
  if (s.innerNorms) b.memory('dt-b-c-norms', 'norm', ACT_BYTES * tokens * dtBc, ACT_BYTES * tokens * dtBc);
  b.gemm('dt_proj', 'attentionProjections', tokens, ssd ? heads : channels, s.timeStepRank);
  recurrentMixer(request, b, {
    conv: {
      flopsPerToken: stateSpaceConvFlopsPerToken(m) / t,
      channels,
      stateBytes: ACT_BYTES * (m.convKernel - 1) * channels,
    },
    coreName: ssd ? 'ssd' : 'selective-scan',
    core: ssd ? 'ssd' : 'selective-scan',
    coreFlopsPerToken: (mode) => stateSpaceScanFlopsPerToken(m, mode) / t,
    // x, Δ and z (BF16) and B, C in (SSD: x, B, C and dt per head in FP32); y out.
    coreReadBytesPerToken: ssd
      ? ACT_BYTES * (channels + 2 * m.stateSize) + 4 * heads
      : ACT_BYTES * (3 * channels + 2 * m.stateSize),
    coreWriteBytesPerToken: ACT_BYTES * channels,
    stateBytes: m.stateBytesPerElement * channels * m.stateSize,
    // selective_scan_fwd writes each chunk's last state (FP32 pairs) for the backward; SSD its chunk states.
    chunkStateBytesPerToken: ((ssd ? 4 : 4 * 2) * channels * m.stateSize) / m.chunkTokens,
  });
  // Hymba: no out_proj of its own; the attention's o_proj projects the averaged outputs.
  if (m.outputProjection !== false) b.gemm('out_proj', 'attentionProjections', tokens, h, channels);
  mixerContextParallel(request, b, tokens, (2 * inner) / t, channels);
}

/**
 * Gated short convolution (LFM2 `Lfm2ShortConv`; vLLM `ShortConv`): in_proj (h → B, C, x), B·x,
 * the causal depthwise conv1d (2·kernel FLOPs per channel; decode reads and writes the conv window
 * of each sequence), C·conv, out_proj (h → h). Tensor parallelism splits the h channels.
 */
const shortConvOperations: MixerOperations = (spec, layer, request, b, tokens) => {
  const c = need(spec.shortConv ?? null, layer, 'shortConv');
  const t = request.layout.tensorParallel;
  const h = spec.hiddenSize;
  const channels = h / t;
  const serving = request.phase === 'prefill' || request.phase === 'decode';
  b.gemm('in_proj', 'attentionProjections', tokens, (3 * h) / t, h);
  const bytes = ACT_BYTES * tokens * channels;
  // B·x: read B and x, write Bx.
  b.memory('gate-in', 'activation', 2 * bytes, bytes);
  for (const g of mixerTokenGroups(request)) {
    const convBytes = ACT_BYTES * g.tokens * channels;
    const window = (serving ? g.sequences : 0) * ACT_BYTES * (c.convKernel - 1) * channels;
    b.mixer(
      `conv1d${g.suffix}`,
      'causal-conv1d',
      g.tokens,
      g.tokens * 2 * c.convKernel * channels,
      convBytes + window,
      convBytes + window,
      { recurrent: g.recurrent, savedBytes: convBytes },
    );
  }
  // C·conv: read C and the conv output, write y.
  b.memory('gate-out', 'activation', 2 * bytes, bytes);
  b.gemm('out_proj', 'attentionProjections', tokens, h, h / t);
  mixerContextParallel(request, b, tokens, (3 * h) / t, h / t);
};

/** The token mixer of one layer, by kind. Exhaustive over {@link LayerSpec.attention}. */
export function mixerOperations(
  spec: ModelSpec,
  layer: LayerSpec,
  request: OperationRequest,
  b: OpBuilder,
  tokens: number,
): void {
  const t = request.layout.tensorParallel;
  switch (layer.attention) {
    case 'full':
    case 'sliding':
    case 'chunked':
    case 'cross':
      attentionProjections(spec, layer, b, tokens, t);
      attentionCore(spec, layer, request, b);
      return;
    case 'sparse':
      attentionProjections(spec, layer, b, tokens, t);
      // A shared-indexer layer reuses an earlier layer's top-k (HYV4Attention / GlmMoeDsaAttention
      // with `self.indexer = None`): no indexer of its own to run.
      if (!layer.indexerShared) sparseIndexerOperations(spec, layer, request, b, tokens);
      attentionCore(spec, layer, request, b);
      return;
    case 'linear':
      if (spec.linearAttention?.projections === 'lightning')
        lightningAttentionOperations(spec, layer, request, b, tokens);
      else if (spec.linearAttention?.projections === 'mlstm')
        mlstmOperations(spec, layer, request, b, tokens);
      else if (spec.linearAttention && isRwkv(spec.linearAttention))
        rwkvOperations(spec, layer, request, b, tokens);
      else if (spec.linearAttention && isHgrn(spec.linearAttention))
        hgrnOperations(spec, layer, request, b, tokens);
      else gatedDeltaNetOperations(spec, layer, request, b, tokens);
      return;
    case 'mamba':
      stateSpaceOperations(spec, layer, request, b, tokens);
      return;
    case 'conv':
      shortConvOperations(spec, layer, request, b, tokens);
      return;
    case 'projection':
      // DeciLMLinearAttention: one h × h Linear; row-parallel over TP (each rank its input slice),
      // reduced with the attention sub-layer's all-reduce (operations.ts).
      b.gemm('linear_attn', 'attentionProjections', tokens, spec.hiddenSize, spec.hiddenSize / t);
      return;
    case 'none':
      return;
    default:
      unreachable(layer.attention);
  }
}
