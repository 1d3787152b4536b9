/**
 * Model and hardware FLOPs utilisation of a training step: model FLOPs per GPU-second over the
 * dense BF16 peak (MFU, the convention of DeepSeek, Meta and Megatron; Chowdhery et al. 2022,
 * App. B), and with recomputation counted (HFU).
 */
import { trainingFlopsPerToken } from '../model/flops.js';
import type { ModelSpec } from '../model/spec.js';

export interface EfficiencyInput {
  readonly spec: ModelSpec;
  readonly seqLen: number;
  /** Packed documents masked at their boundaries: their attention FLOPs only (TrainingOptions.documentTokens). */
  readonly documentTokens?: number;
  readonly tokensPerStep: number;
  readonly stepSeconds: number;
  readonly gpus: number;
  readonly peakFlopsPerSecond: number;
  /** Share of the layers full recomputation re-runs (layout.ts recomputedLayerShare; 0 without it). */
  readonly recomputedShare: number;
  /** Frozen base (adapter training): no weight gradients for its matrices. */
  readonly frozenBase: boolean;
}

export interface EfficiencyMetrics {
  readonly modelFlopsPerStep: number;
  readonly mfu: number;
  readonly mfuNonCausal: number;
  readonly hfu: number;
  readonly hardwareFlopsPerSecondPerGpuNonCausal: number;
}

export function efficiencyMetrics(input: EfficiencyInput): EfficiencyMetrics {
  const flops = trainingFlopsPerToken(
    input.spec,
    input.seqLen,
    input.documentTokens === undefined ? {} : { documentTokens: input.documentTokens },
  );
  const tokens = input.tokensPerStep;
  // Frozen base: 3× forward minus one forward's matmuls (the "≈ 2/3 of full fine-tuning" rule;
  // attention backward still costs 2× its forward).
  const forwardMatmul = (flops.causal.flopsPerToken - flops.causal.breakdown.attentionScores) / 3;
  const frozen = input.frozenBase ? forwardMatmul : 0;
  const modelFlopsPerStep = (flops.causal.flopsPerToken - frozen) * tokens;
  // Full recomputation re-runs every forward except the head's (Korthikanti et al. 2022, Sec. 5); partial
  // recomputation its share of the layers'.
  const recomputeFlopsPerStep =
    (input.recomputedShare * (modelFlopsPerStep - flops.causal.breakdown.head)) / 3;
  const perGpuSecond = input.stepSeconds * input.gpus;
  const peak = input.peakFlopsPerSecond;
  const nonCausalHardware =
    flops.nonCausal.flopsPerToken * tokens +
    (input.recomputedShare * (flops.nonCausal.flopsPerToken - flops.nonCausal.breakdown.head) * tokens) / 3;
  return {
    modelFlopsPerStep,
    mfu: modelFlopsPerStep / (perGpuSecond * peak),
    mfuNonCausal: ((flops.nonCausal.flopsPerToken - frozen) * tokens) / (perGpuSecond * peak),
    hfu: (modelFlopsPerStep + recomputeFlopsPerStep) / (perGpuSecond * peak),
    hardwareFlopsPerSecondPerGpuNonCausal: nonCausalHardware / perGpuSecond,
  };
}
