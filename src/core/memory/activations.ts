/**
 * Activation bytes of one decoder layer for one microbatch: Korthikanti et al. 2022 (Eq. 1-6,
 * Table 2) generalised to GQA/MLA, gated and MoE MLPs, FP8 caching and eager (unfused) stacks; the
 * linear, Mamba and DSA mixers from their operation list. Split out of training-memory.ts.
 */

import { layerKinds } from '../model/flops.js';
import { layerExtrasActivationBytes } from '../model/layer-extras.js';
import { crossContextTokens } from '../model/layer-kinds.js';
import { layerKey, layerView } from '../model/layer-view.js';
import { mixerActivationBytes } from '../model/operations.js';
import {
  attentionHeadDims,
  gqaWidths,
  isAttentionMixer,
  type LayerSpec,
  type ModelSpec,
} from '../model/spec.js';
import { perSpecMemo } from '../model/spec-memo.js';
import {
  expertTensorParallelOf,
  type ParallelLayout,
  type PartialRecompute,
  type RecomputeModule,
  stageRecomputeShare,
} from '../parallelism/layout.js';

export interface ActivationOptions {
  readonly seqLen: number;
  readonly flashAttention: boolean;
  readonly dropout: boolean;
  /** Bytes per element of the GEMM inputs kept for the backward pass (2 BF16; 1 with FP8 caching). */
  readonly gemmInputBytes?: number;
  /** Bytes per activation element: 2 under 16-bit autocast (default), 4 under FP32 training. */
  readonly elementBytes?: number;
  /** Eager element-wise ops that each save their input (Hugging Face modules without fusion). */
  readonly unfusedElementwise?: boolean;
  /** What `recompute: selective` keeps (StackMemory.selectiveCheckpoint; default 'attention'). */
  readonly selectiveCheckpoint?: 'attention' | 'ops';
  /**
   * Megatron-Core's recompute modules under `recompute: selective`, replacing the stack's policy (default:
   * the attention core alone, Megatron's selective recomputation).
   */
  readonly recomputeModules?: readonly RecomputeModule[];
}

/**
 * Activation bytes of one decoder layer for one microbatch (Korthikanti et al. 2022, generalised).
 * `layer` is a layer kind, or 'dense'/'moe' for a full-attention layer. Softmax attention and MLPs
 * in closed form; the DSA indexer, Gated DeltaNet and Mamba mixers from their operation list
 * (operations.ts `mixerActivationBytes`); a layer without a mixer or an MLP keeps nothing for it.
 */
export function activationBytesPerLayer(
  model: ModelSpec,
  layer: 'dense' | 'moe' | LayerSpec,
  layout: ParallelLayout,
  options: ActivationOptions,
): number {
  // FP32 training saves its 16-bit tensors in FP32: twice the bytes counted below (whose FP32 terms are
  // written at 4 / scale bytes, so they stay 4).
  return activationScale(options) * sixteenBitActivationBytes(model, layer, layout, options);
}

/** Bytes of an activation element over 2: 1 under 16-bit autocast, 2 under FP32 training. */
const activationScale = (options: ActivationOptions) => (options.elementBytes ?? 2) / 2;

function sixteenBitActivationBytes(
  model: ModelSpec,
  layer: 'dense' | 'moe' | LayerSpec,
  layout: ParallelLayout,
  options: ActivationOptions,
): number {
  const kind: LayerSpec = typeof layer === 'string' ? { attention: 'full', mlp: layer } : layer;
  // The layer's own KV heads, MLP width and norms (Nemotron-NAS).
  const spec = layerView(model, kind);
  const t = layout.tensorParallel;
  const s = options.seqLen / layout.contextParallel;
  const b = layout.microBatchSize;
  const h = spec.hiddenSize;
  const sbh = s * b * h;
  // Tensors replicated across TP ranks unless sequence parallelism splits them (Korthikanti Sec. 4.2.2).
  const rep = layout.sequenceParallel ? 1 / t : 1;
  // GEMM inputs saved for the weight gradient: BF16, or FP8 as cast (Transformer Engine's FP8 recipe).
  const g = options.gemmInputBytes ?? 2;
  // Tensors FP32 whatever the training precision (log-sum-exp, router logits), at 4 bytes after the caller's
  // scaling; and FP32 copies of 16-bit tensors (eager upcasts), none where those already are FP32.
  const f32 = 4 / activationScale(options);
  const upcast = activationScale(options) === 1 ? 1 : 0;
  // Only the layer input is kept (Table 2): AltUp's or mHC's n streams of it (Gemma 3n, DeepSeek-V4).
  if (layout.recompute === 'full')
    return 2 * sbh * rep * (spec.altUp?.streams ?? spec.hyperConnections?.streams ?? 1);
  // Selective recomputation by module (Megatron-Core's recompute_modules): each named module keeps only
  // its input; the attention core alone where none is named.
  const recomputed = (m: RecomputeModule) =>
    layout.recompute === 'selective' && (options.recomputeModules ?? ['core_attn']).includes(m);
  if (
    layout.recompute === 'selective' &&
    options.selectiveCheckpoint === 'ops' &&
    options.recomputeModules === undefined
  ) {
    // Layers the per-op policy is not modelled for (MLA, MoE, linear mixers) keep every tensor.
    return (
      opPolicySavedBytes(spec, kind, layout, options) ??
      sixteenBitActivationBytes(spec, kind, { ...layout, recompute: 'none' }, options)
    );
  }

  const a = spec.attention;
  const heads = a.numHeads;
  const { qkHeadDim: qkDim, vHeadDim: vDim } = attentionHeadDims(a);
  // A KV-shared layer (Gemma 4) saves no keys or values of its own: they are the earlier layer's;
  // DeepSeek-V4's one shared head counts once as keys and once as values.
  const kvHeads = kind.kvShared ? 0 : a.kind === 'mla' ? heads : a.kind === 'gqa' ? a.numKvHeads : 1;
  const mask = options.dropout ? 1 : 0;
  const softmax = isAttentionMixer(kind.attention);
  let attention: number;
  if (!softmax) {
    // Linear, Mamba and mixer-less layers: the tensors their operation list keeps (operations.ts).
    attention = mixerOpActivations(spec, kind, layout, options.seqLen);
    // Cross-attention (Llama 3.2 Vision): beside its q and o inputs (in the list), the queries, the
    // image's keys and values (per sequence, `contextTokens` of them) and the FP32 log-sum-exp.
    if (kind.attention === 'cross') {
      const image = crossContextTokens(spec);
      attention +=
        (2 * s * b * heads * qkDim + 2 * image * b * kvHeads * (qkDim + vDim) + f32 * s * b * heads) / t;
    }
  } else {
    // Attention: input to QKV (2sbh), Q and K (Korthikanti's "QKᵀ: 4sbh" for MHA), V (BF16 for the
    // attention kernel), output-projection input.
    // The QKV input is the layer norm's output: not kept where the norms recompute. mla_up_proj
    // (Megatron-Core MultiLatentAttention, CheckpointWithoutOutput) frees MLA's up-projected Q, K and V
    // once the attention core has run and rebuilds them from the latents for its backward.
    const upProjected = recomputed('mla_up_proj') && a.kind === 'mla';
    attention =
      (recomputed('layernorm') ? 0 : g * sbh * rep) +
      ((upProjected ? 0 : 2 * s * b * (heads * qkDim + kvHeads * qkDim + kvHeads * vDim)) +
        g * s * b * heads * vDim) /
        t;
    // DSA: the indexer's projections' inputs and the selected keys (operations.ts).
    if (kind.attention === 'sparse') attention += mixerOpActivations(spec, kind, layout, options.seqLen);
    if (a.kind === 'mla')
      attention += g * s * b * ((a.qLoraRank ?? 0) + a.kvLoraRank + a.qkRopeHeadDim) * rep;
    // DeepSeek-V4: q_b's latent input and o_b's grouped input (compressed-attention.ts).
    if (a.kind === 'compressed')
      attention += g * s * b * (a.qLoraRank * rep + (a.outputGroups * a.outputLoraRank) / t);
    // Gated attention (Qwen3-Next/Qwen3.5): the sigmoid gate, a query-width tensor, for its backward.
    if (a.kind === 'gqa' && a.outputGate) attention += (2 * s * b * heads * qkDim) / t;
    // Head-wise gate (Step-3.5): the ungated attention output and the per-head gate, for their backward.
    if (a.kind === 'gqa' && a.headGate) attention += (2 * s * b * heads * (vDim + 1)) / t;
    // Step3's low-rank query: its r-wide latent, saved for the backward as MLA's query latent is.
    if (a.kind === 'gqa' && a.queryRank !== undefined) attention += g * s * b * a.queryRank * rep;
    attention += mask * sbh * rep;
    if (options.flashAttention) {
      attention += (f32 * s * b * heads) / t; // FP32 log-sum-exp per query and head
    } else if (!recomputed('core_attn')) {
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
  } else if (kind.mlp === 'projection') {
    // Nemotron-NAS linear replacement: the h × h Linear's input (and its dropout mask).
    mlp = g * sbh * rep + mask * sbh * rep;
  } else if (kind.mlp === 'dense' || !spec.moe) {
    // Kosmos-2's ffn_layernorm keeps its input (the activation's output, BF16) for its backward.
    const norm = spec.mlp.intermediateNorm ? (2 * s * b * spec.mlp.intermediateSize) / t : 0;
    // `mlp` re-runs the dense MLP from its input (the norm's output, unless the norms recompute too).
    mlp =
      (recomputed('layernorm') ? 0 : g * sbh * rep) +
      (recomputed('mlp') ? 0 : mlpTensors(spec.mlp.intermediateSize, spec.mlp.gated) + norm) +
      mask * sbh * rep;
  } else {
    const moe = spec.moe;
    // Each token's copy in each of its top-k experts: dispatched input and expert MLP activations
    // (average load), plus shared experts and FP32 router logits. With expert tensor parallelism ETP
    // each rank holds ETP/TP of the TP group's dispatched inputs (all of them at ETP = TP, gathered;
    // its sequence-parallel share at ETP = 1); the expert MLP tensors are 1/TP either way.
    const dispatched = expertTensorParallelOf(layout) / t;
    // moe_act recomputes the experts' activation function: its output (fc2's input) is not kept. `moe`
    // recomputes the whole layer from its input (the norm's output, unless the norms recompute too).
    const routed =
      moe.topK *
      (g * sbh * dispatched +
        mlpTensors(moe.expertIntermediateSize, moe.gated) -
        (recomputed('moe_act') ? (g * s * b * moe.expertIntermediateSize) / t : 0));
    const inner =
      routed +
      // `shared_experts` re-runs the shared experts from the layer's input.
      (moe.numSharedExperts > 0 && !recomputed('shared_experts')
        ? mlpTensors(moe.numSharedExperts * moe.sharedIntermediateSize, moe.gated)
        : 0) +
      f32 * s * b * moe.numExperts;
    mlp = (recomputed('moe') ? 0 : inner) + (recomputed('layernorm') ? 0 : g * sbh * rep);
  }
  let eager = 0;
  if (options.unfusedElementwise) {
    // Hugging Face eager modules (transformers modeling_llama.py): RMSNorm saves its FP32 upcast for
    // pow and the multiply (+4sbh each, beyond the BF16 input); RoPE saves q and k and their
    // rotate_half copies (+2 × (q + k)); SwiGLU saves silu(gate) beside gate and up (+2sbI).
    eager =
      upcast * spec.norm.perLayer * 4 * sbh * rep +
      (softmax ? (2 * 2 * s * b * (heads + kvHeads) * qkDim) / t : 0) +
      (kind.mlp === 'none' || kind.mlp === 'projection'
        ? 0
        : kind.mlp === 'moe' && spec.moe
          ? (spec.moe.topK * 2 * s * b * spec.moe.expertIntermediateSize) / t
          : (2 * s * b * spec.mlp.intermediateSize) / t);
    // Eager attention (no FlashAttention): softmax(dtype=float32) also saves its FP32 output, 4as²b
    // beside the BF16 probabilities ·V keeps (transformers eager_attention_forward).
    if (softmax && !options.flashAttention && !recomputed('core_attn'))
      eager += (upcast * 4 * heads * s * s * b) / t;
  }
  return (
    attention +
    norms +
    mlp +
    eager +
    residualStreamActivations(spec, s * b, rep) +
    layerExtrasActivationBytes(kind, s * b)
  );
}

/**
 * Bytes recomputation rebuilds for one layer at a time in the backward pass (Korthikanti et al. 2022,
 * Sec. 5: one layer's activations live again while it recomputes): all of its discarded activations
 * under full recomputation, those a per-op policy or the recompute modules did not keep under selective
 * (Megatron's own selective recomputation rebuilds inside FlashAttention's kernel).
 */
export function recomputeWorkspaceBytes(
  model: ModelSpec,
  layer: 'dense' | 'moe' | LayerSpec,
  layout: ParallelLayout,
  options: ActivationOptions,
): number {
  if (layout.recompute === 'none') return 0;
  const kept = activationBytesPerLayer(model, layer, { ...layout, recompute: 'none' }, options);
  if (layout.recompute === 'full') return kept;
  return options.selectiveCheckpoint === 'ops' || options.recomputeModules !== undefined
    ? kept - activationBytesPerLayer(model, layer, layout, options)
    : 0;
}

/** One layer's activations of each kind a stage holds: per layer kind (layerKinds' order), or of a dense and a MoE layer. */
export interface LayerActivations {
  /** Per kind (hybrid, sparse and MLP-less models; pipeline-placement.ts rankLayers counts them), else null. */
  readonly byKind: readonly number[] | null;
  readonly dense: number;
  readonly moe: number;
}

/** One microbatch's activations per layer for the layout (per kind where the model mixes kinds). */
export function layerActivations(
  model: ModelSpec,
  layout: ParallelLayout,
  options: ActivationOptions,
  byKind: boolean,
): LayerActivations {
  if (byKind)
    return {
      byKind: layerKinds(model).map(({ layer }) => activationBytesPerLayer(model, layer, layout, options)),
      dense: 0,
      moe: 0,
    };
  return {
    byKind: null,
    dense: activationBytesPerLayer(model, 'dense', layout, options),
    moe: activationBytesPerLayer(model, 'moe', layout, options),
  };
}

/**
 * A stage's layers' activations of one microbatch: its kinds' counts, or its dense and MoE layers, each
 * as the layout recomputes it (`recomputed`); under partial recomputation (layout.ts PartialRecompute)
 * the stage's recomputed layers keep that, the rest everything (`kept`: without recomputation).
 */
export function stageActivations(
  a: {
    readonly recomputed: LayerActivations;
    readonly kept: LayerActivations | null;
    readonly partial: PartialRecompute | undefined;
  },
  layers: number,
  kindCounts: ArrayLike<number>,
  denseLayers: number,
  moeLayers: number,
): number {
  const recomputed = stageLayerActivations(a.recomputed, kindCounts, denseLayers, moeLayers);
  const share = stageRecomputeShare(layers, a.partial);
  if (!a.kept || share === 1) return recomputed;
  return share * recomputed + (1 - share) * stageLayerActivations(a.kept, kindCounts, denseLayers, moeLayers);
}

/** A stage's layers' activations of one microbatch: its kinds' counts, or its dense and MoE layers. */
function stageLayerActivations(
  a: LayerActivations,
  kindCounts: ArrayLike<number>,
  denseLayers: number,
  moeLayers: number,
): number {
  if (!a.byKind) return denseLayers * a.dense + moeLayers * a.moe;
  let bytes = 0;
  for (let k = 0; k < a.byKind.length; k += 1) bytes += kindCounts[k]! * a.byKind[k]!;
  return bytes;
}

/**
 * Bytes Gemma 3n's AltUp and LAuReL keep per layer for the backward pass (transformers
 * `Gemma3nTextAltUp`, `Gemma3nTextLaurelBlock`): the n streams the prediction mixes (2n·sbh), the
 * router's RMSNorm and GEMM inputs in predict and in correct (8·sbh), the innovation (2·sbh);
 * LAuReL's linear_right input (2·sb·r) and its norm's input (2·sbh); its linear_left reads the
 * normed input the attention projections keep. Replicated over TP unless sequence parallel.
 */
function residualStreamActivations(spec: ModelSpec, tokens: number, rep: number): number {
  const th = tokens * spec.hiddenSize;
  const altUp = spec.altUp ? (2 * spec.altUp.streams + 10) * th : 0;
  const laurel = spec.laurel ? 2 * th + 2 * tokens * spec.laurel.rank : 0;
  // mHC (DeepseekV4HyperConnection, twice a layer): the n input streams fn and the mix read (2n·sbh).
  const hc = spec.hyperConnections ? 2 * 2 * spec.hyperConnections.streams * th : 0;
  return (altUp + laurel + hc) * rep;
}

/**
 * Bytes torchtitan's per-op selective checkpointing keeps of one softmax-attention (GQA/MHA) layer
 * with a dense MLP for one microbatch (torchtitan 9dec370 `parallelize_llama.py` `_save_list` and
 * `_get_custom_policy`): the block's input (the checkpoint's argument), the outputs of the 1st, 3rd,
 * 5th, … matmul in forward order (q, k, v, o, w1, w3, w2: q, v, w1 and w2 are kept), SDPA's output
 * with its FP32 log-sum-exp, and the reduce-scatter outputs of sequence-parallel TP; everything else
 * is recomputed in the backward pass. A row-parallel matmul's output is the full-sequence partial sum
 * on each TP rank. `null` for layers the policy is not modelled for.
 */
export function opPolicySavedBytes(
  spec: ModelSpec,
  kind: LayerSpec,
  layout: ParallelLayout,
  options: ActivationOptions,
): number | null {
  const a = spec.attention;
  if (a.kind !== 'gqa' || !isAttentionMixer(kind.attention) || kind.mlp !== 'dense') return null;
  const t = layout.tensorParallel;
  const tokens = (options.seqLen / layout.contextParallel) * layout.microBatchSize;
  const h = spec.hiddenSize;
  const rep = layout.sequenceParallel ? 1 / t : 1;
  const columnOut = (width: number) => (2 * tokens * width) / t; // BF16, sharded over TP
  const rowOut = 2 * tokens * h; // BF16 partial sums before the reduction
  const i = spec.mlp.intermediateSize;
  const w = gqaWidths(a);
  const matmuls = [
    columnOut(w.query + (a.outputGate ? w.output : 0)),
    columnOut(w.key),
    columnOut(w.value),
    rowOut,
    ...(spec.mlp.gated ? [columnOut(i), columnOut(i)] : [columnOut(i)]),
    rowOut,
  ];
  const keptMatmuls = matmuls.reduce((sum, bytes, k) => (k % 2 === 0 ? sum + bytes : sum), 0);
  const sdpa = columnOut(w.output) + (4 * tokens * a.numHeads) / t;
  const reduceScatter = t > 1 && layout.sequenceParallel ? 2 * 2 * tokens * h * rep : 0;
  return 2 * tokens * h * rep + keptMatmuls + sdpa + reduceScatter;
}

const mixerActivationMemo = perSpecMemo<string, number>();

/** Memoised per spec and shape: the layout search asks once per candidate layout. */
function mixerOpActivations(
  spec: ModelSpec,
  kind: LayerSpec,
  layout: ParallelLayout,
  seqLen: number,
): number {
  const key = [
    layerKey(kind),
    layout.tensorParallel,
    layout.contextParallel,
    layout.sequenceParallel,
    layout.microBatchSize,
    seqLen,
  ].join('/');
  return mixerActivationMemo(spec, key, () => computeMixerOpActivations(spec, kind, layout, seqLen));
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
