/**
 * What a serving engine holds on each GPU beside the weights and the KV cache, as its startup profile
 * measures it (vLLM V1: the torch activation peak of a forward at the token budget and of a sampler run
 * over `max_num_seqs` rows, plus non-torch memory), turned into the inference-memory model's options.
 */
import type { InferenceMemoryOptions } from '../memory/inference-memory.js';
import type { EngineProfile } from './engine.js';

export interface HeldMemory {
  /** FP32 copies of the [sequences × vocabulary] logits the sampler holds (logits, probabilities). */
  readonly logitsCopies: number;
  /** Every TP rank holds the whole vocabulary's logits (gathered before sampling). */
  readonly logitsOnEveryRank: boolean;
  /** The sampler's logits peak after the forward's activations are freed (the larger of the two is held). */
  readonly logitsAfterForward: boolean;
  /** Non-torch memory (CUDA/cuBLAS workspaces, allocator) on a one-GPU replica, bytes. */
  readonly runtimeBytes: number;
  /** The same on a tensor-parallel replica (communicator and custom all-reduce buffers added), bytes. */
  readonly tensorParallelRuntimeBytes: number;
}

/** Inference-memory options for what `engine` holds beside weights and KV on a replica of `tensorParallel` GPUs. */
export function heldMemoryOptions(
  engine: Pick<EngineProfile, 'heldMemory'>,
  tensorParallel: number,
): Pick<InferenceMemoryOptions, 'logits' | 'frameworkOverheadBytes'> {
  const h = engine.heldMemory;
  if (!h) return {};
  return {
    logits: { copies: h.logitsCopies, onEveryRank: h.logitsOnEveryRank, afterForward: h.logitsAfterForward },
    frameworkOverheadBytes: tensorParallel > 1 ? h.tensorParallelRuntimeBytes : h.runtimeBytes,
  };
}
