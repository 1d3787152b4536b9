/**
 * What the core needs to know about an accelerator, in SI units. The catalog builds these from its
 * data files; users may also construct one for hypothetical hardware.
 */
import type { EfficiencyProfile } from './efficiency.js';

/**
 * Tensor-core input datatypes. `fp4` is the unscaled FP4 peak a datasheet prints; the block-scaled
 * formats are named for their scaling: `nvfp4` (E2M1 values, one FP8 E4M3 scale per 16: NVIDIA,
 * "Introducing NVFP4", 2025), `mxfp4` and `mxfp8` (E2M1 / E4M3 values, one E8M0 scale per 32: OCP
 * Microscaling Formats (MX) v1.0, Sec. 5). A GPU lists a peak only for the formats its tensor cores run.
 */
export const DATATYPES = [
  'fp32',
  'tf32',
  'bf16',
  'fp16',
  'fp8',
  'fp4',
  'nvfp4',
  'mxfp4',
  'mxfp8',
  'int8',
  'int4',
] as const;
export type Datatype = (typeof DATATYPES)[number];

export interface HardwareSpec {
  readonly id: string;
  /** Dense peak rate per datatype, FLOP/s (OP/s for integer types). */
  readonly peakFlopsPerSecond: Readonly<Partial<Record<Datatype, number>>>;
  /** 2:4 structured-sparse peak over the dense peak (sparse tensor cores); absent: no such hardware. */
  readonly structuredSparsitySpeedup?: number;
  /** Compute units that run GEMM tiles in parallel (SMs, CUs); absent: no wave quantisation known. */
  readonly computeUnits?: number;
  readonly memoryBytes: number;
  readonly memoryBytesPerSecond: number;
  readonly scaleUp: {
    readonly fabric: string;
    /** Per-GPU scale-up bandwidth in one direction, bytes/s. */
    readonly bytesPerSecondPerDirection: number;
    /** GPUs that share the scale-up fabric (NVLink domain, TPU pod). */
    readonly domainSize: number;
  };
  /** Per-GPU scale-out NIC bandwidth, bytes/s; null where the scale-up fabric spans the system. */
  readonly scaleOutBytesPerSecond: number | null;
  /** Thermal design power, W; null where the vendor does not publish one. */
  readonly tdpWatts: number | null;
  /** Achievable fractions of the peaks (catalog/efficiency/). */
  readonly efficiency: EfficiencyProfile;
}
