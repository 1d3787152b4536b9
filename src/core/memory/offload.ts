/**
 * Optimizer (and parameter) offload to host memory, as ZeRO-Offload (Ren et al. 2021,
 * arXiv:2101.06840), ZeRO-Infinity (Rajbhandari et al. 2021, arXiv:2104.07857), PyTorch FSDP's
 * `CPUOffload(offload_params=True)` and Megatron-Core's `--optimizer-cpu-offload` run it: which model
 * states leave the GPU, what the host then holds, and the host link and memory they are moved over.
 */
import { formatBytes } from '../format.js';
import type { ModelStateBytes } from './model-states.js';

export const OFFLOAD_MODES = ['none', 'optimizer', 'optimizer+params'] as const;
export type OffloadMode = (typeof OFFLOAD_MODES)[number];

/**
 * The lowest ZeRO stage each mode runs with: the offloaded states are each rank's shard.
 * ZeRO-Offload partitions the optimizer states over data parallelism before moving them (Ren et
 * al. 2021, Sec. 4.3, built on ZeRO-2; DeepSpeed `offload_optimizer` needs stage ≥ 1, Megatron's
 * offload the distributed optimizer); parameter offload is ZeRO-3's (Rajbhandari et al. 2021;
 * DeepSpeed `offload_param` is stage 3 only; FSDP offloads the shards it holds).
 */
export const OFFLOAD_MIN_ZERO_STAGE: Readonly<Record<Exclude<OffloadMode, 'none'>, 1 | 3>> = {
  optimizer: 1,
  'optimizer+params': 3,
};

/**
 * A GPU's host side: its link to the CPU, how many GPUs share one host's memory, and that memory's
 * bandwidth and capacity (catalog/hosts.json).
 */
export interface HostSpec {
  /** GPU ↔ host link, bytes/s each way (PCIe Gen5 x16 ≈ 64 GB/s; NVLink-C2C 450 GB/s). */
  readonly linkBytesPerSecondPerDirection: number;
  /** GPUs that share one host's memory (8 in a DGX/HGX node, 2 per Grace in GB200). */
  readonly gpusPerHost: number;
  /** The host's DRAM bandwidth, bytes/s (all sockets). */
  readonly memoryBytesPerSecond: number;
  /** The host's DRAM capacity, bytes. */
  readonly memoryBytes: number;
}

export interface OffloadOptions {
  readonly mode: Exclude<OffloadMode, 'none'>;
  readonly host: HostSpec;
}

/** A stage's model states split between the GPU and the host. */
export interface OffloadedStates {
  readonly gpu: ModelStateBytes;
  /** Bytes of this GPU's states that live in host memory. */
  readonly hostBytes: number;
}

/**
 * Which states leave the GPU. `optimizer`: the FP32 master weights and moments (ZeRO-Offload Sec. 4,
 * its offload strategy keeps the FP32 states and the update on the CPU; Megatron's HybridDeviceOptimizer at offload fraction 1;
 * the gradients are copied out per bucket, so the GPU keeps its gradient buffer). `optimizer+params`:
 * also the (sharded) weights and gradients (ZeRO-Infinity's parameter offload; FSDP's CPUOffload
 * keeps parameters and gradients on the CPU), only the gathered layers stay on the GPU.
 */
export function offloadStates(states: ModelStateBytes, mode: OffloadMode): OffloadedStates {
  if (mode === 'none') return { gpu: states, hostBytes: 0 };
  if (mode === 'optimizer')
    return { gpu: { ...states, optimizerStates: 0 }, hostBytes: states.optimizerStates };
  return {
    gpu: { weights: 0, gradients: 0, optimizerStates: 0 },
    hostBytes: states.weights + states.gradients + states.optimizerStates,
  };
}

/** Host memory one host needs: the most loaded GPU's offloaded states times the GPUs sharing it. */
export function hostBytesPerHost(hostBytesPerGpu: number, host: HostSpec): number {
  return hostBytesPerGpu * host.gpusPerHost;
}

/** What offload asks of the host: per GPU (the most loaded stage), per host, and whether it fits. */
export interface HostMemory {
  readonly bytesPerGpu: number;
  readonly bytesPerHost: number;
  readonly capacityBytes: number;
  readonly fits: boolean;
}

/** What a mode keeps in host memory, in words (the CLI's offload line and the web app's). */
export const OFFLOADED_STATES: Readonly<Record<Exclude<OffloadMode, 'none'>, string>> = {
  optimizer: 'optimizer states',
  'optimizer+params': 'weights, gradients and optimizer states',
};

/** Host memory against the host's capacity, in words: "fits", or by how much it does not. */
export const hostFitText = (host: HostMemory): string =>
  host.fits ? 'fits' : `does not fit, ${formatBytes(host.bytesPerHost - host.capacityBytes)} over`;

/** Host memory the stages' offloaded states need (every GPU of a host taken at the largest stage's share). */
export function hostMemory(
  stages: readonly { readonly offloadedBytes: number }[],
  host: HostSpec,
): HostMemory {
  const bytesPerGpu = Math.max(0, ...stages.map((s) => s.offloadedBytes));
  const bytesPerHost = hostBytesPerHost(bytesPerGpu, host);
  return {
    bytesPerGpu,
    bytesPerHost,
    capacityBytes: host.memoryBytes,
    fits: bytesPerHost <= host.memoryBytes,
  };
}
