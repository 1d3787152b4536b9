/**
 * A cluster as the training engine sees it: the accelerator, how many share a node, and the two
 * network tiers (scale-up inside a node, scale-out between nodes) with achievable bandwidth.
 */
import type { Link } from './collectives.js';
import type { HardwareSpec } from './hardware-spec.js';

export interface ClusterSpec {
  readonly gpu: HardwareSpec;
  readonly gpusPerNode: number;
  readonly scaleUp: Link;
  readonly scaleOut: Link;
  /** Node power per GPU at full load (server TDP / GPUs), W; null to use the GPU TDP × `DEFAULT_SERVER_POWER_FACTOR`. */
  readonly nodeWattsPerGpu: number | null;
}

/** Small-message latency of NVLink and InfiniBand collectives (estimates, NCCL tests' order of magnitude). */
export const DEFAULT_SCALE_UP_LATENCY_SECONDS = 3e-6;
export const DEFAULT_SCALE_OUT_LATENCY_SECONDS = 5e-6;

/**
 * GPUs on one scale-up tier of a GPU's own catalog entry. An NVLink switch domain is one tier however
 * many trays it spans: a GB200/GB300 NVL72 rack puts 72 GPUs on NVLink 5 (NVIDIA GB200 NVL72
 * specifications: 130 TB/s over 72 GPUs), so TP/EP groups up to 72 stay on NVLink. Other fabrics
 * (PCIe servers, TPU and Trainium tori, whose multi-hop links are not a flat switch) count 8 per node.
 */
export function scaleUpTierSize(gpu: HardwareSpec): number {
  return gpu.scaleUp.fabric === 'nvlink' ? gpu.scaleUp.domainSize : Math.min(8, gpu.scaleUp.domainSize);
}

/** A cluster built from a GPU's own catalog entry: "nodes" are its scale-up tier (scaleUpTierSize). */
export function defaultCluster(gpu: HardwareSpec): ClusterSpec {
  const gpusPerNode = scaleUpTierSize(gpu);
  return {
    gpu,
    gpusPerNode,
    scaleUp: {
      bytesPerSecond: gpu.scaleUp.bytesPerSecondPerDirection,
      latencySeconds: DEFAULT_SCALE_UP_LATENCY_SECONDS,
      efficiency: gpu.efficiency.scaleUpEfficiency,
    },
    scaleOut: {
      // TPU pods have no NIC per chip: the ICI torus is both tiers.
      bytesPerSecond: gpu.scaleOutBytesPerSecond ?? gpu.scaleUp.bytesPerSecondPerDirection,
      latencySeconds: DEFAULT_SCALE_OUT_LATENCY_SECONDS,
      efficiency: gpu.efficiency.scaleOutEfficiency,
    },
    nodeWattsPerGpu: null,
  };
}
