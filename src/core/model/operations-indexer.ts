/**
 * The sparse-attention indexers' operations: DeepSeek V3.2's lightning indexer (DSA) and MiniMax-M3's
 * block indexer, before the sparse attention core (operations-attention.ts). Conventions: operations.ts.
 */

import { compressedIndexerProjectionOps } from './compressed-attention.js';
import { indexerElementsPerToken } from './kv-cache.js';
import { sparseAttentionFlopsPerToken } from './layer-kinds.js';
import type { OpBuilder } from './op-builder.js';
import { ACT_BYTES, attentionSpanTokens, type OperationRequest } from './operation-types.js';
import { mixerTokenGroups, need } from './operations-token-groups.js';
import { attentionHeadDims, type LayerSpec, type ModelSpec, type SparseAttentionSpec } from './spec.js';

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
export function sparseIndexerOperations(
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
  // DeepSeek-V4's CSA indexer scores one compressed key per `ratio` tokens (compressed-attention.ts).
  const ratio = layer.compressRatio ?? 1;
  if (layer.compressRatio !== undefined)
    compressedIndexerProjectionOps(spec, indexer, layer.compressRatio, b, tokens);
  else if (block === undefined) {
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
  for (const group of mixerTokenGroups(request)) {
    // The keys it scores: every earlier one (½ causal convention in a sequence), or entry; in training on
    // packed documents masked at their boundaries, those of the query's document (operations-attention.ts).
    const span =
      group.mode === 'decode' ? group.contextTokens : attentionSpanTokens(request.shape, group.contextTokens);
    const g = { ...group, contextTokens: span / ratio };
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
