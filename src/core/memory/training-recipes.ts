/**
 * Training recipes as bytes: precisions, optimizers and attention kernels, the bytes per parameter
 * of each model state (ZeRO, Rajbhandari et al. 2020, Sec. 3.1), and how a software stack allocates.
 * Split out of training-memory.ts (one concept: what a recipe costs per parameter).
 */

import { ATTENTION_IMPLEMENTATIONS, type AttentionImplementation } from '../hardware/efficiency.js';
import type { LossKernel } from '../model/operation-types.js';
import type { ModelSpec } from '../model/spec.js';
import { GIB } from '../units.js';
import type { PeftMemory } from './model-states.js';

/**
 * The model types whose modules a stack builds itself, and what it runs any other model with (LLM
 * Foundry builds MPT; a transformers model runs through its hf_causal_lm wrapper with transformers'
 * modules and loss).
 */
export interface OwnModules {
  /** Config `model_type`s of the models the stack's own modules build. */
  readonly modelTypes: readonly string[];
  /** Any other model: its loss's bytes per logit element, whether its eager modules keep copies, its loss kernel. */
  readonly otherwise: {
    readonly logitsBytesPerElement: number;
    readonly eagerActivationCopies: boolean;
    readonly lossKernel: LossKernel;
  };
}

/** The stack's `ownModules` when it does not build this model (it runs another stack's modules), else null. */
export function foreignModules(memory: StackMemory | undefined, spec: ModelSpec): OwnModules | null {
  const own = memory?.ownModules;
  return own && !own.modelTypes.includes(spec.modelType) ? own : null;
}

/** Whether a stack's eager modules keep Hugging Face's extra copies (default: whenever they are eager). */
export const keepsEagerCopies = (memory: StackMemory): boolean =>
  memory.unfusedElementwise && (memory.eagerActivationCopies ?? true);

/**
 * The stack's memory as it runs this model: for a model it does not build, `ownModules.otherwise`'s loss
 * (never the stack's own compiled loss: the other modules' loss runs).
 */
export function stackMemoryFor(memory: StackMemory | undefined, spec: ModelSpec): StackMemory | undefined {
  const own = foreignModules(memory, spec);
  if (!memory || !own) return memory;
  const { compiledLossLogitsBytesPerElement: _, compiledLossSince: __, ...rest } = memory;
  return {
    ...rest,
    logitsBytesPerElement: own.otherwise.logitsBytesPerElement,
    eagerActivationCopies: own.otherwise.eagerActivationCopies,
  };
}

/** Bytes per logit element of the stack's compiled loss where the run compiles it; undefined where it does not. */
export const compiledLossBytes = (
  memory: StackMemory | undefined,
  lossCompiled: boolean | undefined,
): number | undefined => (lossCompiled === false ? undefined : memory?.compiledLossLogitsBytesPerElement);

/**
 * The loss kernel a stack runs this model's loss with: one fused kernel where the run compiles it (its FP32
 * upcast never reaches memory), else the stack's own or `ownModules.otherwise`'s.
 */
export function stackLossKernelFor(
  stack: { readonly memory: StackMemory; readonly lossKernel?: LossKernel } | undefined,
  spec: ModelSpec,
  lossCompiled?: boolean,
): LossKernel | undefined {
  if (compiledLossBytes(stackMemoryFor(stack?.memory, spec), lossCompiled) !== undefined) return 'fused';
  return foreignModules(stack?.memory, spec)?.otherwise.lossKernel ?? stack?.lossKernel;
}

/** How a software stack's memory differs (catalog/stacks/; see training/stack.ts). */
export interface StackMemory {
  /** Bytes per (token × vocabulary entry) live at the loss: 6 for a fused vocab-parallel cross-entropy, ~16 for FP32-upcast logits and their gradient. */
  readonly logitsBytesPerElement: number;
  /** Element-wise ops run as separate eager kernels that each save their input (Hugging Face eager). */
  readonly unfusedElementwise: boolean;
  /**
   * Whether those eager modules keep the copies Hugging Face's do (FP32 RMSNorm upcasts, rotate_half
   * copies, SwiGLU's silu output: activations.ts); false for a stack whose own eager modules keep none
   * (LLM Foundry's MPT: BF16 LayerNorm, no rotary, native GELU). Default: `unfusedElementwise`.
   */
  readonly eagerActivationCopies?: boolean;
  /** The model types it builds with its own modules; other models run as `otherwise` (default: all its own). */
  readonly ownModules?: OwnModules;
  /** FP8 GEMM inputs are kept in FP8 for the backward pass (Transformer Engine). */
  readonly fp8ActivationCache: boolean;
  /** Caching-allocator reserve and fragmentation, as a fraction of the allocated bytes. */
  readonly allocatorReserveFraction: number;
  /** CUDA context, communicator buffers and workspace per GPU. */
  readonly frameworkOverheadBytes: number;
  /**
   * Bytes per (token × vocabulary entry) freed at the loss but still reserved by the caching
   * allocator at its peak (torchtitan: the BF16 logits' block, too small for the FP32 gradient that
   * follows). Counted in the allocator's reserve. Default 0.
   */
  readonly logitsCachedBytesPerElement?: number;
  /**
   * Bytes per element live at the loss when the vocabulary is split over TP ranks and the stack's
   * vocab-parallel loss differs from its plain one (torchtitan's DTensor loss_parallel decomposes
   * log-softmax and its backward into separate FP32 tensors). Default `logitsBytesPerElement`.
   */
  readonly vocabParallelLogitsBytesPerElement?: number;
  /**
   * Bytes per element live at the loss where the stack compiles its loss with the model
   * (torch.compile fuses the FP32 upcast, log-softmax and NLL forward and backward: the BF16 logits kept
   * for the backward and their BF16 gradient, whether or not the vocabulary is split): replaces the
   * plain and vocab-parallel bytes and the cached block, unless the run says its loss was not compiled
   * (TrainingMemoryOptions.lossCompiled). Absent: the stack never compiles its loss.
   */
  readonly compiledLossLogitsBytesPerElement?: number;
  /** The date (ISO) from which the stack compiles its loss; with `compiledLossLogitsBytesPerElement`. */
  readonly compiledLossSince?: string;
  /**
   * The output projection saves its all-gathered input under sequence parallelism (DTensor's
   * ColwiseParallel in torchtitan) rather than the sequence shard it re-gathers in the backward pass
   * (Megatron's ColumnParallelLinear). Default false.
   */
  readonly headSavesGatheredInput?: boolean;
  /**
   * The pipeline schedule keeps every microbatch's output on the last stage until the step ends
   * (torch.distributed.pipelining's `output_chunks`, merged and returned by `step()`): the BF16
   * logits of all microbatches. Default false (Megatron frees each output after its send or loss).
   */
  readonly pipelineKeepsOutputs?: boolean;
  /**
   * Under full recomputation each layer's checkpointed input is copied to host memory in the forward
   * pass and back just before that layer is recomputed (Unsloth's `use_gradient_checkpointing =
   * "unsloth"`): the GPU holds {@link CHECKPOINTS_ON_GPU} of them at a time. Default false.
   */
  readonly offloadsCheckpoints?: boolean;
  /** How the stack's adapter library keeps adapters and a quantised base's other parameters. */
  readonly peft?: PeftMemory;
  /**
   * What `recompute: selective` keeps: 'attention' recomputes only the attention core (Megatron,
   * Korthikanti et al. Sec. 5); 'ops' is torchtitan's per-op policy (`selective_ac_option = "op"`):
   * the layer input and the outputs of every other matmul, SDPA and reduce-scatter are saved, the
   * rest is recomputed in the backward pass. Default 'attention'.
   */
  readonly selectiveCheckpoint?: 'attention' | 'ops';
  /**
   * FSDP's mixed-precision parameters (PyTorch FSDP2 `MixedPrecisionPolicy`): the sharded FP32
   * parameter is the master copy, the compute copy exists only all-gathered, gradients are reduced in
   * FP32; with pipeline parallelism a stage keeps its parameters unsharded and accumulates FP32
   * unsharded gradients across micro-batches (`reshard_after_forward=False`, no gradient sync before
   * the last micro-batch). Absent: ZeRO as DeepSpeed shards it (a BF16 compute shard beside the master).
   */
  readonly fsdp?: {
    readonly keepsUnshardedWithPipeline: boolean;
    /** FP8 precision all-gathers FP8 weights (torchao's `enable_fsdp_float8_all_gather`). */
    readonly float8AllGather: boolean;
  };
  /** What the optimizer step allocates beside the model states ({@link optimizerStepBytes}); default in place. */
  readonly optimizerStep?: OptimizerStepMemory;
}

/**
 * How a stack's optimizer step allocates, after the backward pass (no activation live):
 * - `in-place`: fused kernels (Apex/Transformer Engine FusedAdam, torch's fused AdamW, bitsandbytes);
 * - `foreach`: torch.optim.AdamW's multi-tensor path, `exp_avg_sq_sqrt = torch._foreach_sqrt(exp_avg_sqs)`,
 *   a copy of every trainable tensor's second moment at once;
 * - `flat-fp32-gradient`: DeepSpeed's ZeRO optimizer flattens a group's gradient partition and casts it to
 *   FP32 for the step (stage 3: a sub-group of at most `subGroupNumel` elements at a time).
 */
export type OptimizerStepMemory =
  | { readonly kind: 'in-place' | 'foreach' }
  | { readonly kind: 'flat-fp32-gradient'; readonly subGroupNumel: number };

/** The trainable elements whose optimizer states one GPU holds, and the bytes of their Adam second moment. */
export interface OptimizerShard {
  readonly elements: number;
  readonly secondMomentBytes: number;
}

/** Checkpoints an offloading stack keeps on the GPU: the one being copied and the one recomputed. */
export const CHECKPOINTS_ON_GPU = 2;

export const TRAINING_PRECISIONS = ['bf16', 'fp8', 'fp32', 'bf16-pure'] as const;
export type TrainingPrecision = (typeof TRAINING_PRECISIONS)[number];

/**
 * Why a run cannot train at `precision`, or null: FP8 needs FP8 tensor cores, and QLoRA computes in
 * BF16 over its NF4 base (bitsandbytes dequantises to the compute dtype; Dettmers et al. 2023 Sec. 3).
 */
export function trainingPrecisionError(
  precision: TrainingPrecision,
  gpu: { readonly id: string; readonly peakFlopsPerSecond: { readonly fp8?: number } },
  method?: string,
): string | null {
  if (method === 'qlora' && precision !== 'bf16')
    return `QLoRA trains its adapters in BF16 over the NF4 base (bitsandbytes' compute dtype): precision ${precision} applies to full, lora and dora fine-tuning`;
  if (precision === 'fp8' && gpu.peakFlopsPerSecond.fp8 === undefined)
    return `${gpu.id} has no FP8 tensor cores; use bf16`;
  return null;
}
/**
 * Attention kernels: FlashAttention-2/3 (Dao 2023; Shah et al. 2024) and cuDNN's fused attention
 * never store the s × s scores; `unfused` (Megatron before FlashAttention, 2021–22) stores them.
 */
export const ATTENTION_KERNELS = ATTENTION_IMPLEMENTATIONS;
export type AttentionKernel = AttentionImplementation;
export const isFusedAttention = (kernel: AttentionKernel): boolean => kernel !== 'unfused';

export const OPTIMIZERS = [
  'adamw',
  'adamw-bf16-moments',
  'adam-8bit',
  'adafactor',
  'sgd-momentum',
  'muon',
] as const;
export type Optimizer = (typeof OPTIMIZERS)[number];

/**
 * Bytes per parameter of the weight copy used in compute, its gradient, and the FP32 master copy.
 * - bf16: ZeRO Sec. 3.1 (2 + 2 + 4).
 * - fp8: DeepSeek-V3 Sec. 3.3 — BF16 weights (FP8 casts are transient), FP32 gradients and master.
 * - fp32: no separate master copy.
 * - bf16-pure: the model held and stepped in BF16, no FP32 master (torchtune's `dtype: bf16`,
 *   Lightning's `bf16-true`): weights 2 + gradients 2; the optimizer's states follow the parameters'
 *   dtype ({@link optimizerStateBytes}).
 */
export const PRECISION_BYTES: Readonly<
  Record<TrainingPrecision, { weight: number; gradient: number; master: number }>
> = {
  bf16: { weight: 2, gradient: 2, master: 4 },
  fp8: { weight: 2, gradient: 4, master: 4 },
  fp32: { weight: 4, gradient: 4, master: 0 },
  'bf16-pure': { weight: 2, gradient: 2, master: 0 },
};

/**
 * Bytes per gradient element: held between micro-batches, added into per micro-batch, and reduced
 * over data parallelism. Megatron-Core's DDP allocates its main-grad buffers in FP32 with
 * `grad_reduce_in_fp32`, else in the parameters' dtype (param_and_grad_buffer.py: grad_dtype), and
 * FSDP2 reduces in its `reduce_dtype`; pure BF16 keeps BF16 gradients. Unstated: FP32 accumulation,
 * with the precision recipe's gradient bytes held and on the wire.
 */
export function gradientBytes(
  precision: TrainingPrecision,
  gradReduceInFp32: boolean | undefined,
): { readonly held: number; readonly accumulate: number; readonly reduce: number } {
  const recipe = PRECISION_BYTES[precision].gradient;
  if (gradReduceInFp32 === undefined)
    return { held: recipe, accumulate: precision === 'bf16-pure' ? 2 : 4, reduce: recipe };
  // Without FP32 reduction the buffers take the parameters' dtype: FP32 parameters keep FP32 gradients.
  const bytes = gradReduceInFp32 || precision === 'fp32' ? 4 : 2;
  return { held: precision === 'bf16-pure' ? recipe : bytes, accumulate: bytes, reduce: bytes };
}

/** Optimizers whose states have their own dtype (8-bit blockwise, factored): not the parameters'. */
const FIXED_STATE_DTYPE: ReadonlySet<Optimizer> = new Set(['adam-8bit', 'adafactor']);

/**
 * Optimizer-state bytes per parameter under a precision: torch's optimizers allocate their states
 * `zeros_like(param)`, so with BF16 parameters and no FP32 master (`bf16-pure`) full-precision states
 * are BF16 (AdamW 2 + 2 B: torch/optim/adamw.py `_init_group`), 8-bit and factored ones as they are.
 */
export const optimizerStateBytes = (optimizer: Optimizer, precision: TrainingPrecision): number =>
  statesInPrecision(OPTIMIZER_STATE_BYTES[optimizer], optimizer, precision);

/** Adam's second-moment bytes per parameter under a precision (the foreach step's temporary). */
export const secondMomentBytes = (optimizer: Optimizer, precision: TrainingPrecision): number =>
  statesInPrecision(SECOND_MOMENT_BYTES[optimizer], optimizer, precision);

/** FP32 state bytes as a precision keeps them: in BF16 under `bf16-pure`, else as they are. */
function statesInPrecision(fp32Bytes: number, optimizer: Optimizer, precision: TrainingPrecision): number {
  return precision === 'bf16-pure' && !FIXED_STATE_DTYPE.has(optimizer)
    ? inParamDtype(fp32Bytes, PRECISION_BYTES[precision].weight)
    : fp32Bytes;
}

/**
 * Optimizer-state bytes per parameter beyond the master weights.
 * - adamw: FP32 momentum + variance (ZeRO's K = 12 with the master copy).
 * - adamw-bf16-moments: BF16 moments (DeepSeek-V3 Sec. 3.3.3).
 * - adam-8bit: blockwise 8-bit moments (Dettmers et al. 2022, "8-bit Optimizers", Sec. 2), block stats < 0.1%.
 * - adafactor: factored second moments, O(rows + cols) per matrix (Shazeer & Stern 2018, Sec. 3), no momentum.
 * - sgd-momentum, muon: one FP32 momentum buffer (Muon: Jordan et al. 2024; Liu et al. 2025 "Muon is Scalable").
 */
export const OPTIMIZER_STATE_BYTES: Readonly<Record<Optimizer, number>> = {
  adamw: 8,
  'adamw-bf16-moments': 4,
  'adam-8bit': 2,
  adafactor: 0,
  'sgd-momentum': 4,
  muon: 4,
};

/**
 * Bytes per parameter of Adam's second moment, the tensor torch's foreach step copies (0: an optimizer
 * without one, or bitsandbytes' 8-bit blockwise states, updated in place).
 */
export const SECOND_MOMENT_BYTES: Readonly<Record<Optimizer, number>> = {
  adamw: 4,
  'adamw-bf16-moments': 2,
  'adam-8bit': 0,
  adafactor: 0,
  'sgd-momentum': 0,
  muon: 0,
};

/**
 * Bytes the optimizer step holds beside the model states (StackMemory.optimizerStep): torch's foreach
 * AdamW a second-moment-sized temporary (torch/optim/adamw.py `_multi_tensor_adamw`); DeepSpeed's ZeRO
 * the flattened gradient partition and its FP32 copy, (gradient + 4) bytes per element
 * (runtime/zero/stage_1_and_2.py and stage3.py `_prepare_fp32_grad_for_sub_group`).
 */
export function optimizerStepBytes(
  step: OptimizerStepMemory | undefined,
  shard: OptimizerShard,
  gradientBytes: number,
  zeroStage: 0 | 1 | 2 | 3,
): number {
  if (step?.kind === 'foreach') return shard.secondMomentBytes;
  // Without ZeRO DeepSpeed steps through its BF16/FP16 optimizer wrappers: not this path.
  if (step?.kind !== 'flat-fp32-gradient' || zeroStage === 0) return 0;
  const elements = zeroStage === 3 ? Math.min(step.subGroupNumel, shard.elements) : shard.elements;
  return (gradientBytes + 4) * elements;
}

/** FP32 optimizer-state bytes as torch keeps them for a module in its own dtype (`zeros_like(param)`). */
export const inParamDtype = (fp32Bytes: number, weightBytes: number): number => (fp32Bytes * weightBytes) / 4;

/**
 * Optimizer bytes per parameter of a module that trains in its own dtype beside a frozen base (the
 * embedding and head `modules_to_save` copies). `native`: torch.optim.AdamW on the BF16 module keeps
 * `zeros_like(param)` moments, 2 × 2 B, full-precision states shrinking with the parameter (8-bit and
 * factored ones are what they are); `sharded`: a ZeRO engine's FP32 master and FP32 states.
 */
export function tableOptimizerBytes(
  optimizer: Optimizer,
  bytes: { readonly weight: number; readonly master: number },
): { readonly native: number; readonly sharded: number } {
  const states = OPTIMIZER_STATE_BYTES[optimizer];
  const native = FIXED_STATE_DTYPE.has(optimizer) ? states : inParamDtype(states, bytes.weight);
  // Without a master copy (fp32, bf16-pure) the engine steps the parameters' own dtype too.
  return { native, sharded: bytes.master > 0 ? states + bytes.master : native };
}

/**
 * CUDA context, NCCL communicator buffers and allocator fragmentation, per GPU. An estimate: the CUDA
 * context alone takes ~0.5 GiB on Hopper and NCCL reserves buffers per communicator; PyTorch's
 * caching allocator typically leaves 5–10% fragmented. Override with `frameworkOverheadBytes`.
 */
export const DEFAULT_FRAMEWORK_OVERHEAD_BYTES = 2 * GIB;
