/**
 * DeepSeek-V4's attention and residual streams (DeepSeek-V4 report Sec. 2.2-2.3; transformers
 * `models/deepseek_v4/modeling_deepseek_v4.py`): the one home of their parameter counts, cached
 * elements, keys per query and operations. Every layer attends over a sliding window of its
 * shared-KV MQA head; a layer with a `compressRatio` also over entries pooled from every
 * `compressRatio` tokens: all of them (HCA, a `full` layer) or the lightning indexer's top-k (CSA, a
 * `sparse` layer, whose entries and indexer keys pool two overlapping series). Its hyper-connections
 * (mHC) are residual-stream-params.ts's and operations-residual.ts's. Conventions: operations.ts.
 */
import { type InputIssue, InternalError } from '../errors.js';
import { type AttentionMode, limitedMeanKeys } from './layer-kinds.js';
import type { OpBuilder } from './op-builder.js';
import { ACT_BYTES } from './operation-types.js';
import type { CompressedAttention, LayerSpec, ModelSpec, SparseAttentionSpec } from './spec.js';

/** The model's DeepSeek-V4 attention; a malformed spec otherwise. */
export function compressedAttention(spec: ModelSpec): CompressedAttention {
  if (spec.attention.kind !== 'compressed') throw new InternalError('a compressed layer needs V4 attention');
  return spec.attention;
}

/**
 * What a hand-written V4 attention (model-spec-schema.ts) must satisfy, as DeepseekV4Attention does: the
 * rotated slice within the head, `outputGroups` dividing heads·headDim (o_a's reshape), a window, and
 * only the layer kinds it has (sliding, CSA `sparse`, HCA `full`; no chunked attention).
 */
export function compressedAttentionIssues(
  a: CompressedAttention,
  hasWindow: boolean,
  mixers: readonly string[],
): InputIssue[] {
  const issues: InputIssue[] = [];
  if (mixers.includes('chunked'))
    issues.push({
      code: 'invalid_value',
      path: ['layerPattern'],
      message: 'compressed attention has no chunked layers: use sliding, sparse (CSA) or full (HCA)',
    });
  if (a.ropeHeadDim > a.headDim)
    issues.push({
      code: 'invalid_value',
      path: ['attention', 'ropeHeadDim'],
      message: `ropeHeadDim (${a.ropeHeadDim}) exceeds headDim (${a.headDim})`,
    });
  if ((a.numHeads * a.headDim) % a.outputGroups !== 0)
    issues.push({
      code: 'invalid_value',
      path: ['attention', 'outputGroups'],
      message: `outputGroups (${a.outputGroups}) must divide numHeads × headDim (${a.numHeads * a.headDim})`,
    });
  if (!hasWindow)
    issues.push({
      code: 'missing_field',
      path: ['slidingWindow'],
      message: "compressed attention attends over a window on every layer: give 'slidingWindow'",
    });
  return issues;
}

/**
 * DeepseekV4Attention's weights: q_a_proj (h → q_r) and q_a_norm, q_b_proj (q_r → heads·d), kv_proj
 * (h → d) and kv_norm, o_a_proj (g blocks of heads·d/g → d_g: d_g·heads·d), o_b_proj (g·d_g → h) and
 * one sink per head; no biases (q_b_norm is unweighted).
 */
export function compressedAttentionParams(spec: ModelSpec, a: CompressedAttention): number {
  const h = spec.hiddenSize;
  const q = a.numHeads * a.headDim;
  return (
    h * a.qLoraRank +
    a.qLoraRank +
    a.qLoraRank * q +
    h * a.headDim +
    a.headDim +
    a.outputLoraRank * q +
    a.outputGroups * a.outputLoraRank * h +
    a.numHeads
  );
}

/**
 * Series a layer's compressor pools: two overlapping ones (CSA, `DeepseekV4CSACompressor`: kv_proj
 * and gate_proj h → 2d) on a `sparse` layer, one (HCA, `DeepseekV4HCACompressor`: h → d) otherwise.
 */
const series = (layer: Pick<LayerSpec, 'attention'>): number => (layer.attention === 'sparse' ? 2 : 1);

/**
 * A layer's compressor (none without a ratio): kv_proj and gate_proj (h → series·d), position_bias
 * (ratio × series·d) and kv_norm (d).
 */
export function compressorParams(
  spec: ModelSpec,
  layer: Pick<LayerSpec, 'attention' | 'compressRatio'>,
): number {
  const ratio = layer.compressRatio;
  if (ratio === undefined) return 0;
  const d = compressedAttention(spec).headDim;
  const width = series(layer) * d;
  return 2 * spec.hiddenSize * width + ratio * width + d;
}

/**
 * The CSA layer's lightning indexer (`DeepseekV4Indexer`): its own two-series compressor at the index
 * head width c (kv_proj and gate_proj h → 2c, position_bias ratio × 2c, kv_norm c), q_b_proj from the
 * query latent (q_r → heads·c) and the scorer's weights_proj (h → heads).
 */
export function compressedIndexerParams(
  spec: ModelSpec,
  indexer: SparseAttentionSpec,
  ratio: number,
): number {
  const h = spec.hiddenSize;
  const c = indexer.headDim;
  return (
    2 * h * 2 * c +
    ratio * 2 * c +
    c +
    compressedAttention(spec).qLoraRank * indexer.numHeads * c +
    h * indexer.numHeads
  );
}

/**
 * Mean compressed entries a query reads: one per `ratio` earlier tokens (a query at t sees
 * ⌊(t + 1)/ratio⌋), all of them on an HCA layer, the indexer's top-k on a CSA layer (the causal ½
 * convention over a sequence, limitedMeanKeys).
 */
export function compressedEntriesPerQuery(
  spec: ModelSpec,
  layer: Pick<LayerSpec, 'attention' | 'compressRatio'>,
  contextTokens: number,
  mode: AttentionMode,
): number {
  const ratio = layer.compressRatio;
  if (ratio === undefined) return 0;
  const entries = contextTokens / ratio;
  const limit = layer.attention === 'sparse' ? (spec.sparseAttention?.topKTokens ?? entries) : entries;
  return limitedMeanKeys(entries, limit, mode);
}

/** Keys each query of a V4 layer attends to: its sliding window plus the compressed entries it reads. */
export function compressedKeysPerQuery(
  spec: ModelSpec,
  layer: Pick<LayerSpec, 'attention' | 'compressRatio'>,
  contextTokens: number,
  mode: AttentionMode,
): number {
  const window = spec.slidingWindow ?? contextTokens;
  return (
    limitedMeanKeys(contextTokens, window, mode) + compressedEntriesPerQuery(spec, layer, contextTokens, mode)
  );
}

/**
 * Cached elements of one V4 layer for a sequence of `contextTokens`: the window's shared K=V head
 * (`DeepseekV4HCACache`: the last `slidingWindow` tokens, d each) and one d-wide entry per `ratio`
 * tokens; a CSA layer's indexer keys, one per entry, are kv-cache.ts's (as DSA's, per `ratio`). The
 * compressors' open windows (fewer than `ratio` tokens of kv and gate) are not counted.
 */
export function compressedCacheElements(
  spec: ModelSpec,
  layer: Pick<LayerSpec, 'compressRatio'>,
  contextTokens: number,
): { readonly window: number; readonly entries: number } {
  const d = compressedAttention(spec).headDim;
  const kept = Math.min(contextTokens, spec.slidingWindow ?? contextTokens);
  const entries = layer.compressRatio === undefined ? 0 : contextTokens / layer.compressRatio;
  return { window: d * kept, entries: d * entries };
}

/**
 * A V4 layer's projections on one TP rank (heads split over TP as the queries' and groups' are;
 * the latent, the shared KV head and the compressor replicated): q_a, q_b, kv, the compressor's kv
 * and gate (pooled by a softmax-gated sum per window: read both, write the entries), o_a (g/t
 * blocks of heads·d/g → d_g) and o_b (row-parallel, g·d_g/t → h).
 */
export function compressedProjectionOps(
  spec: ModelSpec,
  layer: Pick<LayerSpec, 'attention' | 'compressRatio'>,
  b: OpBuilder,
  tokens: number,
  t: number,
): void {
  const a = compressedAttention(spec);
  const h = spec.hiddenSize;
  const replicated = { replicated: true };
  b.gemm('q_a', 'attentionProjections', tokens, a.qLoraRank, h, replicated);
  b.gemm('q_b', 'attentionProjections', tokens, (a.numHeads * a.headDim) / t, a.qLoraRank);
  b.gemm('kv', 'attentionProjections', tokens, a.headDim, h, replicated);
  if (layer.compressRatio !== undefined) {
    const width = series(layer) * a.headDim;
    b.gemm('compressor.kv_gate', 'attentionProjections', tokens, 2 * width, h, replicated);
    const pooled = ACT_BYTES * tokens * width;
    b.memory(
      'compressor.pool',
      'attentionScores',
      2 * pooled,
      pooled / (series(layer) * layer.compressRatio),
    );
  }
  const groupWidth = (a.numHeads * a.headDim) / a.outputGroups;
  b.gemm('o_a', 'attentionProjections', tokens, a.outputLoraRank, groupWidth, { count: a.outputGroups / t });
  b.gemm('o_b', 'attentionProjections', tokens, h, (a.outputGroups * a.outputLoraRank) / t);
}

/**
 * The CSA indexer's projections on one rank (replicated, as DSA's): its compressor (kv and gate,
 * h → 2c each, pooled), q_b from the query latent and weights_proj. Its scoring is DSA's over the
 * compressed keys (operations-indexer.ts).
 */
export function compressedIndexerProjectionOps(
  spec: ModelSpec,
  indexer: SparseAttentionSpec,
  ratio: number,
  b: OpBuilder,
  tokens: number,
): void {
  const h = spec.hiddenSize;
  const c = indexer.headDim;
  const replicated = { replicated: true };
  b.gemm('indexer.kv_gate', 'attentionProjections', tokens, 4 * c, h, replicated);
  const pooled = ACT_BYTES * tokens * 2 * c;
  b.memory('indexer.pool', 'attentionScores', 2 * pooled, pooled / (2 * ratio));
  b.gemm(
    'indexer.wq_b',
    'attentionProjections',
    tokens,
    indexer.numHeads * c,
    compressedAttention(spec).qLoraRank,
    replicated,
  );
  b.gemm('indexer.weights_proj', 'attentionProjections', tokens, indexer.numHeads, h, {
    ...replicated,
    datatype: 'bf16',
    bytes: 2,
  });
}
