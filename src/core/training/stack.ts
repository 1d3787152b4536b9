/**
 * Software stacks (Megatron-Core/NeMo, torchtitan, DeepSpeed, Hugging Face Trainer, Unsloth, LLM Foundry): what
 * each can split, how it allocates memory, and its calibrated speed on a GPU family. The catalog
 * (catalog/stacks/) supplies the values with their sources; this module is pure.
 *
 * The stack's speed is applied outside the step-time model by a few physical parameters per
 * (GPU family × stack), fitted by scripts/calibrate.ts on published runs: a compute-efficiency scale
 * on the engine's step, an extra factor on attention kernels, an extra factor on the routed-expert
 * work (grouped GEMMs and token dispatch) and a host overhead per local expert per MoE-layer pass (the
 * last two fitted on MoE runs only, so dense runs never absorb them), and for stacks of eager modules
 * a host time per layer pass and per FSDP-hooked layer pass. The P10–P90 band
 * comes from that fit's leave-one-out residuals and the held-out runs' residuals under it (see
 * docs/training-engine.md, "Calibration").
 */
import { InputError, type InputIssue } from '../errors.js';
import type { LossKernel } from '../model/operation-types.js';
import type { ParallelLayout } from '../parallelism/layout.js';
import { median } from '../statistics.js';
import type { ModelRecord } from '../uncertainty/model-record.js';

export { type CalibrationInputs, calibratedRatio, calibratedStep } from './calibrated-step.js';

export const STACK_IDS = [
  'megatron',
  'megatron-deepspeed',
  'torchtitan',
  'deepspeed',
  'hf',
  'unsloth',
  'llm-foundry',
] as const;
export type StackId = (typeof STACK_IDS)[number];

export interface StackParallelism {
  readonly tensor: boolean;
  readonly pipeline: boolean;
  readonly expert: boolean;
  readonly context: boolean;
  readonly sequence: boolean;
  readonly interleaved: boolean;
  readonly zeroStages: readonly (0 | 1 | 2 | 3)[];
  /**
   * Sharded gradients (ZeRO-2) combined with pipeline parallelism (torchtitan: FSDP2 + PP). DeepSpeed's
   * PipelineEngine asserts ZeRO < 2; Megatron pipelines under its distributed optimizer (ZeRO-1: the main-grad
   * buffer whole on every rank), its gradient sharding being Megatron-FSDP's, which it does not pipeline.
   */
  readonly zero2WithPipeline: boolean;
  /** ZeRO-3/FSDP combined with pipeline parallelism (torchtitan: FSDP2 + PP). */
  readonly zero3WithPipeline: boolean;
  /** Routed experts without tensor parallelism (ETP 1) while attention runs TP: EP spans the TP ranks. */
  readonly expertTensorFolding: boolean;
  /**
   * With pipeline parallelism the data-parallel gradient reduction runs after the last micro-batch's
   * backward, not overlapped with it (DeepSpeed's PipelineEngine: TrainSchedule's ReduceGrads step).
   */
  readonly pipelineDefersGradientReduction: boolean;
  /**
   * Its ZeRO-2 is FSDP's SHARD_GRAD_OP (FSDP2 reshard_after_forward=False): each layer is a wrapped
   * unit whose pre-forward and post-backward hooks run as under ZeRO-3, so the per-layer host time of
   * the hooks applies (CalibrationTerms.zero3LayerPasses); DeepSpeed's ZeRO-2 has no per-layer hooks.
   */
  readonly zero2LayerHooks: boolean;
  /**
   * The stack's switch that splits each tensor-parallel all-gather and reduce-scatter into chunks
   * pipelined with the GEMM beside it (Megatron-Core `--tp-comm-overlap`, torchtitan's AsyncTP); null
   * where the stack has none.
   */
  readonly tensorParallelOverlap: string | null;
}

import type { FusedAttentionKernel } from '../hardware/efficiency.js';
/** How the stack allocates training memory (applied by trainingMemory). */
import type { OffloadMode, StackMemory } from '../memory/training-memory.js';

export type { StackMemory };

/** Calibration parameters a (family × stack) may take from its stack's other families. */
export const CALIBRATION_SHARED_PARAMETERS = [
  'attentionScale',
  'expertScale',
  'localExpertOverheadSeconds',
] as const;
export type SharedCalibrationParameter = (typeof CALIBRATION_SHARED_PARAMETERS)[number];

/** A (GPU family × stack) calibration: the fitted parameters and the leave-one-out residuals. */
export interface StackCalibration {
  readonly family: string;
  /**
   * The stack whose cases this calibration was fitted on, when it is not the stack applying it (a
   * stack without cases of its own that runs another's modules: catalog stacks' `calibrationFrom`).
   */
  readonly fittedOn?: StackId;
  /** Compute-efficiency scale on the engine's step (GEMMs, memory-bound kernels, communication, bubbles). */
  readonly stepTimeScale: number;
  /** Extra factor on attention kernels (FlashAttention's efficiency beyond the kernel model). */
  readonly attentionScale: number;
  /**
   * Extra factor on the routed-expert GEMMs and the exposed expert all-to-all (grouped-GEMM and
   * token-dispatch efficiency beyond the kernel model); 1 when the stack has no MoE cases.
   */
  readonly expertScale: number;
  /**
   * Host seconds per local expert per MoE-layer pass (one micro-batch, forward and backward): the
   * token dispatcher waits on the host for the per-expert token counts before its grouped GEMM, so
   * the host cannot run ahead of the GPU there, and Transformer Engine's grouped GEMM then splits,
   * quantizes and launches per local expert (E/EP of them).
   */
  readonly localExpertOverheadSeconds: number;
  /**
   * Host seconds per layer pass (one micro-batch, forward and backward, any layer) of a stack of eager
   * modules: PyTorch launches each kernel from Python, so a layer of short kernels waits on the host
   * (transformers/PEFT modules, no CUDA graphs or compile); 0 for fused stacks and without data.
   */
  readonly layerOverheadSeconds: number;
  /**
   * Extra host seconds per layer pass under ZeRO-3/FSDP on such a stack: the per-module hooks that
   * gather and release parameters in the forward, the recomputation and the backward (DeepSpeed
   * stage-3 fetch/release, FSDP1 pre/post hooks), beyond the collective's own time.
   */
  readonly zero3LayerOverheadSeconds: number;
  /** Parameters this family had too few cases for: taken from the stack's other families (or neutral). */
  readonly extrapolated: readonly SharedCalibrationParameter[];
  /** ln(published / calibrated prediction) of each case with that case left out of the fit. */
  readonly leaveOneOutLogResiduals: readonly number[];
  /**
   * ln(published / calibrated prediction) of published runs on this family and stack that are held
   * out of the fit (validation cases): evidence of how far the fit generalises, so the band uses them.
   */
  readonly heldOutLogResiduals?: readonly number[];
  readonly cases: readonly string[];
  /** Each model's leave-one-out outcomes among the cases: a prediction for one of them reaches its own (model-record.ts). */
  readonly modelRecords?: readonly ModelRecord[];
  /** Largest GPU count among the cases (beyond it the band is an extrapolation). */
  readonly maxGpus: number;
  /** Largest model among the cases, total parameters (beyond twice it the band is an extrapolation). */
  readonly maxParams: number;
  /**
   * Largest share of the engine's step that attention took among the cases (known for catalog fits): the
   * attention factor is fitted within it, and a step with far more attention extrapolates it.
   */
  readonly maxAttentionFraction?: number;
  /**
   * The GPU families its cases ran on (known for catalog fits): a fit pooled over families ('*')
   * applied to a family none of them ran on is an extrapolation, and the band says so.
   */
  readonly caseFamilies?: readonly string[];
  /**
   * The token-mixer kinds its cases' models ran (known for catalog fits): a model with layers of
   * another kind (Mamba, linear attention, short convolutions) times them uncalibrated, and the
   * band says so.
   */
  readonly caseMixers?: readonly string[];
  /**
   * Set on a family without runs of this stack: its terms are the medians of its fits on the families
   * it has runs on ({@link transferredCalibrations}); no residuals of its own, so the band is the
   * pooled one, doubled.
   */
  readonly transferred?: { readonly families: readonly string[] };
}

/** The stack fitted on every GPU family with published runs: the families a stack's fit is listed on. */
export const TRANSFER_REFERENCE_STACK: StackId = 'megatron';

/**
 * A stack's calibration on a GPU family it has no runs on: the engine already holds each family's kernel
 * speed (its kernel curves and sustained fraction), so what a stack's fit measures, its overhead over the
 * engine (host time, kernels, schedule), is taken as the same on every family: each term is the median of
 * the stack's fits on the families it has runs on. Not read relative to another stack's fit on that family:
 * that moved with how the other stack's own cases split k from a, which says nothing about this stack.
 * Null for a family it was fitted on, or a stack with no per-family fit (a pooled '*' fit, or none).
 */
export function transferredCalibration(
  own: readonly StackCalibration[],
  family: string,
): StackCalibration | null {
  const fitted = own.filter((c) => c.family !== '*' && c.transferred === undefined);
  if (fitted.length === 0 || own.some((c) => c.family === family || c.family === '*')) return null;
  const ownMedian = (pick: (c: StackCalibration) => number) => median(fitted.map(pick));
  return {
    family,
    stepTimeScale: ownMedian((c) => c.stepTimeScale),
    attentionScale: ownMedian((c) => c.attentionScale),
    expertScale: ownMedian((c) => c.expertScale),
    localExpertOverheadSeconds: ownMedian((c) => c.localExpertOverheadSeconds),
    layerOverheadSeconds: ownMedian((c) => c.layerOverheadSeconds),
    zero3LayerOverheadSeconds: ownMedian((c) => c.zero3LayerOverheadSeconds),
    extrapolated: [...CALIBRATION_SHARED_PARAMETERS],
    leaveOneOutLogResiduals: [],
    heldOutLogResiduals: [],
    cases: [],
    maxGpus: Math.max(...fitted.map((c) => c.maxGpus)),
    maxParams: Math.max(...fitted.map((c) => c.maxParams)),
    maxAttentionFraction: Math.max(...fitted.map((c) => c.maxAttentionFraction ?? 0)),
    caseMixers: [...new Set(fitted.flatMap((c) => c.caseMixers ?? []))].sort(),
    transferred: { families: fitted.map((c) => c.family) },
  };
}

/** {@link transferredCalibration} on each family the reference stack was fitted on (the catalog lists them). */
export const transferredCalibrations = (
  own: readonly StackCalibration[],
  reference: readonly StackCalibration[],
): StackCalibration[] =>
  reference.flatMap((r) => (r.family === '*' ? [] : (transferredCalibration(own, r.family) ?? [])));

export interface StackProfile {
  readonly id: StackId;
  readonly name: string;
  /** Why this stack runs where none was named and the default does not run on the accelerator (stacks.ts stackOnGpu). */
  readonly takenBecause?: string;
  readonly parallelism: StackParallelism;
  /** The loss's kernels (catalog `kernels.crossEntropy`: eager on FP32 logits, or fused). */
  readonly lossKernel?: LossKernel;
  /** Its fused attention kernel (catalog `kernels.attention`), timed on that kernel's published curve. */
  readonly attentionKernel?: FusedAttentionKernel;
  /** Model states the stack can keep in host memory (memory/offload.ts); none when absent. */
  readonly offloadModes?: readonly Exclude<OffloadMode, 'none'>[];
  /** Whether it can keep layers' activations in host memory (memory/activation-offload.ts). */
  readonly offloadsActivations?: boolean;
  /** Whether it recomputes only the first N layers of each pipeline chunk (catalog `blockRecompute`; `--recompute-num-layers`). */
  readonly recomputesBlocks?: boolean;
  /** Whether it recomputes every K-th layer in full (catalog `layerRecompute`; `--recompute-every`). */
  readonly recomputesEveryNth?: boolean;
  /** Whether it trains a model's MTP modules (catalog `multiTokenPrediction`); if not, {@link trainedSpec} drops them. */
  readonly trainsMtp: boolean;
  /**
   * The projections it builds as one matrix whatever the checkpoint's layout (catalog `fusedProjections`:
   * Megatron-Core's linear_qkv and linear_fc1), which its adapters adapt whole; absent: as the checkpoint.
   */
  readonly fusedProjections?: { readonly qkv: boolean; readonly gateUp: boolean };
  /** Its switch keeping the main-grad buffers in BF16 (catalog `bf16GradientBuffers`); absent: none. */
  readonly bf16GradientBuffers?: string;
  /** Its switch replaying a step as one CUDA graph (catalog `kernels.fullIterationCudaGraphs`); absent: none. */
  readonly fullIterationCudaGraphs?: string;
  /** How it trains in FP8 (catalog `kernels.fp8Recipe`); 'none' refuses `--precision fp8`. */
  readonly fp8Recipe?: Fp8Recipe;
  /**
   * Whether its data-parallel gradient reduction runs in FP32 by default (catalog `gradientReduction`:
   * Composer's FSDP mixed precision 'DEFAULT'); absent: the training precision's gradient bytes.
   */
  readonly gradReduceInFp32?: boolean;
  readonly memory: StackMemory;
  readonly calibrations: readonly StackCalibration[];
}

export const FP8_RECIPES = ['transformer-engine', 'torchao-float8', 'none'] as const;
export type Fp8Recipe = (typeof FP8_RECIPES)[number];

/** Why a training precision cannot run on this stack (empty when it can): FP8 needs an FP8 recipe. */
export function stackPrecisionIssues(stack: StackProfile | undefined, precision: string): InputIssue[] {
  if (!stack || precision !== 'fp8' || stack.fp8Recipe !== 'none') return [];
  return [
    {
      code: 'infeasible',
      path: ['precision'],
      message: `${stack.name} has no FP8 training recipe (its catalog entry's kernels.fp8Recipe is 'none'): train in bf16, or name a stack that runs FP8 GEMMs (Transformer Engine, torchao Float8)`,
    },
  ];
}

/** Why a fixed layout cannot run on this stack (empty when it can). Flags named as on the CLI. */
export function stackLayoutIssues(stack: StackProfile, layout: Partial<ParallelLayout>): InputIssue[] {
  const issues: InputIssue[] = [];
  const p = stack.parallelism;
  const add = (field: keyof ParallelLayout, what: string) =>
    issues.push({
      code: 'infeasible',
      path: ['layout', field],
      message: `${stack.name}${stack.takenBecause ? ` (${stack.takenBecause})` : ''} does not support ${what}`,
    });
  if (!p.tensor && (layout.tensorParallel ?? 1) > 1) add('tensorParallel', 'tensor parallelism');
  if (!p.pipeline && (layout.pipelineParallel ?? 1) > 1) add('pipelineParallel', 'pipeline parallelism');
  if (!p.pipeline && layout.schedule !== undefined && layout.schedule !== '1f1b')
    add('schedule', `the ${layout.schedule} pipeline schedule (it runs no pipeline parallelism)`);
  if (!p.expert && (layout.expertParallel ?? 1) > 1) add('expertParallel', 'expert parallelism');
  if (
    !p.expertTensorFolding &&
    layout.expertTensorParallel !== undefined &&
    layout.expertTensorParallel !== (layout.tensorParallel ?? 1)
  )
    add('expertTensorParallel', 'expert tensor parallelism other than the tensor parallelism');
  if (!p.context && (layout.contextParallel ?? 1) > 1) add('contextParallel', 'context parallelism');
  if (!p.sequence && layout.sequenceParallel) add('sequenceParallel', 'sequence parallelism');
  if (!p.interleaved && (layout.virtualStages ?? 1) > 1)
    add('virtualStages', 'the interleaved pipeline schedule');
  if (layout.zeroStage !== undefined && !p.zeroStages.includes(layout.zeroStage))
    add('zeroStage', `ZeRO-${layout.zeroStage} (it runs ${p.zeroStages.map((z) => `ZeRO-${z}`).join(', ')})`);
  if (!p.zero3WithPipeline && layout.zeroStage === 3 && (layout.pipelineParallel ?? 1) > 1)
    add('zeroStage', 'ZeRO-3/FSDP with pipeline parallelism; use ZeRO-1 with pp > 1');
  if (!p.zero2WithPipeline && layout.zeroStage === 2 && (layout.pipelineParallel ?? 1) > 1)
    add('zeroStage', 'ZeRO-2 (sharded gradients) with pipeline parallelism; use ZeRO-1 with pp > 1');
  return issues;
}

/** Throws the issues of {@link stackLayoutIssues}. */
export function checkStackLayout(stack: StackProfile, layout: Partial<ParallelLayout>): void {
  const issues = stackLayoutIssues(stack, layout);
  if (issues.length > 0) throw new InputError(issues);
}

/**
 * The stack's calibration on a GPU family (or pooled over families, '*'); on a family it has no runs on, its
 * fits carried over ({@link transferredCalibration}); null for a stack with none.
 */
export function stackCalibration(stack: StackProfile, family: string): StackCalibration | null {
  const own =
    stack.calibrations.find((c) => c.family === family) ?? stack.calibrations.find((c) => c.family === '*');
  if (own) return own;
  // A family no stack has runs on (cdna3, a generic GPU): the stack's own fits carried over, as to the others.
  const byFamily = transfers.get(stack) ?? new Map<string, StackCalibration | null>();
  transfers.set(stack, byFamily);
  if (!byFamily.has(family)) byFamily.set(family, transferredCalibration(stack.calibrations, family));
  return byFamily.get(family) ?? null;
}
const transfers = new WeakMap<StackProfile, Map<string, StackCalibration | null>>();

/** The parameters a calibration applies. */
export type CalibrationParameters = Pick<
  StackCalibration,
  'stepTimeScale' | SharedCalibrationParameter | HostCalibrationParameter
>;

/** Host-time parameters: fitted only on a stack of eager modules with its own cases, never borrowed. */
export const HOST_CALIBRATION_PARAMETERS = ['layerOverheadSeconds', 'zero3LayerOverheadSeconds'] as const;
export type HostCalibrationParameter = (typeof HOST_CALIBRATION_PARAMETERS)[number];

/** Every term beside the compute scale at its neutral value: the engine's time as is, times k. */
export const NEUTRAL_CALIBRATION_TERMS: Omit<CalibrationParameters, 'stepTimeScale'> = {
  attentionScale: 1,
  expertScale: 1,
  localExpertOverheadSeconds: 0,
  layerOverheadSeconds: 0,
  zero3LayerOverheadSeconds: 0,
};

/** |published / prediction − 1| of each case of a fit, predicted without it (its leave-one-out residuals). */
export const leaveOneOutErrors = (c: Pick<StackCalibration, 'leaveOneOutLogResiduals'>): number[] =>
  c.leaveOneOutLogResiduals.map((r) => Math.abs(Math.exp(r) - 1));

/** The calibration in words, as the CLI prints it after the stack's name. */
export function calibrationSummary(c: StackCalibration): string {
  const parts = [`compute × ${c.stepTimeScale.toFixed(2)}`, `attention × ${c.attentionScale.toFixed(2)}`];
  if (c.layerOverheadSeconds > 0 || c.zero3LayerOverheadSeconds > 0)
    parts.push(
      `${(1000 * c.layerOverheadSeconds).toFixed(1)} ms host per layer pass (+${(1000 * c.zero3LayerOverheadSeconds).toFixed(1)} ms with FSDP/ZeRO-3 hooks)`,
    );
  if (c.expertScale !== 1 || c.localExpertOverheadSeconds > 0)
    parts.push(
      `experts × ${c.expertScale.toFixed(2)}`,
      `${(1000 * c.localExpertOverheadSeconds).toFixed(2)} ms host per local expert per MoE-layer pass`,
    );
  if (c.transferred)
    return `no ${c.family} runs: ${parts.join(', ')}, the medians of its fits on ${c.transferred.families.join(', ')}`;
  return `calibrated on ${c.cases.length} ${c.family === '*' ? '' : `${c.family} `}runs${c.fittedOn ? ` of the ${c.fittedOn} stack` : ''}: ${parts.join(', ')}`;
}
