/**
 * One operation list per layer: the GEMMs, attention calls, memory-bound kernels and collectives a
 * decoder layer (or the embedding, output head and loss) runs on one GPU, for one phase (training
 * forward, backward, recomputation; serving prefill or decode), one token shape and one layout.
 * FLOPs per token (flops.ts), training and fine-tuning step time (training/layer-cost.ts) and the
 * serving step (inference/serving-step.ts) all read this list; nothing else derives layer shapes.
 *
 * Conventions: a GEMM is (m×k)·(k×n), 2·m·n·k FLOPs (Kaplan et al. 2020, Sec. 2.1); the backward
 * pass of a GEMM is an input-gradient GEMM (m×n)·(n×k) and a weight-gradient GEMM (k×m)·(m×n)
 * (Narayanan et al. 2021, Sec. 5.1); attention costs 2·heads·(d_qk + d_v) FLOPs per (query, key)
 * pair, causal attention s/2 keys per query on average (the FlashAttention convention).
 * Tensor parallelism splits heads and the MLP's intermediate dimension (Shoeybi et al. 2019, Sec. 3).
 */

import { layerAdapterMatrices } from './adapters.js';
import { layerExtraOperations } from './layer-extras.js';
import { layerKey, layerView } from './layer-view.js';
import { modalityExpertParams } from './mixer-params.js';
import { OpBuilder } from './op-builder.js';
import {
  ACT_BYTES,
  type MemoryOp,
  type Operation,
  type OperationLayout,
  type OperationRequest,
  tokensOnGpu,
} from './operation-types.js';
import { headsOnGpu } from './operations-attention.js';
import { mixerOperations } from './operations-mixers.js';
import { mlpOperations } from './operations-mlp.js';
import { perLayerInputOperations, residualStreamOperations } from './operations-residual.js';
import { gqaKeyValueWidth, isAttentionMixer, type LayerSpec, type ModelSpec } from './spec.js';
import { perSpecMemo } from './spec-memo.js';

// The entry points' public surface, unchanged by the split: importers keep importing from here.
export type {
  AttentionOp,
  CollectiveOp,
  GemmOp,
  GemmPass,
  MemoryOp,
  MixerOp,
  OpComponent,
  Operation,
  OperationLayout,
  OperationRequest,
  Phase,
  TokenShape,
} from './operation-types.js';
export { tokensOnGpu } from './operation-types.js';
export { layerKeysPerQuery, layerWindow, meanKeysPerQuery } from './operations-attention.js';
export { embeddingOperations, headOperations } from './operations-head.js';
export { expectedExpertsTouched } from './operations-mlp.js';

/** Adapter GEMMs (x·A, then ·B, on the TP shard) and the dequantisation of QLoRA's 4-bit base. */
function adapterOperations(
  spec: ModelSpec,
  layer: LayerSpec,
  request: OperationRequest,
  b: OpBuilder,
  tokens: number,
): void {
  const adapter = request.adapter;
  if (!adapter) return;
  const { layout } = request;
  const t = layout.tensorParallel;
  const moe = layer.mlp === 'moe' ? spec.moe : null;
  const r = adapter.rank;
  // Only the adapted matrices this layer has (q/k/v/o on attention layers, mixer projections on
  // linear/Mamba layers, the dense MLP or the experts).
  for (const m of layerAdapterMatrices(spec, adapter, layer)) {
    const routed = moe !== null && m.routed;
    // Routed experts' adapters split as their experts: over EP × ETP, on the EP group's tokens.
    const shard = routed ? (layout.expertTensorParallel ?? t) : t;
    const perExpert = routed
      ? (layout.expertParallel * tokens * (shard / t) * moe.topK) / moe.numExperts
      : tokens;
    const count = routed ? moe.numExperts / layout.expertParallel : 1;
    const opts = { count, datatype: 'bf16' as const, bytes: 2, trains: true };
    b.gemm('lora_a', 'adapter', perExpert, r, m.inFeatures / shard, opts);
    b.gemm('lora_b', 'adapter', perExpert, m.outFeatures / shard, r, opts);
    // The adapter path joins the base output as separate kernels: lora_B(lora_A(x)) * scaling, then
    // result + it (PEFT tuners/lora/layer.py Linear.forward; Megatron-Bridge's LoRALinear and its
    // ParallelLinearAdapter the same): the scale reads and writes the output, the add reads two and
    // writes one. Backward, as autograd runs it: the add hands its gradient to both inputs unchanged
    // (no kernel), the scale's gradient is one scale of it, and the input x, read now by the base GEMM
    // and by lora_A, has its two gradients summed (read two, write one of x).
    const outputBytes = perExpert * (m.outFeatures / shard) * ACT_BYTES;
    if (!b.backward) {
      b.memory('lora_scale', 'adapter', outputBytes, outputBytes, count);
      b.memory('lora_add', 'adapter', 2 * outputBytes, outputBytes, count);
    } else {
      const inputBytes = perExpert * (m.inFeatures / shard) * ACT_BYTES;
      b.memoryOnce('lora_scale.grad', 'adapter', outputBytes, outputBytes, count);
      b.memoryOnce('lora_input.grad-sum', 'adapter', 2 * inputBytes, inputBytes, count);
    }
  }
  if (adapter.quantizedBase === null) return;
  const weights = localLayerWeights(spec, layer, layout);
  const dequantize = (name: string, read: number, written: number): MemoryOp => ({
    type: 'memory',
    name,
    component: 'dequantize',
    bytesRead: weights * read,
    bytesWritten: weights * written,
    count: 1,
  });
  // NF4 → BF16 once per pass, backward included: read the 4-bit weights and constants, write BF16
  // (Dettmers et al. 2023, Sec. 3; bitsandbytes MatMul4Bit dequantises again in its backward).
  if (adapter.quantizedBase === 'nf4') {
    b.ops.push(dequantize('dequantize', adapter.baseBytesPerParam, 2));
    return;
  }
  // GPTQ INT4 through AutoGPTQ's PyTorch fallback (qlinear_cuda_old.py forward), per forward pass:
  // shift the packed INT32 words into an INT32 tensor of one element per weight (read 0.5, write 4),
  // cast to INT8 (4 → 1), mask the low bits in place (1 → 1), subtract the zero points (1 → 1),
  // multiply by the FP16 scales (1 → 2); per-group zeros and scales are 1/128 of that and left out.
  // The backward GEMM reads the FP16 weight autograd saved, so the backward pass dequantises nothing.
  if (request.phase === 'backward') return;
  b.ops.push(
    dequantize('dequantize.shift', 0.5, 4),
    dequantize('dequantize.cast', 4, 1),
    dequantize('dequantize.mask', 1, 1),
    dequantize('dequantize.zeros', 1, 1),
    dequantize('dequantize.scales', 1, 2),
  );
}

/**
 * Matmul weights of one layer on one GPU: its TP shard of the split matrices, the whole of those every
 * rank runs (`replicated`), and its EP share of the routed experts.
 */
export function localLayerWeights(spec: ModelSpec, layer: LayerSpec, layout: OperationLayout): number {
  const w = layerWeights(spec, layer);
  const t = layout.tensorParallel;
  return (
    tpShard(nonExpertWeights(w), w.replicated, t) +
    w.allRoutedExperts / ((layout.expertTensorParallel ?? t) * layout.expertParallel)
  );
}

/** A layer's matrices other than its routed experts: split over TP, or whole where `replicated`. */
export const nonExpertWeights = (w: LayerWeights): number =>
  w.attention + w.denseMlp + w.sharedExperts + w.router + w.perLayerInput + w.residualStreams + w.layerExtras;

/** One TP rank's share of `params` of which `replicated` every rank holds whole. */
export const tpShard = (params: number, replicated: number, tensorParallel: number): number =>
  (params - replicated) / tensorParallel + replicated;

export interface LayerWeights {
  readonly attention: number;
  readonly denseMlp: number;
  readonly sharedExperts: number;
  /** The top-k routed experts one token reaches. */
  readonly routedExperts: number;
  /** Every routed expert of the layer. */
  readonly allRoutedExperts: number;
  readonly router: number;
  /** Gemma 4 per-layer inputs (PLE): the layer's gate, projection and slice of the model projection. */
  readonly perLayerInput: number;
  /** Gemma 3n AltUp router and LAuReL pair. */
  readonly residualStreams: number;
  /** The matmuls of the layer's extras (LayerSpec.extras), all replicated. */
  readonly layerExtras: number;
  /**
   * Of the above, the matrices every tensor-parallel rank holds whole (operation list `replicated`: MLA
   * down-projections, the router, Step3's shared query, DSA's indexer, AltUp and LAuReL).
   */
  readonly replicated: number;
}

const weightsMemo = perSpecMemo<string, LayerWeights>();

const replicatedMemo = perSpecMemo<'layers', Float64Array>();

/** `LayerWeights.replicated` of every layer, by index (memoised: the layout search asks per stage). */
export const replicatedByLayer = (spec: ModelSpec): Float64Array =>
  replicatedMemo(spec, 'layers', () =>
    Float64Array.from(spec.layers, (l) => layerWeights(spec, l).replicated),
  );

/** Components whose GEMMs hold a weight matrix, one per layer (not routed experts, scores or head). */
const WHOLE_WEIGHT_COMPONENTS: ReadonlySet<string> = new Set([
  'attentionProjections',
  'denseMlp',
  'sharedExperts',
  'router',
  'perLayerInput',
  'residualStreams',
  'layerExtras',
]);

/** Matmul weights of one layer by component, read off a one-token forward (memoised per spec). */
export const layerWeights = (spec: ModelSpec, layer: LayerSpec): LayerWeights =>
  weightsMemo(spec, layerKey(layer), () => computeLayerWeights(spec, layer));

function computeLayerWeights(spec: ModelSpec, layer: LayerSpec): LayerWeights {
  const ops = layerOperations(spec, layer, {
    phase: 'forward',
    shape: { sequences: 1, tokensPerSequence: 1, contextTokens: 1 },
    layout: { tensorParallel: 1, contextParallel: 1, expertParallel: 1, sequenceParallel: false },
    datatype: 'bf16',
    gemmInputBytes: 2,
  });
  const out = {
    attention: 0,
    denseMlp: 0,
    sharedExperts: 0,
    routedExperts: 0,
    allRoutedExperts: 0,
    router: 0,
    perLayerInput: 0,
    residualStreams: 0,
    layerExtras: 0,
    replicated: 0,
  };
  for (const op of ops) {
    if (op.type !== 'gemm') continue;
    // One token: m·count = tokens reaching the matrix, n·k = the weight matrix.
    const weights = op.n * op.k;
    if (op.replicated && WHOLE_WEIGHT_COMPONENTS.has(op.component)) out.replicated += weights;
    if (op.component === 'attentionProjections') out.attention += weights;
    else if (op.component === 'denseMlp') out.denseMlp += weights;
    else if (op.component === 'sharedExperts') out.sharedExperts += weights;
    else if (op.component === 'router') out.router += weights;
    else if (op.component === 'perLayerInput') out.perLayerInput += weights;
    // The router runs twice per layer (count 2) on one matrix.
    else if (op.component === 'residualStreams') out.residualStreams += weights;
    else if (op.component === 'layerExtras') out.layerExtras += weights;
    else if (op.component === 'routedExperts') {
      out.routedExperts += weights * op.m * op.count;
      out.allRoutedExperts += weights * (spec.moe?.numExperts ?? 0);
    }
  }
  // A second expert group no token of this forward runs (ERNIE-4.5-VL's vision experts) is still held,
  // gathered and synchronised with the experts.
  if (layer.mlp === 'moe' && spec.moe?.modalityExperts) {
    const modality = modalityExpertParams(spec, spec.moe);
    out.allRoutedExperts += modality.experts;
    out.router += modality.router;
    out.replicated += modality.router;
  }
  return out;
}

/**
 * Attention Residuals' mean candidates per mixture over the layers (mlx-lm kimi_k3.py
 * KimiDecoderLayer): layer i mixes, before its attention, the c blocks kept by layers 0…i−1 (every
 * B-th, c = ⌊(i−1)/B⌋ + 1; none at layer 0) plus its running sum, and before its MLP the blocks kept
 * through layer i (⌊i/B⌋ + 1) plus the sum. 0 without Attention Residuals.
 */
export function attentionResidualCandidates(spec: ModelSpec): number {
  const block = spec.attentionResiduals?.blockLayers;
  if (block === undefined) return 0;
  let candidates = 0;
  for (let i = 0; i < spec.numLayers; i += 1) {
    candidates += (i === 0 ? 0 : Math.floor((i - 1) / block) + 2) + Math.floor(i / block) + 2;
  }
  return candidates / (2 * spec.numLayers);
}

/**
 * The operations one decoder layer runs on one GPU for one phase. `recompute` is the forward run
 * again (full activation recomputation, Korthikanti et al. 2022); `backward` lists input- and
 * weight-gradient GEMMs (weight gradients only for trainable matrices), attention backward,
 * element-wise gradients and the communication of the backward pass.
 */
export function layerOperations(model: ModelSpec, layer: LayerSpec, request: OperationRequest): Operation[] {
  // The layer's own KV heads, MLP width and norms (Nemotron-NAS).
  const spec = layerView(model, layer);
  const b = new OpBuilder(request, request.adapter === undefined);
  const { layout } = request;
  const t = layout.tensorParallel;
  const h = spec.hiddenSize;
  const tokens = tokensOnGpu(request);
  if (tokens <= 0) return b.ops;

  mixerOperations(spec, layer, request, b, tokens);
  const activationElements = mlpOperations(spec, layer, request, b, tokens);
  adapterOperations(spec, layer, request, b, tokens);
  perLayerInputOperations(spec, b, tokens);
  residualStreamOperations(spec, b, tokens);
  layerExtraOperations(layer, b, tokens);

  // Element-wise kernels (memory-bound): norms read and write the hidden state, each residual add
  // reads two and writes one; with sequence parallelism they run on 1/t of the tokens.
  const hidden = (ACT_BYTES * tokens * h) / (layout.sequenceParallel ? t : 1);
  const hasMixer = layer.attention !== 'none';
  const hasMlp = layer.mlp !== 'none';
  const attention = isAttentionMixer(layer.attention);
  // Eager modules move more bytes per element than one fused kernel (EAGER_TRAFFIC); training only.
  const eager = request.eagerElementwise === true ? EAGER_TRAFFIC : FUSED_TRAFFIC;
  b.memory('norm', 'norm', eager.norm * hidden, eager.norm * hidden, spec.norm.perLayer);
  b.memory('residual', 'residual', 2 * hidden, hidden, (hasMixer ? 1 : 0) + (hasMlp ? 1 : 0));
  // Attention Residuals (Kimi K3): before the mixer and before the MLP each token reads its running
  // sum and the block residuals kept so far, and writes their softmax mixture (scores elementwise).
  const candidates = attentionResidualCandidates(spec);
  if (candidates > 0) b.memory('attn-res', 'residual', candidates * hidden, hidden, 2);
  b.memory(
    'activation',
    'activation',
    (eager.activation * ACT_BYTES * activationElements * 2) / 3,
    (eager.activation * ACT_BYTES * activationElements) / 3,
  );
  const rotary = attention ? ACT_BYTES * tokens * headsOnGpu(spec, layer, t).rotaryPerToken : 0;
  b.memory('rotary', 'rotary', eager.rotary * rotary, eager.rotary * rotary);
  if (request.datatype === 'fp8' && request.phase !== 'decode' && request.phase !== 'prefill') {
    // FP8 training (DeepSeek-V3 Sec. 3.3): each GEMM input read in BF16 and written in FP8 twice
    // (row- and column-wise tiles for the backward): 4 bytes per element; the backward casts the
    // output gradients entering its input-gradient GEMMs the same way.
    let elements = 0;
    for (const op of b.ops) {
      if (op.type === 'gemm' && op.pass !== 'weight-gradient' && op.datatype === 'fp8')
        elements += op.m * op.k * op.count;
    }
    b.memory('fp8-cast', 'cast', 2 * elements, 2 * elements);
  }

  // Tensor parallelism: with sequence parallelism two all-gathers and two reduce-scatters per layer
  // and pass, otherwise two all-reduces (Korthikanti et al. 2022, Sec. 4.2.2), on the T×h activation.
  const bytes = tokens * h * ACT_BYTES;
  const sublayers = [...(hasMixer ? ['attention'] : []), ...(hasMlp ? ['mlp'] : [])];
  for (const name of sublayers) {
    if (layout.sequenceParallel) {
      b.collective(`${name}.all-gather`, 'tensorParallel', 'all-gather', bytes, t, 1);
      b.collective(`${name}.reduce-scatter`, 'tensorParallel', 'reduce-scatter', bytes, t, 1);
    } else b.collective(`${name}.all-reduce`, 'tensorParallel', 'all-reduce', bytes, t, 1);
  }
  // Context parallelism: all-gather of K and V over the CP group, overlapped with attention (a
  // KV-shared layer reuses the gathered K and V of the layer it shares with).
  const cp = layout.contextParallel;
  if (cp > 1 && attention && !layer.kvShared) {
    const a = spec.attention;
    // DeepSeek-V4's one shared K=V head is whole on every TP rank: t of them make up its width.
    const kvWidth =
      a.kind === 'mla'
        ? a.numHeads * (a.qkNopeHeadDim + a.vHeadDim + a.qkRopeHeadDim)
        : a.kind === 'gqa'
          ? gqaKeyValueWidth(a)
          : a.headDim * t;
    b.collective(
      'kv.all-gather',
      'contextParallel',
      'all-gather',
      cp * tokens * (kvWidth / t) * ACT_BYTES,
      cp,
      t,
      true,
    );
  }
  return b.ops;
}

/** A recurrent mixer's norms whose inputs its backward reads (lightning's RMSNorm, the mLSTM's multihead_norm). */
const NORM_INPUTS = new Set(['gated-norm', 'output-norm']);

/**
 * Activation bytes a layer's token mixer keeps for the backward pass, read off its forward operation
 * list (the tensors each op's backward reads, Korthikanti et al. 2022 Sec. 4.1's accounting applied
 * op by op): every GEMM's input (for its weight gradient), each mixer kernel's saved inputs, and the
 * inputs of the gates and gated norms inside the mixer. The layer's pre-norm and residual stream are
 * counted with the layer (training-memory.ts). Conservative: a tensor feeding two GEMMs (the DSA
 * indexer's wk and weights_proj read the hidden state like kv_a) is counted for each, and GEMM inputs
 * are counted whole under sequence parallelism. Softmax attention's own tensors are not included
 * (training-memory.ts counts them in closed form): only its extra GEMMs and the indexer here.
 */
export function mixerActivationBytes(spec: ModelSpec, layer: LayerSpec, request: OperationRequest): number {
  const forward: OperationRequest = { ...request, phase: 'forward' };
  const ops = layerOperations(spec, { ...layer, mlp: 'none' }, forward);
  const softmax = isAttentionMixer(layer.attention);
  let bytes = 0;
  for (const op of ops) {
    if (op.type === 'gemm') {
      // Softmax attention's projections are in the closed form; the indexer's are extra.
      if (softmax && !op.name.startsWith('indexer.')) continue;
      // Per-layer inputs, AltUp, LAuReL, mHC and the layer's extras keep theirs in activations.ts.
      if (
        op.component === 'perLayerInput' ||
        op.component === 'residualStreams' ||
        op.component === 'layerExtras'
      )
        continue;
      bytes += op.m * op.k * op.count * ACT_BYTES;
    } else if (op.type === 'mixer') bytes += op.savedBytes;
    else if (op.type === 'memory' && !softmax && (op.component === 'activation' || NORM_INPUTS.has(op.name)))
      bytes += op.bytesRead;
  }
  return bytes;
}

/**
 * Bytes an element-wise op moves as eager PyTorch runs it, over one fused kernel's (read the input,
 * write the output). RMSNorm (transformers LlamaRMSNorm, torchtitan's 2024 RMSNorm): cast to FP32
 * 2 → 4, pow 4 → 4, mean 4, scale 4 → 4, cast back 4 → 2, weight 2 → 2: 36 B per element against 4.
 * Rotary (apply_rotary_pos_emb: x·cos, rotate_half's neg and cat, ·sin, add; torchtitan's complex
 * product with FP32 casts likewise): 20 B against 4. SwiGLU (act_fn(gate) · up): silu 2 → 2, mul
 * 4 → 2: 10 B against 6. The residual add is one kernel either way. The backward is taken to repeat
 * the forward's ratio (autograd runs the same chain of ops in reverse).
 */
const FUSED_TRAFFIC = { norm: 1, rotary: 1, activation: 1 } as const;
const EAGER_TRAFFIC = { norm: 9, rotary: 5, activation: 10 / 6 } as const;

/** FLOPs of a GEMM or attention op (0 for memory-bound kernels and collectives). */
export function operationFlops(op: Operation): number {
  if (op.type === 'gemm') return 2 * op.m * op.n * op.k * op.count;
  if (op.type === 'attention' || op.type === 'mixer') return op.flops;
  return 0;
}
