/**
 * What the core needs to know about an accelerator, in SI units. The catalog builds these from its
 * data files; users may also construct one for hypothetical hardware.
 */
import type { EfficiencyProfile } from './efficiency.js';

export type Datatype = 'fp32' | 'tf32' | 'bf16' | 'fp16' | 'fp8' | 'fp4' | 'int8' | 'int4';

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
