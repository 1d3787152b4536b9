/**
 * Activation offload to host memory, as Megatron-Core's `--cpu-offloading --cpu-offloading-num-layers
 * N` runs it through Transformer Engine's `get_cpu_offload_context` (TE docs, "CPU Offloading",
 * default scheduling): the first N layers' saved activations are copied to host memory as the forward
 * pass makes them and copied back before their backward pass needs them, so the GPU holds at most
 * L − N layers' activations at a time; nothing is recomputed. Also the checkpoints an offloading
 * stack (Unsloth) keeps in host memory under full recomputation.
 */
import type { ModelSpec } from '../model/spec.js';
import type { HostSpec } from './offload.js';
import { layerKindIndex, moeLayerPrefix } from './pipeline-placement.js';
import { CHECKPOINTS_ON_GPU } from './training-recipes.js';

/** `--offload-activations N`: the layers whose activations live in host memory, and that host. */
export interface ActivationOffloadOptions {
  readonly layers: number;
  readonly host: HostSpec;
}

/**
 * One microbatch's activations of the model's first N layers (the ones Transformer Engine offloads),
 * each as its kind holds them: per layer kind (`perKind`, layerKinds' order), or a dense and a MoE layer's.
 */
export function firstLayersActivationBytes(
  spec: ModelSpec,
  offload: { readonly layers: number } | undefined,
  perKind: readonly number[] | null,
  perLayer: { readonly dense: number; readonly moe: number },
): number | undefined {
  if (!offload) return undefined;
  const n = Math.min(offload.layers, spec.numLayers);
  if (!perKind) {
    const moeLayers = moeLayerPrefix(spec)[n]!;
    return (n - moeLayers) * perLayer.dense + moeLayers * perLayer.moe;
  }
  const kindOf = layerKindIndex(spec);
  let bytes = 0;
  for (let i = 0; i < n; i += 1) bytes += perKind[kindOf[i]!]!;
  return bytes;
}

/**
 * The bytes of a stage's activations held in host memory, all its microbatches in flight together:
 * the offloaded layers' (`offloaded`, one microbatch's: firstLayersActivationBytes; TE keeps "at most
 * (model_layers − num_layers) sets of activations on GPU at any time"), or all but
 * {@link CHECKPOINTS_ON_GPU} checkpoints where the stack offloads them under full recomputation
 * (`offloadsCheckpoints`: StackMemory's).
 */
export function hostActivationBytes(
  /** The stage's layers' activations of one microbatch. */
  activations: number,
  layers: number,
  inFlight: number,
  offloadsCheckpoints: boolean,
  offloaded: number | undefined,
): number {
  if (offloaded !== undefined) return offloaded * inFlight;
  const checkpoints = offloadsCheckpoints && layers > CHECKPOINTS_ON_GPU;
  return checkpoints ? activations * (1 - CHECKPOINTS_ON_GPU / layers) * inFlight : 0;
}

/**
 * GPU ↔ host copy bandwidth per direction for one GPU: its link, or the host memory's bandwidth
 * shared by the GPUs of the host that copy at once, whichever is lower.
 */
export const hostCopyBytesPerSecond = (host: HostSpec): number =>
  Math.min(host.linkBytesPerSecondPerDirection, host.memoryBytesPerSecond / host.gpusPerHost);

/**
 * Exposed copy seconds of one microbatch's offloaded activations: each direction overlaps its own
 * pass (device→host behind the forward, host→device behind the backward, each on its own lanes and
 * stream) and shows only where it outlasts that pass (TE: compute is stalled to keep at most L − N
 * layers' activations on the GPU, and a reload must finish before its layer's backward).
 */
export const exposedCopySeconds = (copy: ActivationCopy): number =>
  Math.max(0, copy.copySeconds - copy.forwardSeconds) + Math.max(0, copy.copySeconds - copy.backwardSeconds);

/** One microbatch's activation copies: seconds each way, against its forward and backward pass. */
export interface ActivationCopy {
  readonly copySeconds: number;
  readonly forwardSeconds: number;
  readonly backwardSeconds: number;
}

/** One microbatch's copies of `bytesPerMicrobatch` over the host's copy bandwidth, against its passes. */
export const activationCopy = (
  bytesPerMicrobatch: number,
  host: HostSpec,
  forwardSeconds: number,
  backwardSeconds: number,
): ActivationCopy => ({
  copySeconds: bytesPerMicrobatch / hostCopyBytesPerSecond(host),
  forwardSeconds,
  backwardSeconds,
});
