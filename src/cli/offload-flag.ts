/**
 * `--offload none|optimizer|optimizer+params` (train, finetune, memory) and `--offload-activations N`
 * (train, memory): the mode or layer count with the GPU's host from the catalog, and the lines and
 * JSON that say what they move to host memory.
 */
import { offloadOptions, parseOffloadMode, requireHost } from '../catalog/hosts.js';
import type { HardwareSpec } from '../core/hardware/hardware-spec.js';
import type { ActivationOffloadOptions } from '../core/memory/activation-offload.js';
import { hostFitText, OFFLOADED_STATES } from '../core/memory/offload.js';
import { type HostMemory, hostMemory, type OffloadOptions } from '../core/memory/training-memory.js';
import { formatBytes } from './format.js';
import { positiveInteger } from './options.js';

export const OFFLOAD_HELP =
  'keep model states in host memory: none (default) | optimizer (ZeRO-Offload, Megatron --optimizer-cpu-offload) | optimizer+params (ZeRO-Infinity, FSDP CPUOffload)';

export const ACTIVATION_OFFLOAD_HELP =
  "keep the first N layers' activations in host memory instead of recomputing them (megatron: --cpu-offloading-num-layers N; no pipeline parallelism, no recomputation)";

/** The offload options of `--offload` on this GPU (undefined for none or no flag). */
export function offloadFlag(
  text: string | undefined,
  gpu: Pick<HardwareSpec, 'id'>,
): OffloadOptions | undefined {
  return text === undefined ? undefined : offloadOptions(parseOffloadMode(text), gpu);
}

const ACTIVATION_FLAG = '--offload-activations';

/** `--offload-activations N`'s layer count (undefined without the flag). */
const offloadedLayers = (text: string | undefined): number | undefined =>
  text === undefined ? undefined : positiveInteger(text, ACTIVATION_FLAG, 1);

/** Those layers with the GPU's host (undefined without them). */
const withHost = (
  layers: number | undefined,
  gpu: Pick<HardwareSpec, 'id'>,
): ActivationOffloadOptions | undefined =>
  layers === undefined ? undefined : { layers, host: requireHost(gpu, ACTIVATION_FLAG) };

/** What a run keeps in host memory: model states (`--offload`), layers' activations, or both. */
export interface HostUse {
  readonly offload?: OffloadOptions | undefined;
  readonly activationOffload?: ActivationOffloadOptions | undefined;
}

/** `--offload` and `--offload-activations` on this GPU (train). */
export const offloadFlags = (
  o: { readonly offload?: string; readonly offloadActivations?: string },
  gpu: Pick<HardwareSpec, 'id'>,
): HostUse => ({
  offload: offloadFlag(o.offload, gpu),
  activationOffload: withHost(offloadedLayers(o.offloadActivations), gpu),
});

/**
 * `memory`'s offload flags: the mode and layer count as the memory model takes them, and what they
 * keep in host memory where a GPU is given (its host).
 */
export function memoryOffloadFlags(
  o: { readonly offload?: string; readonly offloadActivations?: string },
  gpu: Pick<HardwareSpec, 'id'> | null,
) {
  const mode = o.offload === undefined ? 'none' : parseOffloadMode(o.offload);
  const layers = offloadedLayers(o.offloadActivations);
  const use: HostUse = gpu
    ? { offload: offloadOptions(mode, gpu), activationOffload: withHost(layers, gpu) }
    : {};
  return {
    mode,
    layers,
    use,
    memory: {
      ...(mode === 'none' ? {} : { offload: { mode } }),
      ...(layers !== undefined && { activationOffload: { layers } }),
    },
  };
}

/** `memory --json`'s `offload` field: with the host where a GPU was given; none without offload. */
export function memoryOffloadJson(f: ReturnType<typeof memoryOffloadFlags>, host: HostMemory | null) {
  if (f.mode === 'none' && f.layers === undefined) return {};
  const offload = host
    ? offloadJson(f.use, host)
    : { mode: f.mode, ...(f.layers !== undefined && { activationLayers: f.layers }) };
  return { offload };
}

const hostOf = (use: HostUse) => use.offload?.host ?? use.activationOffload?.host;

/** Host memory the offloaded states and activations of these stages need (null without offload). */
export function offloadHostMemory(
  use: HostUse,
  stages: readonly { readonly offloadedBytes: number }[],
): HostMemory | null {
  const host = hostOf(use);
  return host ? hostMemory(stages, host) : null;
}

/** JSON: the mode, the offloaded layers, the host and what it holds. */
export function offloadJson(use: HostUse, host: HostMemory) {
  const spec = hostOf(use)!;
  return {
    mode: use.offload?.mode ?? 'none',
    ...(use.activationOffload && { activationLayers: use.activationOffload.layers }),
    hostLinkBytesPerSecondPerDirection: spec.linkBytesPerSecondPerDirection,
    gpusPerHost: spec.gpusPerHost,
    hostMemoryBytesPerSecond: spec.memoryBytesPerSecond,
    ...host,
  };
}

/** One line: what is offloaded, per GPU and per host, against the host's memory. */
export function offloadLine(use: HostUse, host: HostMemory): string {
  const spec = hostOf(use)!;
  const gb = (bytesPerSecond: number) => `${(bytesPerSecond / 1e9).toFixed(0)} GB/s`;
  const what = [
    use.offload && OFFLOADED_STATES[use.offload.mode],
    use.activationOffload && `the activations of ${use.activationOffload.layers} layers`,
  ].filter((w) => w);
  return `offload: ${what.join(' and ')} in host memory, ${formatBytes(host.bytesPerGpu)}/GPU, ${formatBytes(host.bytesPerHost)} per host of ${spec.gpusPerHost} GPUs (${formatBytes(host.capacityBytes)}): ${hostFitText(host)}; link ${gb(spec.linkBytesPerSecondPerDirection)} each way, host memory ${gb(spec.memoryBytesPerSecond)}`;
}
