/**
 * What a training step time is made of: the step with its MFU/HFU, its breakdown by kind of work, and
 * the parts a stack's calibration treats apart (calibrated-step.ts). Split out of step-time.ts.
 */
import type { ActivationCopy } from '../memory/activation-offload.js';

export interface StepTimeBreakdown {
  /** GEMMs incl. adapters and recomputation, all microbatches, on the slowest stage. */
  readonly gemmSeconds: number;
  readonly attentionSeconds: number;
  readonly elementwiseSeconds: number;
  readonly tensorParallelCommSeconds: number;
  readonly contextParallelCommSeconds: number;
  readonly expertParallelCommSeconds: number;
  readonly pipelineCommSeconds: number;
  /** FP32 main-grad accumulation after each microbatch's backward. */
  readonly gradientAccumulationSeconds: number;
  /** QLoRA: NF4 → BF16 dequantisation of the frozen weights, every forward, backward and recompute. */
  readonly dequantizationSeconds: number;
  readonly pipelineBubbleSeconds: number;
  readonly dataParallelCommSeconds: number;
  readonly optimizerSeconds: number;
  /** Exposed GPU ↔ host copies of offloaded states and activations (data-parallel.ts, activation-offload.ts). */
  readonly hostTransferSeconds: number;
  /** Host time per MoE-layer pass a stack's calibration adds (0 for the engine alone). */
  readonly hostOverheadSeconds: number;
}

export interface StepTime {
  readonly stepSeconds: number;
  readonly tokensPerStep: number;
  readonly tokensPerSecond: number;
  readonly gpus: number;
  readonly microbatches: number;
  /** Model FLOPs per step (causal attention, no recomputation) and per GPU per second. */
  readonly modelFlopsPerStep: number;
  /** Model FLOPs/s per GPU / dense BF16 peak (the convention of DeepSeek, Meta and Megatron). */
  readonly mfu: number;
  /** MFU with the full attention matrix counted (Megatron's convention). */
  readonly mfuNonCausal: number;
  /** Hardware FLOPs (incl. recomputation) per GPU per second / dense BF16 peak. */
  readonly hfu: number;
  /** Hardware FLOPs per GPU per second with the full attention matrix (Megatron's "achieved TFLOP/s"). */
  readonly hardwareFlopsPerSecondPerGpuNonCausal: number;
  readonly breakdown: StepTimeBreakdown;
  /** Forward and backward time of one microbatch on the slowest stage. */
  readonly microbatchForwardSeconds: number;
  readonly microbatchBackwardSeconds: number;
  /** What a stack's calibration scales beyond the whole step (calibrated-step.ts). */
  readonly calibrationTerms: CalibrationTerms;
}

/** Parts of a step that a stack's calibration treats apart from the rest (all on the critical path). */
export interface CalibrationTerms {
  /** Attention (and mixer) kernels, seconds (bubble share included). */
  readonly attentionSeconds: number;
  /** Routed-expert and router GEMMs, seconds (bubble share included). */
  readonly expertGemmSeconds: number;
  /** Exposed expert all-to-all, seconds (bubble share included). */
  readonly expertCommSeconds: number;
  /** Micro-batch passes through the slowest stage's MoE layers × its local experts E/EP (TE's grouped GEMM: a tensor each). */
  readonly localExpertPasses: number;
  /** Passes of one micro-batch (forward and backward) through one layer (any kind) of the slowest stage. */
  readonly layerPasses: number;
  /** Layer passes under FSDP's per-layer hooks: ZeRO-3, and ZeRO-2 where StackParallelism.zero2LayerHooks; else 0. */
  readonly zero3LayerPasses: number;
  /** Offload's host seconds (CPU optimizer step, exposed state and activation copies): not scaled as GPU time. */
  readonly hostOffloadSeconds?: number;
  /** Its CPU optimizer step (`--offload`; 0 where the GPU runs the optimizer). */
  readonly hostOptimizerSeconds?: number;
  /** One microbatch's activation copies (activation-offload.ts), exposed again against the calibrated passes. */
  readonly activationCopy?: ActivationCopy & { readonly microbatches: number };
}
