/**
 * Size-dependent efficiency: the fraction of a peak rate an operation achieves, as a function of its
 * size (FLOPs for a GEMM, bytes for a memory-bound kernel). Curves are catalog data per accelerator
 * family (catalog/efficiency/), each point sourced; between points we interpolate in log(size), the
 * way Calculon's step tables are meant to be read smoothly.
 */
import type { Datatype } from './hardware-spec.js';
import type { KernelModel } from './kernel-model.js';

export interface EfficiencyCurve {
  /** Ascending by size (FLOPs or bytes); efficiencies are fractions in (0, 1]. */
  readonly points: readonly { readonly size: number; readonly efficiency: number }[];
}

/**
 * Attention kernels by implementation: FlashAttention-2 (Dao 2023), FlashAttention-3 (Shah et al.
 * 2024), cuDNN's fused attention, and unfused attention (separate QKᵀ, softmax and ·V kernels that
 * write the s×s scores to memory, as 2021–22 Megatron-LM ran it).
 */
export const ATTENTION_IMPLEMENTATIONS = ['flash2', 'flash3', 'cudnn', 'unfused'] as const;
export type AttentionImplementation = (typeof ATTENTION_IMPLEMENTATIONS)[number];
/** A fused kernel (never stores the scores): its published curve times the attention ops. */
export type FusedAttentionKernel = Exclude<AttentionImplementation, 'unfused'>;

/** One implementation's published forward efficiency (fraction of the BF16 peak) over sequence length. */
export interface AttentionImplementationCurve {
  readonly forward: EfficiencyCurve;
}

export interface EfficiencyProfile {
  readonly id: string;
  /** Architecture family (hopper, blackwell, …): the unit stack and engine calibrations are fitted per. */
  readonly family: string;
  /** GEMM efficiency vs FLOPs per GEMM, per datatype; a missing datatype falls back (gemmCurve). */
  readonly gemm: Readonly<Partial<Record<Datatype, EfficiencyCurve>>> & { readonly bf16: EfficiencyCurve };
  /** FlashAttention efficiency (fraction of the BF16 peak) at training sequence lengths. */
  readonly attentionForward: number;
  readonly attentionBackward: number;
  /**
   * The BF16 tensor peak over the FP32 vector peak of the GPU the attention efficiencies were measured
   * on: a GPU's softmax exponentials run on its special-function units, 16 per 128 FP32 lanes of an
   * NVIDIA SM, so at a higher ratio than this one they take a larger share of a fused kernel's time
   * (roofline.ts attentionEfficiency). Absent: every GPU of the family gets the family's efficiencies.
   */
  readonly attentionTensorToVectorRatio?: number;
  /**
   * Head dimension the attention efficiencies were measured at: below it a head's softmax takes a
   * larger share of the kernel (roofline.ts attentionEfficiency). Absent: no head-dim correction.
   */
  readonly attentionHeadDim?: number;
  /** Published efficiency by implementation over sequence length (absent: only the scalars above). */
  readonly attentionImplementations?: Readonly<
    Partial<Record<AttentionImplementation, AttentionImplementationCurve>>
  >;
  /** Memory-bound kernel efficiency vs bytes moved per kernel. */
  readonly memory: EfficiencyCurve;
  /** Achieved fraction of link bandwidth for collectives on the scale-up and scale-out networks. */
  readonly scaleUpEfficiency: number;
  readonly scaleOutEfficiency: number;
  /**
   * Share of the benchmark compute rate sustained through a multi-node training run (clocks under
   * power limits, kernel gaps, stragglers); calibrated once per family on one published run, or 1.
   */
  readonly sustainedComputeFraction: number;
  /**
   * Share of the datasheet FP4 peak the family's 4-bit GEMMs (FP4, NVFP4, MXFP4) reach on top of their
   * size curve: a per-datatype ceiling, calibrated where an engine's 4-bit rows pin it
   * (scripts/calibrate-fp4-ceiling.ts). Absent: 1, the datasheet peak times the stand-in curve.
   */
  readonly fp4Ceiling?: number;
  /**
   * Shape-aware kernel model (tiles, waves, ceilings, launch latency, sustained bandwidth), fitted on
   * kernel measurements; absent: the size curves above (datasheet peaks times published curves).
   */
  readonly kernels?: KernelModel;
}

/** Efficiency at `size`, interpolated log-linearly between points (linearly from a zero-size point). */
export function curveEfficiency(curve: EfficiencyCurve, size: number): number {
  const points = curve.points;
  const first = points[0]!;
  if (size <= first.size) return first.efficiency;
  for (let i = 1; i < points.length; i += 1) {
    const hi = points[i]!;
    if (size <= hi.size) {
      const lo = points[i - 1]!;
      const t = lo.size > 0 ? Math.log(size / lo.size) / Math.log(hi.size / lo.size) : size / hi.size;
      return lo.efficiency + t * (hi.efficiency - lo.efficiency);
    }
  }
  return points[points.length - 1]!.efficiency;
}

/**
 * The datatype whose published curve stands in for one a profile lacks: 4-bit, block-scaled 8-bit and
 * INT8 GEMMs take FP8's (the narrower the type, the smaller the share of its peak a GEMM reaches, as the
 * FP8 curves sit below the BF16 ones; INT8 moves FP8's 1-byte operands); everything else BF16's. The
 * kernel model's fits stand in the same way for INT8 (kernel-model.ts gemmParameters).
 */
const CURVE_STAND_IN: Readonly<Partial<Record<Datatype, Datatype>>> = {
  fp4: 'fp8',
  nvfp4: 'fp8',
  mxfp4: 'fp8',
  mxfp8: 'fp8',
  int8: 'fp8',
};

/**
 * The 4-bit types (FP4, NVFP4, MXFP4), as GEMM datatypes or weight formats (they share the names): a
 * profile's {@link EfficiencyProfile.fp4Ceiling} scales their peak.
 */
export const isFourBit = (type: string): boolean => type === 'fp4' || type === 'nvfp4' || type === 'mxfp4';

/** The GEMM efficiency curve of `datatype`: its own, else its stand-in's, else BF16's. */
export function gemmCurve(profile: EfficiencyProfile, datatype: Datatype): EfficiencyCurve {
  const standIn = CURVE_STAND_IN[datatype];
  return profile.gemm[datatype] ?? (standIn && profile.gemm[standIn]) ?? profile.gemm.bf16;
}
