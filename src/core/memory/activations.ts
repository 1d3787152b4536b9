/**
 * Activation bytes of one decoder layer for one microbatch: Korthikanti et al. 2022 (Eq. 1-6,
 * Table 2) generalised to GQA/MLA, gated and MoE MLPs, FP8 caching and eager (unfused) stacks; the
 * linear, Mamba and DSA mixers from their operation list. Split out of training-memory.ts.
 */

import { layerKey } from '../model/flops.js';
import { mixerActivationBytes } from '../model/operations.js';
import { isAttentionMixer, type LayerSpec, type ModelSpec } from '../model/spec.js';
import type { ParallelLayout } from '../parallelism/layout.js';

export interface ActivationOptions {
  readonly seqLen: number;
  readonly flashAttention: boolean;
  readonly dropout: boolean;
  /** Bytes per element of the GEMM inputs kept for the backward pass (2 BF16; 1 with FP8 caching). */
  readonly gemmInputBytes?: number;
  /** Eager element-wise ops that each save their input (Hugging Face modules without fusion). */
  readonly unfusedElementwise?: boolean;
}

/**
 * Activation bytes of one decoder layer for one microbatch (Korthikanti et al. 2022, generalised).
 * `layer` is a layer kind, or 'dense'/'moe' for a full-attention layer. Softmax attention and MLPs
 * in closed form; the DSA indexer, Gated DeltaNet and Mamba-2 mixers from their operation list
 * (operations.ts `mixerActivationBytes`); a layer without a mixer or an MLP keeps nothing for it.
 */
export function activationBytesPerLayer(
  spec: ModelSpec,
  layer: 'dense' | 'moe' | LayerSpec,
  layout: ParallelLayout,
  options: ActivationOptions,
): number {
  const kind: LayerSpec = typeof layer === 'string' ? { attention: 'full', mlp: layer } : layer;
  const t = layout.tensorParallel;
  const s = options.seqLen / layout.contextParallel;
  const b = layout.microBatchSize;
  const h = spec.hiddenSize;
  const sbh = s * b * h;
  // Tensors replicated across TP ranks unless sequence parallelism splits them (Korthikanti Sec. 4.2.2).
  const rep = layout.sequenceParallel ? 1 / t : 1;
  // GEMM inputs saved for the weight gradient: BF16, or FP8 as cast (Transformer Engine's FP8 recipe).
  const g = options.gemmInputBytes ?? 2;
  if (layout.recompute === 'full') return 2 * sbh * rep; // only the layer input is kept (Table 2)

  const a = spec.attention;
  const heads = a.numHeads;
  const qkDim = a.kind === 'mla' ? a.qkNopeHeadDim + a.qkRopeHeadDim : a.headDim;
  const vDim = a.kind === 'mla' ? a.vHeadDim : a.headDim;
  const kvHeads = a.kind === 'mla' ? heads : a.numKvHeads;
  const mask = options.dropout ? 1 : 0;
  const softmax = isAttentionMixer(kind.attention);
  let attention: number;
  if (!softmax) {
    // Linear, Mamba and mixer-less layers: the tensors their operation list keeps (operations.ts).
    attention = mixerOpActivations(spec, kind, layout, options.seqLen);
  } else {
    // Attention: input to QKV (2sbh), Q and K (Korthikanti's "QKᵀ: 4sbh" for MHA), V (BF16 for the
    // attention kernel), output-projection input.
    attention =
      g * sbh * rep +
      (2 * s * b * (heads * qkDim + kvHeads * qkDim + kvHeads * vDim) + g * s * b * heads * vDim) / t;
    // DSA: the indexer's projections' inputs and the selected keys (operations.ts).
    if (kind.attention === 'sparse') attention += mixerOpActivations(spec, kind, layout, options.seqLen);
    if (a.kind === 'mla')
      attention += g * s * b * ((a.qLoraRank ?? 0) + a.kvLoraRank + a.qkRopeHeadDim) * rep;
    // Gated attention (Qwen3-Next/Qwen3.5): the sigmoid gate, a query-width tensor, for its backward.
    if (a.kind === 'gqa' && a.outputGate) attention += (2 * s * b * heads * qkDim) / t;
    attention += mask * sbh * rep;
    if (options.flashAttention) {
      attention += (4 * s * b * heads) / t; // FP32 log-sum-exp per query and head
    } else if (layout.recompute !== 'selective') {
      // Softmax output 2as²b, its dropout mask as²b and dropout output 2as²b (5as²b with dropout, Eq. 1).
      attention += ((options.dropout ? 5 : 2) * heads * s * s * b) / t;
    }
  }
  const norms = spec.norm.perLayer * 2 * sbh * rep;
  // fc1 input, fc1 output(s) (BF16, the activation's input) and the activation output that feeds fc2:
  // 2+8+8 sbh for GPT's 4h MLP.
  const mlpTensors = (intermediate: number, gated: boolean) =>
    (s * b * intermediate * (2 * (gated ? 2 : 1) + g)) / t;
  let mlp: number;
  if (kind.mlp === 'none') {
    mlp = 0;
  } else if (kind.mlp === 'dense' || !spec.moe) {
    mlp = g * sbh * rep + mlpTensors(spec.mlp.intermediateSize, spec.mlp.gated) + mask * sbh * rep;
  } else {
    const moe = spec.moe;
    // Each token's copy in each of its top-k experts: dispatched input and expert MLP activations
    // (average load; expert tensor parallelism = TP), plus shared experts and FP32 router logits.
    mlp =
      moe.topK * (g * sbh + mlpTensors(moe.expertIntermediateSize, moe.gated)) +
      (moe.numSharedExperts > 0
        ? mlpTensors(moe.numSharedExperts * moe.sharedIntermediateSize, moe.gated)
        : 0) +
      g * sbh * rep +
      4 * s * b * moe.numExperts;
  }
  let eager = 0;
  if (options.unfusedElementwise) {
    // Hugging Face eager modules (transformers modeling_llama.py): RMSNorm saves its FP32 upcast for
    // pow and the multiply (+4sbh each, beyond the BF16 input); RoPE saves q and k and their
    // rotate_half copies (+2 × (q + k)); SwiGLU saves silu(gate) beside gate and up (+2sbI).
    eager =
      spec.norm.perLayer * 4 * sbh * rep +
      (softmax ? (2 * 2 * s * b * (heads + kvHeads) * qkDim) / t : 0) +
      (kind.mlp === 'none'
        ? 0
        : kind.mlp === 'moe' && spec.moe
          ? (spec.moe.topK * 2 * s * b * spec.moe.expertIntermediateSize) / t
          : (2 * s * b * spec.mlp.intermediateSize) / t);
    // Eager attention (no FlashAttention): softmax(dtype=float32) also saves its FP32 output, 4as²b
    // beside the BF16 probabilities ·V keeps (transformers eager_attention_forward).
    if (softmax && !options.flashAttention && layout.recompute !== 'selective')
      eager += (4 * heads * s * s * b) / t;
  }
  return attention + norms + mlp + eager;
}

const mixerActivationCache = new WeakMap<ModelSpec, Map<string, number>>();

/** Memoised per spec and shape: the layout search asks once per candidate layout. */
function mixerOpActivations(
  spec: ModelSpec,
  kind: LayerSpec,
  layout: ParallelLayout,
  seqLen: number,
): number {
  let bySpec = mixerActivationCache.get(spec);
  if (!bySpec) {
    bySpec = new Map();
    mixerActivationCache.set(spec, bySpec);
  }
  const key = [
    layerKey(kind),
    layout.tensorParallel,
    layout.contextParallel,
    layout.sequenceParallel,
    layout.microBatchSize,
    seqLen,
  ].join('/');
  let bytes = bySpec.get(key);
  if (bytes === undefined) {
    bytes = computeMixerOpActivations(spec, kind, layout, seqLen);
    bySpec.set(key, bytes);
  }
  return bytes;
}

function computeMixerOpActivations(
  spec: ModelSpec,
  kind: LayerSpec,
  layout: ParallelLayout,
  seqLen: number,
): number {
  return mixerActivationBytes(spec, kind, {
    phase: 'forward',
    shape: { sequences: layout.microBatchSize, tokensPerSequence: seqLen, contextTokens: seqLen },
    layout: {
      tensorParallel: layout.tensorParallel,
      contextParallel: layout.contextParallel,
      expertParallel: 1,
      sequenceParallel: layout.sequenceParallel,
    },
    datatype: 'bf16',
    gemmInputBytes: 2,
  });
}
