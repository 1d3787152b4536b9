/**
 * `--offload none|optimizer|optimizer+params` (train, finetune, memory): the mode with the GPU's host
 * from the catalog, and the lines and JSON that say what it moves to host memory.
 */
import { offloadOptions, parseOffloadMode } from '../catalog/hosts.js';
import type { HardwareSpec } from '../core/hardware/hardware-spec.js';
import { hostFitText, OFFLOADED_STATES } from '../core/memory/offload.js';
import { type HostMemory, hostMemory, type OffloadOptions } from '../core/memory/training-memory.js';
import { formatBytes } from './format.js';

export const OFFLOAD_HELP =
  'keep model states in host memory: none (default) | optimizer (ZeRO-Offload, Megatron --optimizer-cpu-offload) | optimizer+params (ZeRO-Infinity, FSDP CPUOffload)';

/** The offload options of `--offload` on this GPU (undefined for none or no flag). */
export function offloadFlag(
  text: string | undefined,
  gpu: Pick<HardwareSpec, 'id'>,
): OffloadOptions | undefined {
  return text === undefined ? undefined : offloadOptions(parseOffloadMode(text), gpu);
}

/** Host memory the offloaded states of these stages need (null without offload). */
export function offloadHostMemory(
  offload: OffloadOptions | undefined,
  stages: readonly { readonly offloadedBytes: number }[],
): HostMemory | null {
  return offload ? hostMemory(stages, offload.host) : null;
}

/** JSON: the mode, the host and what it holds. */
export function offloadJson(offload: OffloadOptions, host: HostMemory) {
  return {
    mode: offload.mode,
    hostLinkBytesPerSecondPerDirection: offload.host.linkBytesPerSecondPerDirection,
    gpusPerHost: offload.host.gpusPerHost,
    hostMemoryBytesPerSecond: offload.host.memoryBytesPerSecond,
    ...host,
  };
}

/** One line: what is offloaded, per GPU and per host, against the host's memory. */
export function offloadLine(offload: OffloadOptions, host: HostMemory): string {
  const gb = (bytesPerSecond: number) => `${(bytesPerSecond / 1e9).toFixed(0)} GB/s`;
  return `offload: ${OFFLOADED_STATES[offload.mode]} in host memory, ${formatBytes(host.bytesPerGpu)}/GPU, ${formatBytes(host.bytesPerHost)} per host of ${offload.host.gpusPerHost} GPUs (${formatBytes(host.capacityBytes)}): ${hostFitText(host)}; link ${gb(offload.host.linkBytesPerSecondPerDirection)} each way, host memory ${gb(offload.host.memoryBytesPerSecond)}`;
}
