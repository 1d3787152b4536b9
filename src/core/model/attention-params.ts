/**
 * Parameters of one layer's softmax attention: GQA/MHA/MQA and MLA projections with their biases,
 * norms, gates and sinks, the k/v a KV-shared layer does without, and the DSA or block indexer in
 * front of sparse attention. Split out of param-count.ts, which re-exports them.
 */
import { InternalError } from '../errors.js';
import { compressedAttentionParams, compressedIndexerParams } from './compressed-attention.js';
import { normParams } from './mixer-params.js';
import {
  type AttentionSpec,
  gqaWidths,
  type LayerSpec,
  type ModelSpec,
  type SparseAttentionSpec,
} from './spec.js';

/** Attention parameters of one layer, q/k/v/o projections plus their biases, norms and sinks. */
export function attentionParams(spec: ModelSpec, attention: AttentionSpec = spec.attention): number {
  const h = spec.hiddenSize;
  if (attention.kind === 'compressed') return compressedAttentionParams(spec, attention);
  if (attention.kind === 'mla') {
    // DeepSeek-V2 Eq. 9-19: W^DQ, W^UQ (+ W^QR folded in), W^DKV + W^KR, W^UK/W^UV, W^O, and the
    // RMSNorms on the query and KV latents (modeling_deepseek_v3.py).
    const qHead = attention.qkNopeHeadDim + attention.qkRopeHeadDim;
    const q =
      attention.qLoraRank === null
        ? h * attention.numHeads * qHead
        : h * attention.qLoraRank + attention.qLoraRank + attention.qLoraRank * attention.numHeads * qHead;
    const kvDown = h * (attention.kvLoraRank + attention.qkRopeHeadDim) + attention.kvLoraRank;
    const kvUp = attention.kvLoraRank * attention.numHeads * (attention.qkNopeHeadDim + attention.vHeadDim);
    const out = attention.numHeads * attention.vHeadDim * h;
    // Kimi K3's output gate g_proj (h → heads·v_head_dim).
    const gate = attention.outputGate ? h * attention.numHeads * attention.vHeadDim : 0;
    // Hy4's learned sink logit per head (HYV4Attention.sinks, modeling_hy_v4.py).
    const sinks = attention.sinks ? attention.numHeads : 0;
    return q + kvDown + kvUp + out + gate + sinks;
  }
  const w = gqaWidths(attention);
  // Qwen3NextAttention: q_proj emits queries and the output gate (of o_proj's input width).
  const qProjWidth = attention.outputGate ? w.query + w.output : w.query;
  // Gemma4TextAttention with attention_k_eq_v: k_proj only, its output serves as the values.
  const kvWidth = attention.valueFromKey ? w.key : w.key + w.value;
  // Step3's low-rank query: q_proj h → r, inter_norm(r), wq r → heads·headDim (vLLM Step3TextAttention).
  const r = attention.queryRank;
  const query = r === undefined ? h * qProjWidth : h * r + normParams(spec, r) + r * qProjWidth;
  const projections = query + h * kvWidth + w.output * h;
  const biases = (attention.qkvBias ? (r ?? w.query) + kvWidth : 0) + (attention.outputBias ? h : 0);
  const qkNorm =
    attention.qkNorm === 'per-head'
      ? 2 * normParams(spec, attention.headDim)
      : attention.qkNorm === 'full'
        ? normParams(spec, w.query) + normParams(spec, w.key)
        : 0;
  // Step3p5Attention's head-wise gate g_proj (h → heads, no bias).
  const headGate = attention.headGate ? h * attention.numHeads : 0;
  return projections + biases + qkNorm + headGate + (attention.sinks ? attention.numHeads : 0);
}

/**
 * The parameters a KV-shared layer does without (Gemma4TextAttention with is_kv_shared_layer): k_proj,
 * v_proj (unless keys are the values) with their biases, and the per-head k norm.
 */
export function keyValueParams(spec: ModelSpec, attention: AttentionSpec): number {
  if (attention.kind !== 'gqa') throw new InternalError('KV-shared layers are GQA only');
  const w = gqaWidths(attention);
  const kvWidth = attention.valueFromKey ? w.key : w.key + w.value;
  const kNorm =
    attention.qkNorm === 'per-head'
      ? normParams(spec, attention.headDim)
      : attention.qkNorm === 'full'
        ? normParams(spec, w.key)
        : 0;
  return spec.hiddenSize * kvWidth + (attention.qkvBias ? kvWidth : 0) + kNorm;
}

/**
 * DSA lightning indexer (DeepseekV32Indexer): wq_b (q latent → heads·d), wk (h → d), k_norm
 * LayerNorm(d) with bias, weights_proj (h → heads); all without bias. Block indexer (MiniMax-M3,
 * transformers `MiniMaxM3VLIndexer`): q_proj (h → heads·d), k_proj (h → d), q_norm and k_norm
 * RMSNorm(d), no bias, no head weights. DeepSeek-V4's compressed indexer: compressed-attention.ts.
 */
export function sparseIndexerParams(
  spec: ModelSpec,
  indexer: SparseAttentionSpec,
  layer: Pick<LayerSpec, 'compressRatio'> = {},
): number {
  if (layer.compressRatio !== undefined) return compressedIndexerParams(spec, indexer, layer.compressRatio);
  const h = spec.hiddenSize;
  const d = indexer.headDim;
  if (indexer.blockTokens !== undefined) return h * indexer.numHeads * d + h * d + 2 * normParams(spec, d);
  const qLatent = spec.attention.kind === 'mla' ? (spec.attention.qLoraRank ?? h) : h;
  return qLatent * indexer.numHeads * d + h * d + 2 * d + h * indexer.numHeads;
}
