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

import type { Collective } from '../hardware/collectives.js';
import type { Datatype } from '../hardware/hardware-spec.js';
import type { AdapterRuntime } from './adapters.js';
import { indexerElementsPerToken, kvElementsPerTokenPerLayer } from './kv-cache.js';
import {
  type AttentionMode,
  chunkedMeanKeys,
  gatedDeltaNetConvFlopsPerToken,
  gatedDeltaNetRuleFlopsPerToken,
  limitedMeanKeys,
  mamba2ConvFlopsPerToken,
  mamba2ScanFlopsPerToken,
  sparseAttentionFlopsPerToken,
} from './layer-kinds.js';
import { mtpLayer } from './param-count.js';
import {
  attentionHeadDims,
  type GatedDeltaNetSpec,
  isAttentionMixer,
  type LayerSpec,
  type Mamba2Spec,
  type ModelSpec,
  type SparseAttentionSpec,
} from './spec.js';

export type Phase = 'forward' | 'backward' | 'recompute' | 'prefill' | 'decode';

/** What an operation belongs to: FLOP components match `FlopsBreakdown`; the rest are kernels. */
export type OpComponent =
  | 'attentionProjections'
  | 'attentionScores'
  | 'denseMlp'
  | 'sharedExperts'
  | 'routedExperts'
  | 'router'
  | 'head'
  | 'embedding'
  | 'loss'
  | 'norm'
  | 'residual'
  | 'activation'
  | 'rotary'
  | 'softmax'
  | 'cast'
  | 'dequantize'
  | 'adapter'
  | 'tensorParallel'
  | 'contextParallel'
  | 'expertParallel';

export type GemmPass = 'forward' | 'input-gradient' | 'weight-gradient';

export interface GemmOp {
  readonly type: 'gemm';
  readonly name: string;
  readonly component: OpComponent;
  readonly pass: GemmPass;
  /** (m×k)·(k×n), `count` times (a grouped GEMM: one per local expert, or per head when batched). */
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly count: number;
  readonly datatype: Datatype;
  /** Bytes per input element (weights and activations); the output is BF16. */
  readonly inputBytesPerElement: number;
  /** 2:4 structured-sparse weights (serving only). */
  readonly sparse24: boolean;
  /** Every tensor-parallel rank runs it whole (MLA down-projections, the router). */
  readonly replicated: boolean;
}

function gemmOp(
  name: string,
  component: OpComponent,
  pass: GemmPass,
  m: number,
  n: number,
  k: number,
  count: number,
  datatype: Datatype,
  inputBytesPerElement: number,
  sparse24: boolean,
  replicated: boolean,
): GemmOp {
  return {
    type: 'gemm',
    name,
    component,
    pass,
    m,
    n,
    k,
    count,
    datatype,
    inputBytesPerElement,
    sparse24,
    replicated,
  };
}

export interface AttentionOp {
  readonly type: 'attention';
  readonly name: string;
  readonly component: 'attentionScores';
  readonly pass: 'forward' | 'backward';
  readonly implementation: 'flash';
  /** Sequences in the call, and query tokens per sequence on this GPU. */
  readonly batch: number;
  readonly queryLength: number;
  /** Keys each sequence spans (the sequence length, or the cached context at decode). */
  readonly kvLength: number;
  /** Query and KV heads on this GPU. */
  readonly queryHeads: number;
  readonly kvHeads: number;
  readonly qkHeadDim: number;
  readonly vHeadDim: number;
  readonly causal: boolean;
  readonly window: number | null;
  /** Chunk of chunked attention (Llama 4 local layers), else absent. */
  readonly chunk?: number;
  /** Top-k keys of DSA sparse attention, else absent. */
  readonly topKKeys?: number;
  /** Mean keys each query attends to, after the causal mask and the window, chunk or top-k. */
  readonly keysPerQuery: number;
  /** FLOPs executed (the backward recomputes QKᵀ: 2.5× the forward, FlashAttention-2 Sec. 3.2). */
  readonly flops: number;
  /** K/V bytes read from memory (decode reads the cache; training keeps tiles on chip: 0). */
  readonly kvBytes: number;
}

export interface MemoryOp {
  readonly type: 'memory';
  readonly name: string;
  readonly component: OpComponent;
  /** Bytes one call reads and writes; the kernel runs `count` times. */
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly count: number;
}

export interface CollectiveOp {
  readonly type: 'collective';
  readonly name: string;
  readonly component: 'tensorParallel' | 'contextParallel' | 'expertParallel';
  readonly collective: Collective;
  /** The full buffer per rank (see hardware/collectives.ts). */
  readonly bytes: number;
  readonly groupSize: number;
  /** Rank distance between group members (rank order TP → CP → DP/EP → PP). */
  readonly ranksApart: number;
  /** Network the group spans: inside a node, or across nodes; null when gpusPerNode is not given. */
  readonly tier: 'scale-up' | 'scale-out' | null;
  /** Runs concurrently with this phase's attention (ring/all-gather context parallelism). */
  readonly overlapsAttention?: boolean;
}

/**
 * A token-mixing kernel other than softmax attention: the causal depthwise conv1d of Gated
 * DeltaNet and Mamba-2, the chunked gated delta rule, the Mamba-2 SSD scan, DSA's indexer scoring.
 * Its FLOPs come from layer-kinds.ts (one home per formula); its bytes are the tensors it streams
 * (inputs, outputs, chunk states; the recurrent state at decode). Time: the roofline of both.
 */
export interface MixerOp {
  readonly type: 'mixer';
  readonly name: string;
  readonly component: 'attentionScores';
  readonly pass: 'forward' | 'backward';
  readonly kernel: 'causal-conv1d' | 'gated-delta-rule' | 'ssd' | 'dsa-indexer';
  /** Tokens the kernel processes on this GPU. */
  readonly tokens: number;
  /** Runs the recurrence one token at a time (decode) rather than the chunked form. */
  readonly recurrent: boolean;
  readonly flops: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  /**
   * Bytes of its inputs the backward reads, kept as activations in training (fla and mamba_ssm
   * save q, k, v, g, β or x, B, C, dt and recompute the chunk states; the indexer keeps its top-k).
   */
  readonly savedBytes: number;
  /** Every tensor-parallel rank runs it whole (the DSA indexer). */
  readonly replicated?: boolean;
}

export type Operation = GemmOp | AttentionOp | MixerOp | MemoryOp | CollectiveOp;

export interface OperationLayout {
  readonly tensorParallel: number;
  readonly contextParallel: number;
  /** GPUs the routed experts are spread over (each holds numExperts / expertParallel). */
  readonly expertParallel: number;
  /** Tensor parallelism inside each expert: Megatron trains with TP (default); serving with 1. */
  readonly expertTensorParallel?: number;
  /** Rank distance between EP group members (default tp·cp, Megatron's tp-cp-ep-dp order). */
  readonly expertRanksApart?: number;
  readonly sequenceParallel: boolean;
  /** GPUs per node: sets each collective's network tier and group-limited routing (optional). */
  readonly gpusPerNode?: number;
}

export interface TokenShape {
  /** Sequences on this GPU (training micro-batch; decoding sequences on this attention rank). */
  readonly sequences: number;
  /** New tokens per sequence: the sequence length in training and prefill, 1 (+ drafts) at decode. */
  readonly tokensPerSequence: number;
  /** Keys each sequence spans: the sequence length, or the cached context at decode. */
  readonly contextTokens: number;
  /** Chunked prefill riding on a decode step: prompt tokens on this rank and their mean context. */
  readonly prefill?: { readonly tokens: number; readonly meanContextTokens: number };
}

export interface OperationRequest {
  readonly phase: Phase;
  readonly shape: TokenShape;
  readonly layout: OperationLayout;
  /** GEMM datatype and bytes per input element (FP8 training: 1; FP4 weights: 0.5). */
  readonly datatype: Datatype;
  readonly gemmInputBytes: number;
  /** `full` counts the whole attention matrix (Megatron's MFU convention); default causal. */
  readonly attentionMask?: 'causal' | 'full';
  /** FlashAttention (default) or unfused batched GEMMs with scores through memory (Megatron 2021). */
  readonly attentionImplementation?: 'flash' | 'unfused';
  /** Attention and hidden dropout (unfused attention writes and reads the mask). */
  readonly dropout?: boolean;
  /** Slowest expert rank's load over the mean (default 1). */
  readonly expertImbalance?: number;
  /** LoRA/QLoRA/DoRA: frozen base (no weight gradients) plus adapter GEMMs. */
  readonly adapter?: AdapterRuntime;
  /** Serving: KV-cache bytes per element, 2:4 sparse weights, KV loaded once per query head. */
  readonly kvBytesPerElement?: number;
  readonly sparse24?: boolean;
  readonly kvReadPerQueryHead?: boolean;
}

const ACT_BYTES = 2; // BF16 activations

function unreachable(value: never): never {
  throw new Error(`unhandled layer kind ${JSON.stringify(value)}`);
}

/** Tokens this GPU's GEMMs process in a call (after context parallelism). */
export function tokensOnGpu(request: OperationRequest): number {
  const { shape, layout } = request;
  const own = (shape.sequences * shape.tokensPerSequence) / layout.contextParallel;
  return own + (shape.prefill?.tokens ?? 0);
}

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
    case 'none':
      return null;
    default:
      return unreachable(layer.attention);
  }
}

/**
 * Mean keys each query of a softmax-attention layer attends to: all earlier keys (full), the window
 * (sliding), its own chunk (chunked, Llama 4), or the indexer's top-k (sparse, DSA). Exhaustive.
 */
export function layerKeysPerQuery(
  spec: ModelSpec,
  layer: LayerSpec,
  contextTokens: number,
  mode: 'causal' | 'full' | 'decode',
): number {
  switch (layer.attention) {
    case 'full':
    case 'sliding':
      return meanKeysPerQuery(contextTokens, mode, layerWindow(spec, layer));
    case 'chunked':
      return spec.chunkedAttentionTokens === null
        ? meanKeysPerQuery(contextTokens, mode, null)
        : chunkedMeanKeys(contextTokens, spec.chunkedAttentionTokens, kindsMode(mode));
    case 'sparse':
      return meanKeysPerQuery(contextTokens, mode, spec.sparseAttention?.topKTokens ?? null);
    case 'linear':
    case 'mamba':
    case 'none':
      return 0;
    default:
      return unreachable(layer.attention);
  }
}

/** Builds op records for one request, so that every op carries the same datatype and pass logic. */
class OpBuilder {
  readonly ops: Operation[] = [];
  constructor(
    private readonly request: OperationRequest,
    private readonly trainsBase: boolean,
  ) {}

  get backward(): boolean {
    return this.request.phase === 'backward';
  }

  /** A forward GEMM, or its input- and weight-gradient GEMMs in the backward phase. */
  gemm(
    name: string,
    component: OpComponent,
    m: number,
    n: number,
    k: number,
    options: {
      count?: number;
      datatype?: Datatype;
      bytes?: number;
      trains?: boolean;
      activations?: boolean;
      replicated?: boolean;
    } = {},
  ): void {
    if (m <= 0 || n <= 0 || k <= 0) return;
    const count = options.count ?? 1;
    if (count <= 0) return;
    const datatype = options.datatype ?? this.request.datatype;
    const bytes = options.bytes ?? this.request.gemmInputBytes;
    const replicated = options.replicated === true;
    if (!this.backward) {
      const sparse = this.request.sparse24 === true && component !== 'head' && component !== 'router';
      this.ops.push(gemmOp(name, component, 'forward', m, n, k, count, datatype, bytes, sparse, replicated));
      return;
    }
    const grad = (suffix: string, pass: GemmPass, gm: number, gn: number, gk: number) =>
      this.ops.push(
        gemmOp(`${name}.${suffix}`, component, pass, gm, gn, gk, count, datatype, bytes, false, replicated),
      );
    grad('dgrad', 'input-gradient', m, k, n);
    // Both operands are activations (QKᵀ, softmax·V): two input gradients, no weight gradient.
    if (options.activations) grad('dgrad2', 'input-gradient', k, n, m);
    else if (options.trains ?? this.trainsBase) grad('wgrad', 'weight-gradient', k, n, m);
  }

  /** A memory-bound kernel; its backward reads and writes twice the bytes (gradients of both). */
  memory(name: string, component: OpComponent, bytesRead: number, bytesWritten: number, count = 1): void {
    if (bytesRead + bytesWritten <= 0 || count <= 0) return;
    this.ops.push({
      type: 'memory',
      name,
      component,
      bytesRead,
      bytesWritten,
      count: this.backward ? 2 * count : count,
    });
  }

  /**
   * A token-mixing kernel with its forward FLOPs and bytes. Its backward computes two gradients per
   * product and recomputes what the forward did not keep (fla's chunk_gated_delta_rule_bwd recomputes
   * W, U and the chunk states; mamba_ssm's SSD backward the chunk states): FlashAttention-2's 2.5×
   * forward FLOPs (Sec. 3.2), as for attention; it reads the output gradient and writes input gradients
   * besides the forward's tensors (2× the bytes). Convolutions have nothing to recompute: 2×.
   */
  mixer(
    name: string,
    kernel: MixerOp['kernel'],
    tokens: number,
    flops: number,
    bytesRead: number,
    bytesWritten: number,
    options: { recurrent?: boolean; replicated?: boolean; savedBytes?: number } = {},
  ): void {
    if (tokens <= 0 || flops + bytesRead + bytesWritten <= 0) return;
    const backward = this.backward;
    const flopsFactor = backward ? (kernel === 'causal-conv1d' ? 2 : 2.5) : 1;
    const bytesFactor = backward ? 2 : 1;
    this.ops.push({
      type: 'mixer',
      name,
      component: 'attentionScores',
      pass: backward ? 'backward' : 'forward',
      kernel,
      tokens,
      recurrent: options.recurrent ?? false,
      flops: flops * flopsFactor,
      bytesRead: bytesRead * bytesFactor,
      bytesWritten: bytesWritten * bytesFactor,
      savedBytes: options.savedBytes ?? 0,
      ...(options.replicated ? { replicated: true } : {}),
    });
  }

  collective(
    name: string,
    component: CollectiveOp['component'],
    collective: Collective,
    bytes: number,
    groupSize: number,
    ranksApart: number,
    overlapsAttention?: boolean,
  ): void {
    if (groupSize <= 1 || bytes <= 0) return;
    const perNode = this.request.layout.gpusPerNode;
    const tier = perNode === undefined ? null : ranksApart * groupSize <= perNode ? 'scale-up' : 'scale-out';
    this.ops.push({
      type: 'collective',
      name,
      component,
      collective,
      bytes,
      groupSize,
      ranksApart,
      tier,
      ...(overlapsAttention ? { overlapsAttention } : {}),
    });
  }
}

/** Attention projections (GQA or MLA), on the TP shard; returns GEMM input elements for FP8 casts. */
function attentionProjections(spec: ModelSpec, b: OpBuilder, tokens: number, t: number): void {
  const h = spec.hiddenSize;
  const a = spec.attention;
  switch (a.kind) {
    case 'gqa': {
      const q = a.numHeads * a.headDim;
      const kv = a.numKvHeads * a.headDim;
      // Qwen3-Next/Qwen3.5 gated attention: q_proj also emits a sigmoid gate of the query width.
      const gate = a.outputGate ? q : 0;
      b.gemm('qkv', 'attentionProjections', tokens, (q + gate + 2 * kv) / t, h);
      if (gate > 0) {
        // o·sigmoid(gate) (Qwen3NextAttention.forward): read both, write the gated output.
        const bytes = (ACT_BYTES * tokens * q) / t;
        b.memory('output-gate', 'activation', 2 * bytes, bytes);
      }
      b.gemm('o', 'attentionProjections', tokens, h, q / t);
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
      b.gemm('o', 'attentionProjections', tokens, h, (a.numHeads * a.vHeadDim) / t);
      return;
    }
    default:
      unreachable(a);
  }
}

/** Query and KV heads on one GPU, and rotary elements per token (q and k parts that rotate). */
function headsOnGpu(spec: ModelSpec, t: number): { query: number; kv: number; rotaryPerToken: number } {
  const a = spec.attention;
  switch (a.kind) {
    case 'gqa':
      return {
        query: a.numHeads / t,
        kv: Math.max(1, a.numKvHeads / t),
        rotaryPerToken: ((a.numHeads + a.numKvHeads) * a.headDim) / t,
      };
    case 'mla':
      return {
        query: a.numHeads / t,
        kv: a.numHeads / t,
        rotaryPerToken: (a.numHeads * a.qkRopeHeadDim) / t,
      };
    default:
      return unreachable(a);
  }
}

/** The attention core of one layer: FlashAttention calls, or unfused batched GEMMs + softmax. */
function attentionCore(spec: ModelSpec, layer: LayerSpec, request: OperationRequest, b: OpBuilder): void {
  const { shape, layout, phase } = request;
  const t = layout.tensorParallel;
  const cp = layout.contextParallel;
  const { qkHeadDim, vHeadDim } = attentionHeadDims(spec.attention);
  const heads = headsOnGpu(spec, t);
  const window = layerWindow(spec, layer);
  const decoding = phase === 'decode';
  const backward = phase === 'backward';
  const perPair = 2 * heads.query * (qkHeadDim + vHeadDim);
  const global = layer.attention === 'full' || layer.attention === 'sliding';
  if ((request.attentionImplementation ?? 'flash') === 'unfused' && !decoding && global) {
    // Megatron-LM 2021: QKᵀ and softmax·V as batched GEMMs over (micro-batch × heads); the score
    // matrix goes through memory: written (2 B), scale-mask-softmax read+write (4 B), read by ·V (2 B);
    // with dropout also read, written and masked (5 B). Backward runs both GEMMs' gradients.
    const queries = shape.tokensPerSequence / cp;
    const count = shape.sequences * heads.query;
    b.gemm('scores', 'attentionScores', queries, shape.contextTokens, qkHeadDim, {
      count,
      datatype: 'bf16',
      bytes: 2,
      activations: true,
    });
    b.gemm('values', 'attentionScores', queries, vHeadDim, shape.contextTokens, {
      count,
      datatype: 'bf16',
      bytes: 2,
      activations: true,
    });
    const scoreElements = count * queries * shape.contextTokens;
    const perElement = request.dropout ? 13 : 8;
    b.memory('softmax', 'softmax', (scoreElements * perElement) / 2, (scoreElements * perElement) / 2);
    return;
  }
  const mode = decoding ? 'decode' : (request.attentionMask ?? 'causal') === 'full' ? 'full' : 'causal';
  const push = (
    name: string,
    batch: number,
    queryLength: number,
    kvLength: number,
    keysPerQuery: number,
    kvBytes: number,
  ) => {
    if (batch <= 0 || queryLength <= 0) return;
    const forwardFlops = perPair * batch * queryLength * keysPerQuery;
    b.ops.push({
      type: 'attention',
      name,
      component: 'attentionScores',
      pass: backward ? 'backward' : 'forward',
      implementation: 'flash',
      batch,
      queryLength,
      kvLength,
      queryHeads: heads.query,
      kvHeads: heads.kv,
      qkHeadDim,
      vHeadDim,
      causal: mode === 'causal',
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
    const a = spec.attention;
    const kvShare = a.kind === 'mla' ? 1 : Math.max(1, a.numKvHeads / t) / a.numKvHeads;
    const groupReads = request.kvReadPerQueryHead && a.kind !== 'mla' ? a.numHeads / a.numKvHeads : 1;
    // Chunked layers read one chunk's keys, sparse (DSA) layers only the top-k keys' latents.
    const keys = layerKeysPerQuery(spec, layer, shape.contextTokens, 'decode');
    const kvBytesPerToken =
      kvElementsPerTokenPerLayer(spec) * (request.kvBytesPerElement ?? ACT_BYTES) * kvShare * groupReads;
    push(
      'attention.decode',
      shape.sequences,
      shape.tokensPerSequence,
      shape.contextTokens,
      keys,
      shape.sequences * keys * kvBytesPerToken,
    );
  } else {
    // Context parallelism splits each sequence's queries over cp ranks, load-balanced (zigzag).
    const keys = layerKeysPerQuery(spec, layer, shape.contextTokens, mode);
    push('attention', shape.sequences, shape.tokensPerSequence / cp, shape.contextTokens, keys, 0);
  }
  if (shape.prefill && shape.prefill.tokens > 0) {
    const keys = layerKeysPerQuery(spec, layer, shape.prefill.meanContextTokens, 'decode');
    push('attention.prefill', 1, shape.prefill.tokens, shape.prefill.meanContextTokens, keys, 0);
  }
}

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
  const qLatent = a.kind === 'mla' ? (a.qLoraRank ?? h) : h;
  const d = indexer.headDim;
  const replicated = { replicated: true };
  b.gemm('indexer.wq_b', 'attentionProjections', tokens, indexer.numHeads * d, qLatent, replicated);
  b.gemm('indexer.wk', 'attentionProjections', tokens, d, h, replicated);
  b.gemm('indexer.weights_proj', 'attentionProjections', tokens, indexer.numHeads, h, {
    ...replicated,
    datatype: 'bf16',
    bytes: 2,
  });
  const { qkHeadDim, vHeadDim } = attentionHeadDims(a);
  const keyBytes = request.kvBytesPerElement ?? ACT_BYTES;
  for (const g of mixerTokenGroups(request)) {
    // Keys each query scores: every earlier one (½ causal convention in a sequence).
    const keys = g.mode === 'causal' ? g.contextTokens / 2 : g.contextTokens;
    const { indexerFlops } = sparseAttentionFlopsPerToken(
      indexer,
      2 * (qkHeadDim + vHeadDim),
      g.contextTokens,
      g.mode,
    );
    const logitBytes = 4 * g.tokens * keys;
    // Decode streams every cached indexer key; in a sequence the keys stay on chip (as attention).
    const keyRead =
      g.mode === 'decode' ? g.sequences * g.contextTokens * indexerElementsPerToken(spec) * keyBytes : 0;
    const name = `indexer${g.suffix}`;
    const selected = Math.min(indexer.topKTokens, g.contextTokens);
    b.mixer(name, 'dsa-indexer', g.tokens, g.tokens * indexerFlops, keyRead, logitBytes, {
      ...replicated,
      // The sparse attention's backward reads the selected keys' indices (int32).
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
  b.gemm('in_proj_qkvz', 'attentionProjections', tokens, (2 * keyWidth + 2 * valueWidth) / t, h);
  b.gemm('in_proj_ba', 'attentionProjections', tokens, (2 * g.numValueHeads) / t, h);
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
  mixerContextParallel(
    request,
    b,
    tokens,
    (2 * keyWidth + 2 * valueWidth + 2 * g.numValueHeads) / t,
    valueWidth / t,
  );
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
function mixerOperations(
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
      attentionProjections(spec, b, tokens, t);
      attentionCore(spec, layer, request, b);
      return;
    case 'sparse':
      attentionProjections(spec, b, tokens, t);
      sparseIndexerOperations(spec, layer, request, b, tokens);
      attentionCore(spec, layer, request, b);
      return;
    case 'linear':
      gatedDeltaNetOperations(spec, layer, request, b, tokens);
      return;
    case 'mamba':
      mamba2Operations(spec, layer, request, b, tokens);
      return;
    case 'none':
      return;
    default:
      unreachable(layer.attention);
  }
}

/** Dense MLP, or shared + routed experts with the router and the expert all-to-all. */
function mlpOperations(
  spec: ModelSpec,
  layer: LayerSpec,
  request: OperationRequest,
  b: OpBuilder,
  tokens: number,
): number {
  const { layout } = request;
  const t = layout.tensorParallel;
  const h = spec.hiddenSize;
  switch (layer.mlp) {
    case 'dense':
      return denseMlp(b, 'mlp', 'denseMlp', tokens, spec.mlp.intermediateSize, spec.mlp.gated, t, h);
    case 'none':
      return 0;
    case 'moe': {
      const moe = spec.moe;
      if (moe === null)
        return denseMlp(b, 'mlp', 'denseMlp', tokens, spec.mlp.intermediateSize, spec.mlp.gated, t, h);
      let activation = 0;
      if (moe.numSharedExperts > 0) {
        const Is = moe.numSharedExperts * moe.sharedIntermediateSize;
        activation += denseMlp(b, 'shared_experts', 'sharedExperts', tokens, Is, moe.gated, t, h);
      }
      b.gemm('router', 'router', tokens, moe.numExperts, h, { datatype: 'bf16', bytes: 2, replicated: true });
      // Routed experts: tokens of the EP group's data-parallel ranks gathered on each expert.
      const ep = layout.expertParallel;
      const etp = layout.expertTensorParallel ?? t;
      const groupTokens = (tokens * ep * etp) / t;
      const localExperts = moe.numExperts / ep;
      const tokensPerExpert = ((groupTokens * moe.topK) / moe.numExperts) * (request.expertImbalance ?? 1);
      // Serving a small batch reaches only some experts (uniform routing): expected distinct experts.
      const touched =
        request.phase === 'decode' || request.phase === 'prefill'
          ? Math.min(moe.numExperts, expectedExpertsTouched(moe.numExperts, moe.topK, groupTokens)) / ep
          : localExperts;
      const perTouched = (tokensPerExpert * localExperts) / Math.max(touched, Number.MIN_VALUE);
      const Ie = moe.expertIntermediateSize;
      const matrices = moe.gated ? 2 : 1;
      b.gemm('experts.gate_up', 'routedExperts', perTouched, (matrices * Ie) / etp, h, { count: touched });
      b.gemm('experts.down', 'routedExperts', perTouched, h, Ie / etp, { count: touched });
      activation += (perTouched * touched * Ie * (moe.gated ? 3 : 2)) / etp;
      expertAllToAll(spec, request, b, tokens);
      return activation;
    }
    default:
      return unreachable(layer.mlp);
  }
}

/** Up (and gate) then down projection; returns activation-function elements read and written. */
function denseMlp(
  b: OpBuilder,
  name: string,
  component: OpComponent,
  tokens: number,
  I: number,
  gated: boolean,
  t: number,
  h: number,
): number {
  b.gemm(`${name}.${gated ? 'gate_up' : 'up'}`, component, tokens, ((gated ? 2 : 1) * I) / t, h);
  b.gemm(`${name}.down`, component, tokens, h, I / t);
  return (tokens * I * (gated ? 3 : 2)) / t;
}

/** Expected distinct experts reached by `tokens` tokens routed top-k of E (uniform routing). */
export function expectedExpertsTouched(numExperts: number, topK: number, tokens: number): number {
  return numExperts * (1 - (1 - topK / numExperts) ** tokens);
}

/**
 * Dispatch and combine: each token's hidden state to its experts and back (Megatron/DeepEP
 * all-to-all inside the EP group); DeepSeek dispatches in FP8. Group-limited routing sends a token
 * to at most `groupsPerToken` nodes, then NVLink fans out (DeepSeek-V3 Sec. 2.1.2).
 */
function expertAllToAll(spec: ModelSpec, request: OperationRequest, b: OpBuilder, tokens: number): void {
  const moe = spec.moe!;
  const { layout } = request;
  const ep = layout.expertParallel;
  if (ep <= 1) return;
  const apart = layout.expertRanksApart ?? layout.tensorParallel * layout.contextParallel;
  const perNode =
    layout.gpusPerNode === undefined
      ? ep
      : apart >= layout.gpusPerNode
        ? 1
        : Math.max(1, Math.min(ep, Math.floor(layout.gpusPerNode / apart)));
  const nodes = Math.max(1, ep / perNode);
  const groups = moe.routingGroups;
  const copies =
    groups && groups.groups >= nodes
      ? Math.min(moe.topK, groups.groupsPerToken * Math.max(1, groups.groups / nodes))
      : moe.topK;
  const h = spec.hiddenSize;
  const dispatch = tokens * copies * h * (request.datatype === 'fp8' ? 1 : ACT_BYTES);
  b.collective('dispatch', 'expertParallel', 'all-to-all', dispatch, ep, apart);
  b.collective('combine', 'expertParallel', 'all-to-all', tokens * copies * h * ACT_BYTES, ep, apart);
}

/** Adapter GEMMs (x·A, then ·B, on the TP shard) and QLoRA's NF4 → BF16 dequantisation. */
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
  const list = moe ? adapter.perLayer.moe : adapter.perLayer.dense;
  const r = adapter.rank;
  for (const m of list) {
    const routed = moe !== null && 'routed' in m && m.routed;
    const perExpert = routed ? (layout.expertParallel * tokens * moe.topK) / moe.numExperts : tokens;
    const count = routed ? moe.numExperts / layout.expertParallel : 1;
    const opts = { count, datatype: 'bf16' as const, bytes: 2, trains: true };
    b.gemm('lora_a', 'adapter', perExpert, r, m.inFeatures / t, opts);
    b.gemm('lora_b', 'adapter', perExpert, m.outFeatures / t, r, opts);
  }
  // NF4 → BF16 once per pass: read the 4-bit weights and constants, write BF16 (Dettmers et al. 2023, Sec. 3).
  if (adapter.baseBytesPerParam < 1) b.ops.push(dequantOp(spec, layer, layout, adapter.baseBytesPerParam));
}

function dequantOp(spec: ModelSpec, layer: LayerSpec, layout: OperationLayout, baseBytes: number): MemoryOp {
  const w = layerWeights(spec, layer);
  const t = layout.tensorParallel;
  const localWeights =
    (w.attention + w.denseMlp + w.sharedExperts + w.router) / t +
    w.allRoutedExperts / (t * layout.expertParallel);
  return {
    type: 'memory',
    name: 'dequantize',
    component: 'dequantize',
    bytesRead: localWeights * baseBytes,
    bytesWritten: localWeights * 2,
    count: 1,
  };
}

export interface LayerWeights {
  readonly attention: number;
  readonly denseMlp: number;
  readonly sharedExperts: number;
  /** The top-k routed experts one token reaches. */
  readonly routedExperts: number;
  /** Every routed expert of the layer. */
  readonly allRoutedExperts: number;
  readonly router: number;
}

const weightsCache = new WeakMap<ModelSpec, Map<string, LayerWeights>>();

/** Matmul weights of one layer by component, read off a one-token forward (memoised per spec). */
export function layerWeights(spec: ModelSpec, layer: LayerSpec): LayerWeights {
  const key = `${layer.attention}/${layer.mlp}`;
  let bySpec = weightsCache.get(spec);
  if (!bySpec) {
    bySpec = new Map();
    weightsCache.set(spec, bySpec);
  }
  const cached = bySpec.get(key);
  if (cached) return cached;
  const weights = computeLayerWeights(spec, layer);
  bySpec.set(key, weights);
  return weights;
}

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
  };
  for (const op of ops) {
    if (op.type !== 'gemm') continue;
    // One token: m·count = tokens reaching the matrix, n·k = the weight matrix.
    const weights = op.n * op.k;
    if (op.component === 'attentionProjections') out.attention += weights;
    else if (op.component === 'denseMlp') out.denseMlp += weights;
    else if (op.component === 'sharedExperts') out.sharedExperts += weights;
    else if (op.component === 'router') out.router += weights;
    else if (op.component === 'routedExperts') {
      out.routedExperts += weights * op.m * op.count;
      out.allRoutedExperts += weights * (spec.moe?.numExperts ?? 0);
    }
  }
  return out;
}

/**
 * The operations one decoder layer runs on one GPU for one phase. `recompute` is the forward run
 * again (full activation recomputation, Korthikanti et al. 2022); `backward` lists input- and
 * weight-gradient GEMMs (weight gradients only for trainable matrices), attention backward,
 * element-wise gradients and the communication of the backward pass.
 */
export function layerOperations(spec: ModelSpec, layer: LayerSpec, request: OperationRequest): Operation[] {
  const b = new OpBuilder(request, request.adapter === undefined);
  const { layout } = request;
  const t = layout.tensorParallel;
  const h = spec.hiddenSize;
  const tokens = tokensOnGpu(request);
  if (tokens <= 0) return b.ops;

  mixerOperations(spec, layer, request, b, tokens);
  const activationElements = mlpOperations(spec, layer, request, b, tokens);
  adapterOperations(spec, layer, request, b, tokens);

  // Element-wise kernels (memory-bound): norms read and write the hidden state, each residual add
  // reads two and writes one; with sequence parallelism they run on 1/t of the tokens.
  const hidden = (ACT_BYTES * tokens * h) / (layout.sequenceParallel ? t : 1);
  const hasMixer = layer.attention !== 'none';
  const hasMlp = layer.mlp !== 'none';
  const attention = isAttentionMixer(layer.attention);
  b.memory('norm', 'norm', hidden, hidden, spec.norm.perLayer);
  b.memory('residual', 'residual', 2 * hidden, hidden, (hasMixer ? 1 : 0) + (hasMlp ? 1 : 0));
  b.memory(
    'activation',
    'activation',
    (ACT_BYTES * activationElements * 2) / 3,
    (ACT_BYTES * activationElements) / 3,
  );
  const rotary = attention ? ACT_BYTES * tokens * headsOnGpu(spec, t).rotaryPerToken : 0;
  b.memory('rotary', 'rotary', rotary, rotary);
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
  // Context parallelism: all-gather of K and V over the CP group, overlapped with attention.
  const cp = layout.contextParallel;
  if (cp > 1 && attention) {
    const a = spec.attention;
    const kvWidth =
      a.kind === 'mla'
        ? a.numHeads * (a.qkNopeHeadDim + a.vHeadDim + a.qkRopeHeadDim)
        : 2 * a.numKvHeads * a.headDim;
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
  const ops = layerOperations(spec, { attention: layer.attention, mlp: 'none' }, forward);
  const softmax = isAttentionMixer(layer.attention);
  let bytes = 0;
  for (const op of ops) {
    if (op.type === 'gemm') {
      // Softmax attention's projections are in the closed form; the indexer's are extra.
      if (softmax && !op.name.startsWith('indexer.')) continue;
      bytes += op.m * op.k * op.count * ACT_BYTES;
    } else if (op.type === 'mixer') bytes += op.savedBytes;
    else if (op.type === 'memory' && !softmax && (op.component === 'activation' || op.name === 'gated-norm'))
      bytes += op.bytesRead;
  }
  return bytes;
}

/** Input embedding lookup: read one row per token, write the hidden state. */
export function embeddingOperations(spec: ModelSpec, request: OperationRequest): Operation[] {
  const tokens = tokensOnGpu(request);
  const bytes = ACT_BYTES * tokens * spec.hiddenSize;
  const b = new OpBuilder(request, request.adapter === undefined);
  b.memory('embedding', 'embedding', bytes, bytes);
  return b.ops;
}

/**
 * The output head (vocabulary-parallel over TP) and, in training, the fused cross-entropy loss
 * (read the logits, write their gradient). Serving computes logits only for tokens that sample:
 * every decode token and the last token of each prefill chunk.
 */
export function headOperations(spec: ModelSpec, request: OperationRequest): Operation[] {
  const b = new OpBuilder(request, request.adapter === undefined);
  const t = request.layout.tensorParallel;
  const serving = request.phase === 'decode' || request.phase === 'prefill';
  const { shape } = request;
  const tokens = serving
    ? shape.sequences * shape.tokensPerSequence + ((shape.prefill?.tokens ?? 0) > 0 ? 1 : 0)
    : tokensOnGpu(request);
  // The output head stays dense (sparse checkpoints ship it dense); frozen in adapter training.
  b.gemm('lm_head', 'head', tokens, spec.vocabSize / t, spec.hiddenSize);
  if (!serving) {
    const logits = (ACT_BYTES * tokens * spec.vocabSize) / t;
    // Forward reads the logits and writes an FP32 loss per token; backward also writes their gradient.
    b.memory('cross-entropy', 'loss', logits, 4 * tokens);
  }
  return b.ops;
}

/**
 * One multi-token-prediction module (DeepSeek-V3 Sec. 2.2): a decoder layer, the 2h → h projection
 * M_k and the shared output head; run on the last pipeline stage in training only.
 */
export function mtpModuleOperations(spec: ModelSpec, request: OperationRequest): Operation[] {
  const layer = mtpLayer(spec);
  const b = new OpBuilder(request, request.adapter === undefined);
  const t = request.layout.tensorParallel;
  b.gemm(
    'mtp.projection',
    'attentionProjections',
    tokensOnGpu(request),
    spec.hiddenSize / t,
    2 * spec.hiddenSize,
  );
  return [...layerOperations(spec, layer, request), ...b.ops, ...headOperations(spec, request)];
}

/** FLOPs of a GEMM or attention op (0 for memory-bound kernels and collectives). */
export function operationFlops(op: Operation): number {
  if (op.type === 'gemm') return 2 * op.m * op.n * op.k * op.count;
  if (op.type === 'attention' || op.type === 'mixer') return op.flops;
  return 0;
}
