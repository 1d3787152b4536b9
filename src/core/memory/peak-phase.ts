/**
 * Which phase of a training step peaks: the forward/backward pass (activations, the loss and the
 * transient buffers live; a paged optimizer's states in host memory) or the optimizer step (the
 * states and what the step allocates beside them: training-recipes.ts optimizerStepBytes). Split out
 * of training-memory.ts.
 */
import type { ModelStateBytes } from './model-states.js';
import type { MemoryBreakdown } from './training-memory-types.js';

export interface PhaseTerms {
  readonly modelStates: ModelStateBytes;
  /** Of the weights: the trainable bytes beside a frozen base. */
  readonly adapterWeights: number;
  readonly activations: number;
  /** The forward/backward pass's transient buffers, the loss's `logits` among them. */
  readonly buffers: number;
  readonly logits: number;
  /** Freed blocks the caching allocator still holds at the forward/backward peak (the loss's). */
  readonly cachedBytes: number;
  /** Its reserve as a fraction of the allocated bytes (StackMemory.allocatorReserveFraction). */
  readonly reserveFraction: number;
  readonly overhead: number;
  /** Optimizer states paged to CPU memory outside the step (QLoRA's paged AdamW). */
  readonly pagedOptimizer: boolean;
  /** Bytes the optimizer step allocates beside the states. */
  readonly stepBytes: number;
}

export interface PeakPhase {
  readonly phase: 'forward-backward' | 'optimizer-step';
  readonly totalBytes: number;
  /** The peak phase's terms; they sum to `totalBytes`. */
  readonly breakdown: MemoryBreakdown;
  readonly pagedOutBytes: number;
}

/** The larger of the two phases (forward/backward on a tie) and its terms. */
export function peakPhase(t: PhaseTerms): PeakPhase {
  const { weights, gradients, optimizerStates } = t.modelStates;
  const states = weights + gradients + optimizerStates;
  const pagedOut = t.pagedOptimizer ? optimizerStates : 0;
  // The caching allocator reserves more than it hands out (the stack's fraction) and keeps freed blocks.
  const passReserve = (states + t.activations + t.buffers) * t.reserveFraction + t.cachedBytes;
  const pass = states - pagedOut + t.activations + t.buffers + passReserve + t.overhead;
  // The step holds no activation; a paged optimizer's bitsandbytes step pages its states back in.
  const stepAllocated = states + t.stepBytes;
  const stepReserve = t.pagedOptimizer ? 0 : stepAllocated * t.reserveFraction;
  const step = stepAllocated + stepReserve + t.overhead;
  const atStep = step > pass;
  return {
    phase: atStep ? 'optimizer-step' : 'forward-backward',
    totalBytes: atStep ? step : pass,
    breakdown: {
      weights: weights - t.adapterWeights,
      adapters: t.adapterWeights,
      gradients,
      optimizerStates: atStep ? optimizerStates : optimizerStates - pagedOut,
      activations: atStep ? 0 : t.activations,
      logits: atStep ? 0 : t.logits,
      buffers: atStep ? t.stepBytes : t.buffers - t.logits,
      allocatorReserve: atStep ? stepReserve : passReserve,
      frameworkOverhead: t.overhead,
    },
    pagedOutBytes: atStep ? 0 : pagedOut,
  };
}
