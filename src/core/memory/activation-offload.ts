/**
 * Activation offload to host memory, as Megatron-Core's `--cpu-offloading --cpu-offloading-num-layers
 * N` runs it through Transformer Engine's `get_cpu_offload_context` (TE docs, "CPU Offloading",
 * default scheduling): the first N layers' saved activations are copied to host memory as the forward
 * pass makes them and copied back before their backward pass needs them, so the GPU holds at most
 * L − N layers' activations at a time; nothing is recomputed. Also the checkpoints an offloading
 * stack (Unsloth) keeps in host memory under full recomputation.
 */
import type { HostSpec } from './offload.js';
import { CHECKPOINTS_ON_GPU } from './training-recipes.js';

/** `--offload-activations N`: the layers whose activations live in host memory, and that host. */
export interface ActivationOffloadOptions {
  readonly layers: number;
  readonly host: HostSpec;
}

/**
 * The bytes of a stage's activations held in host memory, all its microbatches in flight together:
 * N of its `layers` layers' share under activation offload (TE: "at most (model_layers − num_layers)
 * sets of activations are on GPU at any time"), or all but {@link CHECKPOINTS_ON_GPU} checkpoints
 * where the stack offloads them under full recomputation (`offloadsCheckpoints`: StackMemory's).
 */
export function hostActivationBytes(
  /** The stage's layers' activations of one microbatch. */
  activations: number,
  layers: number,
  inFlight: number,
  offloadsCheckpoints: boolean,
  offload: { readonly layers: number } | undefined,
): number {
  if (offload && layers > 0) return activations * Math.min(1, offload.layers / layers) * inFlight;
  const offloaded = offloadsCheckpoints && layers > CHECKPOINTS_ON_GPU;
  return offloaded ? activations * (1 - CHECKPOINTS_ON_GPU / layers) * inFlight : 0;
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
export function activationCopySeconds(
  bytesPerMicrobatch: number,
  host: HostSpec,
  forwardSeconds: number,
  backwardSeconds: number,
): number {
  const copy = bytesPerMicrobatch / hostCopyBytesPerSecond(host);
  return Math.max(0, copy - forwardSeconds) + Math.max(0, copy - backwardSeconds);
}
