/**
 * The types of training memory: the options (recipe, stack, adapter) and the result per pipeline
 * stage with its breakdown by term. Split out of training-memory.ts.
 */
import type { AdapterRuntime } from '../model/adapters.js';
import type { RecomputeModule } from '../parallelism/layout.js';
import type { ModelStateBytes } from './model-states.js';
import type { OffloadMode } from './offload.js';
import type { Optimizer, StackMemory, TrainingPrecision } from './training-recipes.js';

export interface TrainingMemoryOptions {
  readonly seqLen: number;
  /** Global batch in sequences; sets the number of microbatches in flight. */
  readonly globalBatchSize: number;
  readonly precision: TrainingPrecision;
  readonly optimizer: Optimizer;
  /** FlashAttention: the s×s score matrix is never stored (default true). */
  readonly flashAttention?: boolean;
  /** Attention/hidden dropout (GPT-3-era models); modern LLMs train without (default false). */
  readonly dropout?: boolean;
  readonly frameworkOverheadBytes?: number;
  /**
   * Keep the inputs of FP8 GEMMs in FP8 for the backward pass, as Transformer Engine does
   * (default: on with FP8 precision). Attention's Q, K, V and norm inputs stay BF16.
   */
  readonly fp8ActivationCache?: boolean;
  /** LoRA/QLoRA/DoRA: the base is frozen (no gradients or optimizer states), only adapters train. */
  readonly adapter?: AdapterRuntime;
  /**
   * Only the stages that can be the peak (the first, the last, and the lowest rank of each distinct
   * layer mix: a later rank with the same layers holds fewer microbatches). For the layout search.
   */
  readonly peakOnly?: boolean;
  /** How the software stack allocates (catalog/stacks/); default: Megatron-Core's fused kernels. */
  readonly stack?: { readonly memory: StackMemory; readonly trainsMtp?: boolean };
  /**
   * Bytes per token and vocabulary entry the run's own loss code holds at its peak, where that code is
   * known (a published run's modelling code and mixed-precision wrapper); overrides the stack's.
   */
  readonly logitsBytesPerElement?: number;
  /**
   * False where the run's loss was not compiled though its stack now compiles it (a version before
   * the stack's `compiledLoss.since`, or a run without torch.compile). Default: compiled wherever the
   * stack has a compiled loss (StackMemory.compiledLossLogitsBytesPerElement).
   */
  readonly lossCompiled?: boolean;
  /**
   * The run's main-grad buffers in FP32 (Megatron-Core `grad_reduce_in_fp32`) or BF16 (false), where it
   * sets them (training-recipes.ts gradientBytes); default the precision recipe's. Not a stack's FSDP
   * reduce dtype, which is on the wire only (its sharded gradients: StackMemory.fsdp).
   */
  readonly mainGradsInFp32?: boolean;
  /** Model states kept in host memory (offload.ts); default none. */
  readonly offload?: { readonly mode: OffloadMode };
  /** The first N layers' activations kept in host memory (activation-offload.ts); default none. */
  readonly activationOffload?: { readonly layers: number };
  /** Megatron-Core's recompute modules under `recompute: selective` (activations.ts); default the stack's policy. */
  readonly recomputeModules?: readonly RecomputeModule[];
  /** TP collectives overlapped with the GEMMs (`--tp-comm-overlap`): Transformer Engine's userbuffers are held. */
  readonly overlapTensorParallel?: boolean;
  /**
   * The run's longest sequence, where `seqLen` is its mean (RL's longest response, a fine-tune's longest
   * example padded to): memory is sized at the micro-batch that holds it (training-memory.ts
   * memorySequenceTokens), `padded` where every sequence of a micro-batch is padded to its longest (the
   * Hugging Face collators), else packed to a token budget (verl's and NeMo-RL's dynamic batching).
   */
  readonly longestSequence?: LongestSequence;
}

/** A run's longest sequence in tokens, and whether micro-batches pad to their longest (TrainingMemoryOptions). */
export interface LongestSequence {
  readonly tokens: number;
  readonly padded: boolean;
}

/**
 * A stage's peak memory by term; the terms sum to its `totalBytes`. With a frozen base, `weights`
 * is the base (at its format) and `adapters` the trainable adapters; `logits` is the loss's share of
 * the buffers; with a paged optimizer, the terms of the phase that peaks (forward/backward or update).
 */
export interface MemoryBreakdown {
  readonly weights: number;
  readonly adapters: number;
  readonly gradients: number;
  readonly optimizerStates: number;
  readonly activations: number;
  readonly logits: number;
  /** Transient buffers other than the logits: gathered weights, recompute workspace, all-to-all, dequantisation. */
  readonly buffers: number;
  readonly allocatorReserve: number;
  readonly frameworkOverhead: number;
}

export interface StageMemory {
  readonly stage: 'first' | 'middle' | 'last' | 'only';
  /** Pipeline rank, 0-based. */
  readonly index: number;
  readonly layers: number;
  readonly moeLayers: number;
  /** Microbatches of this stage's layers whose activations it holds at its peak (Megatron's warm-up count + 1). */
  readonly microbatchesInFlight: number;
  /** Parameters held by one GPU of this stage (after TP/EP sharding, before ZeRO). */
  readonly paramsPerGpu: number;
  readonly modelStates: ModelStateBytes;
  readonly activations: number;
  /** Transient buffers: ZeRO-3 gathered weights, full-recompute workspace, MoE all-to-all buffers, logits. */
  readonly buffers: number;
  readonly frameworkOverhead: number;
  readonly totalBytes: number;
  /** The phase that peaks (peak-phase.ts): the forward/backward pass, or the optimizer step. */
  readonly peakPhase: 'forward-backward' | 'optimizer-step';
  /** The peak by term (sums to `totalBytes`). */
  readonly breakdown: MemoryBreakdown;
  /** Optimizer states paged to CPU memory at the peak (QLoRA's paged AdamW), not in `totalBytes`. */
  readonly pagedOutBytes: number;
  /**
   * Model states offloaded to host memory (`offload`) and checkpoints an offloading stack keeps there
   * (StackMemory.offloadsCheckpoints), per GPU, not in `totalBytes`, `modelStates` or `activations`.
   */
  readonly offloadedBytes: number;
  /** The part of `offloadedBytes` that is activations (activation-offload.ts), all microbatches in flight. */
  readonly hostActivationBytes: number;
}

export interface TrainingMemory {
  /** The stage that needs the most memory. */
  readonly peak: StageMemory;
  /** Every pipeline stage, by rank. */
  readonly stages: readonly StageMemory[];
  /** Microbatches whose activations the first stage holds at once. */
  readonly microbatchesInFlight: number;
  readonly activationBytesPerLayer: number;
}
