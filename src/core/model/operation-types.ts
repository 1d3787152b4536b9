/**
 * The operation records of operations.ts (GEMM, attention, mixer, memory-bound and collective ops),
 * and the request they answer (phase, token shape, layout); op-builder.ts stamps each op with the
 * request's datatype and pass logic. The conventions are stated in operations.ts.
 */

import type { Collective } from '../hardware/collectives.js';
import type { AttentionImplementation, FusedAttentionKernel } from '../hardware/efficiency.js';
import type { Datatype } from '../hardware/hardware-spec.js';
import type { AdapterRuntime } from './adapters.js';

export type Phase = 'forward' | 'backward' | 'recompute' | 'prefill' | 'decode';

/** What an operation belongs to: FLOP components match `FlopsBreakdown`; the rest are kernels. */
export type OpComponent =
  | 'attentionProjections'
  | 'attentionScores'
  | 'denseMlp'
  | 'sharedExperts'
  | 'routedExperts'
  | 'router'
  | 'perLayerInput'
  | 'residualStreams'
  | 'layerExtras'
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
  /** A serving engine's dense GEMM (prefill, decode; not routed experts): its small-M tiles (kernel-model.ts). */
  readonly serving: boolean;
}

export interface AttentionOp {
  readonly type: 'attention';
  readonly name: string;
  readonly component: 'attentionScores';
  readonly pass: 'forward' | 'backward';
  /**
   * 'flash': the GPU profile's FlashAttention efficiency (measured or the family's published figure);
   * a named implementation: its published curve over kvLength where the profile has one.
   */
  readonly implementation: 'flash' | AttentionImplementation;
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
 * A token-mixing kernel other than softmax attention: the causal depthwise conv1d of Gated DeltaNet and
 * Mamba, the chunked gated delta rule, lightning attention, the mLSTM, RWKV-4's WKV scan and RWKV-7's
 * DPLR delta rule, HGRN2's gated linear attention (fla chunk_gla) and HGRN's element-wise scan
 * (fused_recurrent_hgrn), the Mamba-2 SSD scan, Mamba-1's selective scan, DSA's indexer scoring.
 * Its FLOPs come from layer-kinds.ts (one home per formula); its bytes are the tensors it streams
 * (inputs, outputs, chunk states; the recurrent state at decode). Time: the roofline of both.
 */
export interface MixerOp {
  readonly type: 'mixer';
  readonly name: string;
  readonly component: 'attentionScores';
  readonly pass: 'forward' | 'backward';
  readonly kernel:
    | 'causal-conv1d'
    | 'gated-delta-rule'
    | 'lightning-attention'
    | 'mlstm'
    | 'wkv4'
    | 'wkv5'
    | 'wkv6'
    | 'wkv7'
    | 'gla'
    | 'hgrn'
    | 'ssd'
    | 'selective-scan'
    | 'dsa-indexer';
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

/** A training run's expert token dispatcher (OperationLayout.tokenDispatcher). */
export const TOKEN_DISPATCHERS = ['all-to-all', 'deepep'] as const;
export type TokenDispatcher = (typeof TOKEN_DISPATCHERS)[number];

export interface OperationLayout {
  readonly tensorParallel: number;
  readonly contextParallel: number;
  /** GPUs the routed experts are spread over (each holds numExperts / expertParallel). */
  readonly expertParallel: number;
  /** Tensor parallelism inside each expert: Megatron trains with TP (default); serving with 1. */
  readonly expertTensorParallel?: number;
  /** Rank distance between EP group members (default tp·cp, Megatron's tp-cp-ep-dp order). */
  readonly expertRanksApart?: number;
  /**
   * Every rank of the EP group already holds every token: attention tensor-parallel, the experts spread
   * over the same GPUs (vLLM --enable-expert-parallel at DP 1, SGLang --ep-size = --tp): no dispatch or
   * combine all-to-all, the TP all-reduce sums the experts' outputs. Default false.
   */
  readonly expertTokensReplicated?: boolean;
  /**
   * How training sends tokens to their experts: `all-to-all` (default; Megatron-Core's alltoall dispatcher,
   * torchtitan's all_to_all_single) once per routed expert, once per node only for node-limited routing;
   * `deepep` (DeepEP's normal kernels) once per GPU a token's experts reach inside a node and once per node
   * across nodes, whatever the routing.
   */
  readonly tokenDispatcher?: TokenDispatcher;
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
  /**
   * Tokens the routed experts receive from the whole EP group this step, where its ranks hold unequal
   * shares (serving's attention data parallelism places whole requests: a lone prompt on one rank);
   * absent: every rank holds this GPU's tokens.
   */
  readonly groupTokens?: number;
  /**
   * Training on packed sequences with attention masked at document boundaries (FlashAttention's varlen
   * `cu_seqlens`, FlexAttention's document mask): each document's tokens attend only within it, so
   * attention runs as `contextTokens / documentTokens` sequences of `documentTokens`; absent or at least
   * `contextTokens`: the whole sequence is one causal span.
   */
  readonly documentTokens?: number;
}

/** The training loss's kernels: fused, or PyTorch's cross_entropy on FP32 or BF16 logits. */
export type LossKernel = 'fused' | 'fp32' | 'bf16';

/** Multiples a kernel pads each routed expert's shapes to (vLLM's Marlin MoE: intermediate per partition 128, hidden 256). */
export interface ExpertAlignment {
  readonly intermediate: number;
  readonly hidden: number;
}

/**
 * A serving replica's expert tensor parallelism: with expert parallelism (over the replica, or inside the
 * TP group: `epInTp`) each expert sits whole on a GPU; without it every expert is sliced over the TP group.
 */
export const servingExpertTensorParallel = (
  tensorParallel: number,
  expertParallel: number,
  epInTp?: boolean,
): number => (expertParallel > 1 || epInTp === true ? 1 : tensorParallel);

/** The tokens one query's attention spans in a sequence: its document's where documents are masked (TokenShape.documentTokens). */
export const attentionSpanTokens = (shape: TokenShape, contextTokens: number): number =>
  shape.documentTokens === undefined ? contextTokens : Math.min(contextTokens, shape.documentTokens);

/** `x` rounded up to a multiple of `multiple`. */
export const paddedTo = (x: number, multiple: number): number => Math.ceil(x / multiple) * multiple;

/**
 * Elements of one routed expert's matrices on a GPU as `alignment` pads them, over the unpadded ones: its
 * intermediate width per partition (`intermediatePerPartition`) and the hidden width (`hidden`) each rounded up.
 */
export const expertPaddingRatio = (
  intermediatePerPartition: number,
  hidden: number,
  alignment: ExpertAlignment,
): number =>
  (paddedTo(intermediatePerPartition, alignment.intermediate) * paddedTo(hidden, alignment.hidden)) /
  (intermediatePerPartition * hidden);

export interface OperationRequest {
  readonly phase: Phase;
  readonly shape: TokenShape;
  readonly layout: OperationLayout;
  /**
   * GEMM datatype and bytes per input element (FP8 training: 1; FP4 weights: 0.5). The output head
   * never runs narrower than BF16 (op-builder.ts gemmFormat).
   */
  readonly datatype: Datatype;
  readonly gemmInputBytes: number;
  /**
   * The attention projections' datatype and bytes where the checkpoint ships them at another format
   * than the rest (gpt-oss: BF16 attention beside MXFP4 experts, its `modules_to_not_convert`); absent:
   * `datatype` and `gemmInputBytes`.
   */
  readonly attentionGemm?: { readonly datatype: Datatype; readonly inputBytes: number };
  /** Routed experts' shapes padded as the engine's weight-only MoE kernel lays them out (serving); absent: as the model's. */
  readonly expertAlignment?: ExpertAlignment;
  /** `full` counts the whole attention matrix (Megatron's MFU convention); default causal. */
  readonly attentionMask?: 'causal' | 'full';
  /**
   * FlashAttention (default), unfused batched GEMMs with scores through memory and Megatron's fused
   * scale-mask-softmax (Megatron 2021), or eager PyTorch (Hugging Face `eager`: separate scale, mask,
   * FP32 softmax and cast kernels, each a pass over the scores).
   */
  readonly attentionImplementation?: 'flash' | 'unfused' | 'eager';
  /** Element-wise ops as eager PyTorch runs them, one kernel per op (operations.ts EAGER_TRAFFIC). */
  readonly eagerElementwise?: boolean;
  /**
   * Which fused kernel runs 'flash' attention (the stack's or `--attention`): timed on that kernel's
   * published curve where the GPU profile has one. Absent: the profile's FlashAttention figures.
   */
  readonly flashKernel?: FusedAttentionKernel;
  /** Attention and hidden dropout (unfused attention writes and reads the mask). */
  readonly dropout?: boolean;
  /**
   * The training loss: one fused pass over the BF16 logits (default: Megatron-Core's fused
   * vocab-parallel cross-entropy, Liger/Unsloth chunks), PyTorch's cross_entropy on an FP32 copy
   * (`fp32`: Hugging Face's ForCausalLMLoss since v4.46, torchtitan, 2021–22 Megatron's vocab-parallel
   * loss) or on the BF16 logits themselves (`bf16`: transformers before the upcast, 2023 remote code).
   */
  readonly crossEntropy?: LossKernel;
  /** Slowest expert rank's load over the mean (default 1). */
  readonly expertImbalance?: number;
  /** Redundant expert slots beside the experts over the EP group (EPLB copies; serving). Default 0. */
  readonly redundantExperts?: number;
  /**
   * Serving engines run MLA decode absorbed (DeepSeek-V2 Sec. 2.1.3; FlashMLA): each head attends
   * over the latent, so decode attention does (latent + RoPE) + latent multiply-adds per key and
   * head instead of the model's q/k/v head dims. Default false (the model's FLOPs as defined).
   */
  readonly absorbedMla?: boolean;
  /**
   * With `absorbedMla`: the step's prompt chunks run absorbed too, each head attending over the latent
   * (SGLang when the chunks' cached prefixes total fewer than its chunked-prefix-cache threshold,
   * sgl-project/sglang PR #5113; engine.ts absorbsPromptChunks). Default false: prompt chunks run
   * multi-head attention over the up-projected prefix (vLLM V1's MLA chunked context, SGLang's chunked
   * prefix cache) in a step that only prefills.
   */
  readonly mlaPrefixAbsorbed?: boolean;
  /** LoRA/QLoRA/DoRA: frozen base (no weight gradients) plus adapter GEMMs. */
  readonly adapter?: AdapterRuntime;
  /** Serving: KV-cache bytes per element, 2:4 sparse weights, KV loaded once per query head. */
  readonly kvBytesPerElement?: number;
  readonly sparse24?: boolean;
  readonly kvReadPerQueryHead?: boolean;
}

export const ACT_BYTES = 2; // BF16 activations

export function unreachable(value: never): never {
  throw new Error(`unhandled layer kind ${JSON.stringify(value)}`);
}

/** Tokens this GPU's GEMMs process in a call (after context parallelism). */
export function tokensOnGpu(request: OperationRequest): number {
  const { shape, layout } = request;
  const own = (shape.sequences * shape.tokensPerSequence) / layout.contextParallel;
  return own + (shape.prefill?.tokens ?? 0);
}
