/**
 * Softmax attention's operations: keys per query by layer kind (full, sliding window, chunked,
 * DSA top-k sparse), the q/k/v/o (GQA) or MLA projections on the TP shard, and the attention core
 * (FlashAttention calls, or unfused batched GEMMs + softmax). Conventions: operations.ts.
 */

import { compressedKeysPerQuery, compressedProjectionOps } from './compressed-attention.js';
import { kvElementsPerTokenPerLayer, kvShareOnGpu } from './kv-cache.js';
import {
  type AttentionMode,
  chunkedMeanKeys,
  crossContextTokens,
  limitedMeanKeys,
  sparseMeanKeys,
} from './layer-kinds.js';
import { layerView } from './layer-view.js';
import type { OpBuilder } from './op-builder.js';
import { ACT_BYTES, attentionSpanTokens, type OperationRequest, unreachable } from './operation-types.js';
import { attentionHeadDims, gqaWidths, isAttentionMixer, type LayerSpec, type ModelSpec } from './spec.js';

/** Mean keys per query: causal ½ convention; a window w < s gives (w·s − w²/2)/s (layer-kinds.ts). */
export function meanKeysPerQuery(
  contextTokens: number,
  mode: 'causal' | 'full' | 'decode',
  window: number | null,
): number {
  return limitedMeanKeys(contextTokens, window ?? Number.POSITIVE_INFINITY, kindsMode(mode));
}

function kindsMode(mode: 'causal' | 'full' | 'decode'): AttentionMode {
  return mode === 'full' ? 'non-causal' : mode;
}

/** Window of a layer's sliding attention, or null (global, chunked, sparse, or no attention). */
export function layerWindow(spec: ModelSpec, layer: LayerSpec): number | null {
  switch (layer.attention) {
    case 'sliding':
      return spec.slidingWindow;
    case 'full':
    case 'chunked':
    case 'sparse':
    case 'linear':
    case 'mamba':
    case 'conv':
    case 'projection':
    case 'cross':
    case 'none':
      return null;
    default:
      return unreachable(layer.attention);
  }
}

/**
 * Mean keys each query of a softmax-attention layer attends to: all earlier keys (full), the window
 * (sliding), its own chunk (chunked, Llama 4), or the indexer's top-k keys or blocks (sparse). Exhaustive.
 */
export function layerKeysPerQuery(
  spec: ModelSpec,
  layer: LayerSpec,
  contextTokens: number,
  mode: 'causal' | 'full' | 'decode',
): number {
  // DeepSeek-V4: the sliding window plus the compressed entries read (compressed-attention.ts).
  if (spec.attention.kind === 'compressed' && isAttentionMixer(layer.attention))
    return compressedKeysPerQuery(spec, layer, contextTokens, kindsMode(mode));
  switch (layer.attention) {
    case 'full':
    case 'sliding':
      return meanKeysPerQuery(contextTokens, mode, layerWindow(spec, layer));
    case 'chunked':
      return spec.chunkedAttentionTokens === null
        ? meanKeysPerQuery(contextTokens, mode, null)
        : chunkedMeanKeys(contextTokens, spec.chunkedAttentionTokens, kindsMode(mode));
    case 'sparse':
      return spec.sparseAttention
        ? sparseMeanKeys(spec.sparseAttention, contextTokens, kindsMode(mode))
        : meanKeysPerQuery(contextTokens, mode, null);
    case 'cross':
      // Every text token attends to every vision token, prefill and decode alike.
      return crossContextTokens(spec);
    case 'linear':
    case 'mamba':
    case 'conv':
    case 'projection':
    case 'none':
      return 0;
    default:
      return unreachable(layer.attention);
  }
}

/** Attention projections (GQA, MLA or DeepSeek-V4's) of `layer`, on the TP shard. */
export function attentionProjections(
  spec: ModelSpec,
  layer: Pick<LayerSpec, 'attention' | 'kvShared' | 'compressRatio'>,
  b: OpBuilder,
  tokens: number,
  t: number,
): void {
  const h = spec.hiddenSize;
  const a = layerView(spec, layer).attention;
  switch (a.kind) {
    case 'gqa': {
      const w = gqaWidths(a);
      const q = w.query;
      // Qwen3-Next/Qwen3.5 gated attention: q_proj also emits a sigmoid gate of the output width.
      const gate = a.outputGate ? w.output : 0;
      // Gemma 4 attention_k_eq_v: k_proj's output is also the values (no v_proj); a KV-shared layer
      // projects only its queries.
      // A cross-attention layer projects its keys and values from the image once (operations per image).
      const kv =
        ('kvShared' in layer && layer.kvShared) || layer.attention === 'cross'
          ? 0
          : a.valueFromKey
            ? w.key
            : w.key + w.value;
      if (a.queryRank === undefined) b.gemm('qkv', 'attentionProjections', tokens, (q + gate + kv) / t, h);
      else {
        // Step3 MFA (vLLM Step3TextAttention): the fused q_proj (h → r) and k/v projection, replicated
        // on every TP rank; inter_norm over the r-wide query; wq (r → heads·headDim) split by head.
        b.gemm('qkv', 'attentionProjections', tokens, a.queryRank + kv, h, {
          replicated: true,
        });
        const latent = ACT_BYTES * tokens * a.queryRank;
        b.memory('query-norm', 'activation', latent, latent);
        b.gemm('wq', 'attentionProjections', tokens, (q + gate) / t, a.queryRank);
      }
      if (gate > 0) {
        // o·sigmoid(gate) (Qwen3NextAttention.forward): read both, write the gated output.
        const bytes = (ACT_BYTES * tokens * w.output) / t;
        b.memory('output-gate', 'activation', 2 * bytes, bytes);
      }
      if (a.headGate) {
        // Step-3.5: o·sigmoid(g_proj(x)) per head (Step3p5Attention.forward): a GEMM to one scalar a
        // head, then the gated output read and written.
        b.gemm('g', 'attentionProjections', tokens, a.numHeads / t, h);
        const bytes = (ACT_BYTES * tokens * w.output) / t;
        b.memory('head-gate', 'activation', bytes, bytes);
      }
      b.gemm('o', 'attentionProjections', tokens, h, w.output / t);
      return;
    }
    case 'mla': {
      // DeepSeek-V2 Sec. 2.1, Eq. 9-19: compressed q (or direct), joint KV latent + RoPE key, up-projections.
      const qHead = a.qkNopeHeadDim + a.qkRopeHeadDim;
      if (a.qLoraRank === null) b.gemm('q', 'attentionProjections', tokens, (a.numHeads * qHead) / t, h);
      else {
        b.gemm('q_a', 'attentionProjections', tokens, a.qLoraRank, h, { replicated: true });
        b.gemm('q_b', 'attentionProjections', tokens, (a.numHeads * qHead) / t, a.qLoraRank);
      }
      b.gemm('kv_a', 'attentionProjections', tokens, a.kvLoraRank + a.qkRopeHeadDim, h, { replicated: true });
      b.gemm(
        'kv_b',
        'attentionProjections',
        tokens,
        (a.numHeads * (a.qkNopeHeadDim + a.vHeadDim)) / t,
        a.kvLoraRank,
      );
      if (a.outputGate) {
        // Kimi K3: o·sigmoid(g_proj(x)) before o_proj (as the GQA output gate above).
        const gated = (a.numHeads * a.vHeadDim) / t;
        b.gemm('g', 'attentionProjections', tokens, gated, h);
        const bytes = ACT_BYTES * tokens * gated;
        b.memory('output-gate', 'activation', 2 * bytes, bytes);
      }
      b.gemm('o', 'attentionProjections', tokens, h, (a.numHeads * a.vHeadDim) / t);
      return;
    }
    case 'compressed':
      compressedProjectionOps(spec, layer, b, tokens, t);
      return;
    default:
      unreachable(a);
  }
}

/** Query and KV heads of `layer` on one GPU, and rotary elements per token (q and k parts that rotate). */
export function headsOnGpu(
  spec: ModelSpec,
  layer: Pick<LayerSpec, 'attention' | 'kvShared'>,
  t: number,
): { query: number; kv: number; rotaryPerToken: number } {
  const a = layerView(spec, layer).attention;
  switch (a.kind) {
    case 'gqa':
      return {
        query: a.numHeads / t,
        kv: Math.max(1, a.numKvHeads / t),
        // A KV-shared layer rotates only its queries (its keys come rotated); cross-attention none.
        rotaryPerToken:
          layer.attention === 'cross'
            ? 0
            : ((a.numHeads + (layer.kvShared ? 0 : a.numKvHeads)) * a.headDim) / t,
      };
    case 'mla':
      return {
        query: a.numHeads / t,
        kv: a.numHeads / t,
        rotaryPerToken: (a.numHeads * a.qkRopeHeadDim) / t,
      };
    case 'compressed':
      // DeepseekV4Attention: RoPE on the queries' and the shared head's rope slice, and back off the
      // output's (the entries the compressors emit are rotated with them, elementwise and few).
      return { query: a.numHeads / t, kv: 1, rotaryPerToken: ((2 * a.numHeads) / t + 1) * a.ropeHeadDim };
    default:
      return unreachable(a);
  }
}

/**
 * Bytes per score element of eager attention (transformers `eager_attention_forward`: matmul ·
 * scaling, + causal mask, softmax(dtype=float32).to(bf16), matmul with V), one pass. Forward: QKᵀ
 * written 2, scaling read+write 4, mask add read+write 4, FP32 softmax read 2 + write 4, cast to BF16
 * read 4 + write 2, read by ·V 2 = 24. Backward: the probabilities' gradient written 2 and the
 * probabilities read for dV 2, cast backward read 2 + write 4, softmax backward reads the gradient
 * and its saved FP32 output and writes 4 + 4 + 4, the cast back read 4 + write 2, scaling backward
 * read+write 4, read by the dQ and dK GEMMs 2 + 2 = 36 (the mask add passes its gradient through).
 * The builder doubles a backward memory kernel's bytes, so backward passes half of 36.
 */
const eagerScoreBytes = (backward: boolean) => (backward ? 36 / 2 : 24);

/** The attention core of one layer: FlashAttention calls, or unfused batched GEMMs + softmax. */
export function attentionCore(
  spec: ModelSpec,
  layer: LayerSpec,
  request: OperationRequest,
  b: OpBuilder,
): void {
  const { shape, layout, phase } = request;
  const t = layout.tensorParallel;
  const cp = layout.contextParallel;
  const decoding = phase === 'decode';
  const a0 = layerView(spec, layer).attention;
  // MLA decode runs absorbed (DeepSeek-V2 Sec. 2.1.3: W^UK folded into the query, W^UV into the
  // output; FlashMLA): every head attends over the latent, qk = latent + RoPE key, v = latent.
  // Prompt chunks in a step that also decodes are timed absorbed too; a step that only prefills runs
  // multi-head attention over the up-projected keys and values, unless the engine runs its chunks
  // absorbed (request.mlaPrefixAbsorbed: SGLang below its prefix threshold; docs/serving.md, MLA prompt chunks).
  const absorbed = request.absorbedMla === true && a0.kind === 'mla';
  const latentDims =
    a0.kind === 'mla' ? { qkHeadDim: a0.kvLoraRank + a0.qkRopeHeadDim, vHeadDim: a0.kvLoraRank } : null;
  const modelDims = attentionHeadDims(a0);
  const { qkHeadDim, vHeadDim } = decoding && absorbed && latentDims ? latentDims : modelDims;
  const heads = headsOnGpu(spec, layer, t);
  const window = layerWindow(spec, layer);
  const backward = phase === 'backward';
  // DeepSeek-V4's eager attention (transformers' only backend for it) scores every token and every
  // compressed entry behind a mask, on each of its layers.
  const compressed = a0.kind === 'compressed';
  const global = compressed || layer.attention === 'full' || layer.attention === 'sliding';
  const implementation = request.attentionImplementation ?? 'flash';
  if (implementation !== 'flash' && !decoding && global) {
    // Megatron-LM 2021: QKᵀ and softmax·V as batched GEMMs over (micro-batch × heads); the score
    // matrix goes through memory: written (2 B), scale-mask-softmax read+write (4 B), read by ·V (2 B);
    // with dropout also read, written and masked (5 B). Backward runs both GEMMs' gradients.
    const queries = shape.tokensPerSequence / cp;
    const count = shape.sequences * heads.query;
    const keys =
      shape.contextTokens * (compressed ? 1 + 1 / (layer.compressRatio ?? Number.POSITIVE_INFINITY) : 1);
    b.gemm('scores', 'attentionScores', queries, keys, qkHeadDim, {
      count,
      datatype: 'bf16',
      bytes: 2,
      activations: true,
    });
    b.gemm('values', 'attentionScores', queries, vHeadDim, keys, {
      count,
      datatype: 'bf16',
      bytes: 2,
      activations: true,
    });
    const scoreElements = count * queries * keys;
    const perElement =
      (implementation === 'eager' ? eagerScoreBytes(backward) : 8) + (request.dropout ? 5 : 0);
    b.memory('softmax', 'softmax', (scoreElements * perElement) / 2, (scoreElements * perElement) / 2);
    return;
  }
  const mode = decoding ? 'decode' : (request.attentionMask ?? 'causal') === 'full' ? 'full' : 'causal';
  // Cross-attention reads the image's keys and values, not the sequence's, without a causal mask.
  const cross = layer.attention === 'cross';
  const keyLength = (context: number) => (cross ? crossContextTokens(spec) : context);
  const push = (
    name: string,
    batch: number,
    queryLength: number,
    kvLength: number,
    keysPerQuery: number,
    kvBytes: number,
    dims: { readonly qkHeadDim: number; readonly vHeadDim: number } = { qkHeadDim, vHeadDim },
  ) => {
    if (batch <= 0 || queryLength <= 0) return;
    const forwardFlops =
      2 * heads.query * (dims.qkHeadDim + dims.vHeadDim) * batch * queryLength * keysPerQuery;
    b.ops.push({
      type: 'attention',
      name,
      component: 'attentionScores',
      pass: backward ? 'backward' : 'forward',
      implementation: request.flashKernel ?? 'flash',
      batch,
      queryLength,
      kvLength,
      queryHeads: heads.query,
      kvHeads: heads.kv,
      qkHeadDim: dims.qkHeadDim,
      vHeadDim: dims.vHeadDim,
      causal: mode === 'causal' && !cross,
      window,
      ...(layer.attention === 'chunked' && spec.chunkedAttentionTokens !== null
        ? { chunk: spec.chunkedAttentionTokens }
        : {}),
      ...(layer.attention === 'sparse' && spec.sparseAttention
        ? { topKKeys: spec.sparseAttention.topKTokens }
        : {}),
      keysPerQuery,
      flops: backward ? 2.5 * forwardFlops : forwardFlops,
      kvBytes,
    });
  };
  if (decoding) {
    // Decode reads every cached token's K/V once per sequence (per query head on engines without
    // GQA-aware kernels); a TP rank holds its share of the KV heads (all of an MLA latent).
    const a = a0;
    const kvShare = kvShareOnGpu(a, t);
    const groupReads = request.kvReadPerQueryHead && a.kind === 'gqa' ? a.numHeads / a.numKvHeads : 1;
    // Chunked layers read one chunk's keys, sparse (DSA) layers only the top-k keys' latents.
    const keys = layerKeysPerQuery(spec, layer, shape.contextTokens, 'decode');
    const kvBytesPerToken =
      kvElementsPerTokenPerLayer(spec, layer) *
      (request.kvBytesPerElement ?? ACT_BYTES) *
      kvShare *
      groupReads;
    push(
      'attention.decode',
      shape.sequences,
      shape.tokensPerSequence,
      keyLength(shape.contextTokens),
      keys,
      shape.sequences * keys * kvBytesPerToken,
    );
  } else {
    // Context parallelism splits each sequence's queries over cp ranks, load-balanced (zigzag). Packed
    // documents masked at their boundaries attend as that many shorter sequences (FlashAttention varlen).
    const span = cross ? shape.contextTokens : attentionSpanTokens(shape, shape.contextTokens);
    const keys = layerKeysPerQuery(spec, layer, span, mode);
    const spans =
      span < shape.contextTokens ? (shape.sequences * shape.contextTokens) / span : shape.sequences;
    const queries = span < shape.contextTokens ? span : shape.tokensPerSequence;
    push('attention', spans, queries / cp, keyLength(span), keys, 0);
  }
  if (shape.prefill && shape.prefill.tokens > 0) {
    const { tokens, meanContextTokens } = shape.prefill;
    const keys = layerKeysPerQuery(spec, layer, meanContextTokens, 'decode');
    const dims =
      absorbed && (decoding || request.mlaPrefixAbsorbed === true) && latentDims ? latentDims : modelDims;
    push('attention.prefill', 1, tokens, keyLength(meanContextTokens), keys, 0, dims);
  }
}
