/**
 * Token mixers by layer kind: softmax attention (operations-attention.ts) with DSA's lightning
 * indexer for sparse layers, Gated DeltaNet and Mamba-2 (projections, conv, scan or recurrence,
 * gates and gated norms) and their context parallelism. Conventions: operations.ts.
 * mixerActivationBytes stays in operations.ts (it reads layerOperations' forward list).
 */

import { indexerElementsPerToken } from './kv-cache.js';
import {
  type AttentionMode,
  gatedDeltaNetConvFlopsPerToken,
  gatedDeltaNetRuleFlopsPerToken,
  mamba2ConvFlopsPerToken,
  mamba2ScanFlopsPerToken,
  sparseAttentionFlopsPerToken,
} from './layer-kinds.js';
import { ACT_BYTES, type OpBuilder, type OperationRequest, unreachable } from './operation-types.js';
import { attentionCore, attentionProjections } from './operations-attention.js';
import {
  attentionHeadDims,
  type GatedDeltaNetSpec,
  type LayerSpec,
  type Mamba2Spec,
  type ModelSpec,
  type SparseAttentionSpec,
} from './spec.js';

/**
 * The token groups of a request for a mixer: decode tokens (recurrent, each after `contextTokens`
 * cached ones), prefill tokens riding on a decode step, or a training/prefill call's sequences
 * (chunked form; context parallelism splits each sequence's tokens over cp ranks).
 */
interface MixerTokenGroup {
  readonly sequences: number;
  readonly tokens: number;
  readonly contextTokens: number;
  /** Attention mode of a query in the group (a prompt chunk's queries see their mean context). */
  readonly mode: AttentionMode;
  /** Decode tokens run the recurrence; the rest the chunked form. */
  readonly recurrent: boolean;
  /** Op-name suffix: '' or '.prefill' for a prompt chunk riding on a decode step. */
  readonly suffix: string;
}

function mixerTokenGroups(request: OperationRequest): MixerTokenGroup[] {
  const { shape, layout, phase } = request;
  const groups: MixerTokenGroup[] = [];
  if (phase === 'decode') {
    groups.push({
      sequences: shape.sequences,
      tokens: shape.sequences * shape.tokensPerSequence,
      contextTokens: shape.contextTokens,
      mode: 'decode',
      recurrent: true,
      suffix: '',
    });
  } else {
    const mode = (request.attentionMask ?? 'causal') === 'full' ? 'non-causal' : 'causal';
    groups.push({
      sequences: shape.sequences,
      tokens: (shape.sequences * shape.tokensPerSequence) / layout.contextParallel,
      contextTokens: shape.contextTokens,
      mode,
      recurrent: false,
      suffix: '',
    });
  }
  if (shape.prefill && shape.prefill.tokens > 0) {
    // A prompt chunk: its queries see its mean context (the attention core's convention).
    groups.push({
      sequences: 1,
      tokens: shape.prefill.tokens,
      contextTokens: shape.prefill.meanContextTokens,
      mode: 'decode',
      recurrent: false,
      suffix: phase === 'decode' ? '.prefill' : '',
    });
  }
  return groups.filter((g) => g.tokens > 0);
}

/** A spec field a layer kind needs (the spec reader guarantees it; a hand-built spec may not). */
function need<T>(value: T | null, layer: LayerSpec, field: string): T {
  if (value === null) throw new Error(`a '${layer.attention}' layer needs spec.${field}`);
  return value;
}

/**
 * DSA's lightning indexer (DeepSeek-V3.2-Exp report Sec. 2.1, Eq. 1; its inference/model.py
 * `Indexer`): wq_b from the query latent (or the hidden state without one), wk and weights_proj from
 * the hidden state — plain Linear layers, so every TP rank runs them whole — then the FP8 scoring of
 * every earlier key (FLOPs: layer-kinds.ts), its FP32 logits through memory, and the top-k.
 * The block indexer (MiniMax-M3; vLLM `MinimaxM3QKVParallelLinearWithIndexer`, `index_topk.py`):
 * index_q (h → heads·d) split over TP like the QKV heads, index_k (h → d) replicated, scores of the
 * rank's index heads max-pooled per block into FP32 block scores, then the top-k blocks.
 * Decode reads every cached indexer key (one `headDim` key per token, kv-cache.ts).
 */
function sparseIndexerOperations(
  spec: ModelSpec,
  layer: LayerSpec,
  request: OperationRequest,
  b: OpBuilder,
  tokens: number,
): void {
  const indexer: SparseAttentionSpec = need(spec.sparseAttention, layer, 'sparseAttention');
  const h = spec.hiddenSize;
  const a = spec.attention;
  const d = indexer.headDim;
  const block = indexer.blockTokens;
  const replicated = { replicated: true };
  // Index heads on this rank: all of DSA's (replicated); the block indexer's split over TP like the
  // QKV projection's heads (fractional past the head count, as qkv's KV heads are: the operation list
  // splits work, it does not count the copies a rank holds).
  const heads = block === undefined ? indexer.numHeads : indexer.numHeads / request.layout.tensorParallel;
  if (block === undefined) {
    const qLatent = a.kind === 'mla' ? (a.qLoraRank ?? h) : h;
    b.gemm('indexer.wq_b', 'attentionProjections', tokens, indexer.numHeads * d, qLatent, replicated);
    b.gemm('indexer.wk', 'attentionProjections', tokens, d, h, replicated);
    b.gemm('indexer.weights_proj', 'attentionProjections', tokens, indexer.numHeads, h, {
      ...replicated,
      datatype: 'bf16',
      bytes: 2,
    });
  } else {
    b.gemm('indexer.index_q', 'attentionProjections', tokens, heads * d, h);
    b.gemm('indexer.index_k', 'attentionProjections', tokens, d, h, replicated);
  }
  const local: SparseAttentionSpec = { ...indexer, numHeads: heads };
  const { qkHeadDim, vHeadDim } = attentionHeadDims(a);
  const keyBytes = request.kvBytesPerElement ?? ACT_BYTES;
  for (const g of mixerTokenGroups(request)) {
    // Keys each query scores: every earlier one (½ causal convention in a sequence).
    const keys = g.mode === 'causal' ? g.contextTokens / 2 : g.contextTokens;
    const { indexerFlops } = sparseAttentionFlopsPerToken(
      local,
      2 * (qkHeadDim + vHeadDim),
      g.contextTokens,
      g.mode,
    );
    // DSA writes one FP32 logit per key; the block indexer one FP32 score per block and index head.
    const logitBytes = block === undefined ? 4 * g.tokens * keys : (4 * heads * g.tokens * keys) / block;
    // Decode streams every cached indexer key; in a sequence the keys stay on chip (as attention).
    const keyRead =
      g.mode === 'decode' ? g.sequences * g.contextTokens * indexerElementsPerToken(spec) * keyBytes : 0;
    const name = `indexer${g.suffix}`;
    // Selected key (DSA) or block (per index head) indices, int32.
    const selected =
      block === undefined
        ? Math.min(indexer.topKTokens, g.contextTokens)
        : heads * Math.min(indexer.topKTokens / block, Math.ceil(g.contextTokens / block));
    b.mixer(name, 'dsa-indexer', g.tokens, g.tokens * indexerFlops, keyRead, logitBytes, {
      ...(block === undefined ? replicated : {}),
      // The sparse attention's backward reads the selected indices (int32).
      savedBytes: 4 * g.tokens * selected,
    });
    // Top-k over the logits: read them, write top-k int32 indices (inference; training reads them too).
    if (!b.backward) {
      b.memory(`${name}.top-k`, 'softmax', logitBytes, 4 * g.tokens * selected);
    }
  }
}

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
    b.gemm('f_a_proj', 'attentionProjections', tokens, r / t, h);
    b.gemm('f_b_proj', 'attentionProjections', tokens, keyWidth / t, r);
    if (g.fullRankOutputGate) {
      // Kimi K3: a full-rank output gate g_proj (h → v), column-parallel like q/k/v.
      b.gemm('g_proj', 'attentionProjections', tokens, valueWidth / t, h);
      inputColumns = (2 * keyWidth + 2 * valueWidth + g.numValueHeads + r) / t;
    } else {
      b.gemm('g_a_proj', 'attentionProjections', tokens, r / t, h);
      b.gemm('g_b_proj', 'attentionProjections', tokens, valueWidth / t, r);
      inputColumns = (2 * keyWidth + valueWidth + g.numValueHeads + 2 * r) / t;
    }
  } else {
    b.gemm('in_proj_qkvz', 'attentionProjections', tokens, (2 * keyWidth + 2 * valueWidth) / t, h);
    b.gemm('in_proj_ba', 'attentionProjections', tokens, (2 * g.numValueHeads) / t, h);
  }
  const convState = ACT_BYTES * (g.convKernel - 1) * convChannels;
  const deltaState = g.stateBytesPerElement * valueHeads * g.keyHeadDim * g.valueHeadDim;
  const chunkStates = ACT_BYTES * valueHeads * g.keyHeadDim * g.valueHeadDim;
  recurrentMixer(request, b, {
    convName: 'conv1d',
    convFlopsPerToken: gatedDeltaNetConvFlopsPerToken(g) / t,
    convChannels,
    convStateBytes: convState,
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
 * Mamba-2 (Nemotron-H `NemotronHMamba2Mixer`; vLLM `MambaMixer2`; Dao & Gu 2024 Sec. 7): in_proj
 * (h → z, xBC, dt: 2·d_in + 2·G·N + H), the depthwise conv1d + SiLU over xBC, the SSD scan
 * (mamba_chunk_scan_combined; selective_state_update at decode), D skip and the gated RMSNorm,
 * out_proj (d_in → h). Tensor parallelism splits heads and groups.
 */
function mamba2Operations(
  spec: ModelSpec,
  layer: LayerSpec,
  request: OperationRequest,
  b: OpBuilder,
  tokens: number,
): void {
  const m: Mamba2Spec = need(spec.stateSpace, layer, 'stateSpace');
  const t = request.layout.tensorParallel;
  const h = spec.hiddenSize;
  const inner = m.numHeads * m.headDim;
  const groupWidth = 2 * m.numGroups * m.stateSize;
  const convChannels = (inner + groupWidth) / t;
  const heads = m.numHeads / t;
  b.gemm('in_proj', 'attentionProjections', tokens, (2 * inner + groupWidth + m.numHeads) / t, h);
  recurrentMixer(request, b, {
    convName: 'conv1d',
    convFlopsPerToken: mamba2ConvFlopsPerToken(m) / t,
    convChannels,
    convStateBytes: ACT_BYTES * (m.convKernel - 1) * convChannels,
    coreName: 'ssd',
    core: 'ssd',
    coreFlopsPerToken: (mode) => mamba2ScanFlopsPerToken(m, mode) / t,
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
  b.gemm('out_proj', 'attentionProjections', tokens, h, inner / t);
  mixerContextParallel(request, b, tokens, (2 * inner + groupWidth + m.numHeads) / t, inner / t);
}

/** The operations of one layer's token mixer, `tokens` tokens on this GPU. */
type MixerOperations = (
  spec: ModelSpec,
  layer: LayerSpec,
  request: OperationRequest,
  b: OpBuilder,
  tokens: number,
) => void;

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

interface RecurrentMixerShape {
  readonly convName: string;
  readonly convFlopsPerToken: number;
  readonly convChannels: number;
  /** Bytes of one sequence's conv window on this GPU (the last kernel − 1 inputs). */
  readonly convStateBytes: number;
  readonly coreName: string;
  readonly core: 'gated-delta-rule' | 'ssd';
  readonly coreFlopsPerToken: (mode: AttentionMode) => number;
  readonly coreReadBytesPerToken: number;
  readonly coreWriteBytesPerToken: number;
  /** Bytes of one sequence's recurrent state on this GPU. */
  readonly stateBytes: number;
  readonly chunkStateBytesPerToken: number;
}

/**
 * The conv and the scan of a linear-attention or state-space layer. Decode runs the recurrence: per
 * sequence it reads and writes the conv window and the recurrent state (constant in the context);
 * training and prefill run the chunked form over the call's tokens; a serving prefill also reads
 * the starting state and writes the final state of each sequence (vLLM's state cache).
 */
function recurrentMixer(request: OperationRequest, b: OpBuilder, x: RecurrentMixerShape): void {
  const serving = request.phase === 'prefill' || request.phase === 'decode';
  for (const g of mixerTokenGroups(request)) {
    const { recurrent, suffix } = g;
    const mode: AttentionMode = recurrent ? 'decode' : 'causal';
    const stateTraffic = serving ? g.sequences : 0;
    const convBytes = ACT_BYTES * g.tokens * x.convChannels;
    b.mixer(
      `${x.convName}${suffix}`,
      'causal-conv1d',
      g.tokens,
      g.tokens * x.convFlopsPerToken,
      convBytes + stateTraffic * x.convStateBytes,
      convBytes + stateTraffic * x.convStateBytes,
      { recurrent, savedBytes: convBytes },
    );
    const chunkStates = recurrent ? 0 : g.tokens * x.chunkStateBytesPerToken;
    const coreInputs = g.tokens * x.coreReadBytesPerToken;
    b.mixer(
      `${x.coreName}${suffix}`,
      x.core,
      g.tokens,
      g.tokens * x.coreFlopsPerToken(mode),
      coreInputs + chunkStates + stateTraffic * x.stateBytes,
      g.tokens * x.coreWriteBytesPerToken + chunkStates + stateTraffic * x.stateBytes,
      { recurrent, savedBytes: coreInputs },
    );
  }
}

/**
 * Context parallelism for linear and state-space mixers (Megatron-Core MambaContextParallel): an
 * all-to-all turns the sequence split into a head split before the conv and scan (cp2hp) and back
 * after (hp2cp), so each rank scans whole sequences for 1/cp of its heads.
 */
function mixerContextParallel(
  request: OperationRequest,
  b: OpBuilder,
  tokens: number,
  inWidth: number,
  outWidth: number,
): void {
  const { layout } = request;
  const cp = layout.contextParallel;
  if (cp <= 1) return;
  const t = layout.tensorParallel;
  b.collective('mixer.cp2hp', 'contextParallel', 'all-to-all', tokens * inWidth * ACT_BYTES, cp, t);
  b.collective('mixer.hp2cp', 'contextParallel', 'all-to-all', tokens * outWidth * ACT_BYTES, cp, t);
}

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
      attentionProjections(spec, layer, b, tokens, t);
      attentionCore(spec, layer, request, b);
      return;
    case 'sparse':
      attentionProjections(spec, layer, b, tokens, t);
      sparseIndexerOperations(spec, layer, request, b, tokens);
      attentionCore(spec, layer, request, b);
      return;
    case 'linear':
      gatedDeltaNetOperations(spec, layer, request, b, tokens);
      return;
    case 'mamba':
      mamba2Operations(spec, layer, request, b, tokens);
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
