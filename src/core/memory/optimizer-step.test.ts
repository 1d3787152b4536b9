/**
 * The optimizer step's own memory (training-recipes.ts optimizerStepBytes, peak-phase.ts): torch's
 * foreach AdamW copies the second moments, DeepSpeed's ZeRO optimizer flattens the gradient
 * partition to FP32 (a sub-group at a time under ZeRO-3), fused kernels allocate nothing; the step
 * holds no activation, and the larger phase is the peak.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { qwen7bV1 } from '../../../test/fixtures.js';
import { methodAdapter } from '../adaptation/finetune.js';
import { paramCount } from '../model/param-count.js';
import { DEFAULT_LAYOUT, type ParallelLayout } from '../parallelism/layout.js';
import { largestMemoryTerm } from './memory-terms.js';
import { peakPhase } from './peak-phase.js';
import { type MemoryBreakdown, trainingMemory } from './training-memory.js';
import { type OptimizerStepMemory, optimizerStepBytes, type StackMemory } from './training-recipes.js';

const shard = { elements: 3e9, secondMomentBytes: 12e9 };
const flat: OptimizerStepMemory = { kind: 'flat-fp32-gradient', subGroupNumel: 1e9 };
const stackWith = (optimizerStep: OptimizerStepMemory): { memory: StackMemory } => ({
  memory: {
    logitsBytesPerElement: 6,
    unfusedElementwise: false,
    fp8ActivationCache: false,
    allocatorReserveFraction: 0,
    frameworkOverheadBytes: 0,
    optimizerStep,
  },
});
const sum = (b: MemoryBreakdown): number => Object.values(b).reduce((a: number, x: number) => a + x, 0);

describe('optimizer step memory', () => {
  it('foreach: the second moments once; flat FP32 gradient: (gradient + 4) B per element, a sub-group under ZeRO-3; fused: none', () => {
    expect(optimizerStepBytes({ kind: 'foreach' }, shard, 2, 0)).toBe(12e9);
    expect(optimizerStepBytes({ kind: 'in-place' }, shard, 2, 3)).toBe(0);
    expect(optimizerStepBytes(undefined, shard, 2, 3)).toBe(0);
    expect(optimizerStepBytes(flat, shard, 2, 1)).toBe(6 * 3e9);
    expect(optimizerStepBytes(flat, shard, 2, 2)).toBe(6 * 3e9);
    expect(optimizerStepBytes(flat, shard, 2, 3)).toBe(6 * 1e9);
    expect(optimizerStepBytes(flat, { ...shard, elements: 5e8 }, 2, 3)).toBe(6 * 5e8);
    expect(optimizerStepBytes(flat, shard, 2, 0)).toBe(0);
  });

  it('full training on one GPU: DeepSpeed ZeRO-3 peaks at the step with 6 B × its 1e9-element sub-group; torch foreach with 4 B per parameter', () => {
    const layout: ParallelLayout = { ...DEFAULT_LAYOUT, zeroStage: 3, recompute: 'full' };
    const options = {
      seqLen: 256,
      globalBatchSize: 8,
      precision: 'bf16' as const,
      optimizer: 'adamw' as const,
    };
    const params = paramCount(qwen7bV1).totalParams;
    const inPlace = trainingMemory(qwen7bV1, layout, {
      ...options,
      stack: stackWith({ kind: 'in-place' }),
    }).peak;
    const deepspeed = trainingMemory(qwen7bV1, layout, { ...options, stack: stackWith(flat) }).peak;
    const foreach = trainingMemory(qwen7bV1, layout, {
      ...options,
      stack: stackWith({ kind: 'foreach' }),
    }).peak;
    expect(inPlace.peakPhase).toBe('forward-backward');
    expect(deepspeed.peakPhase).toBe('optimizer-step');
    expect(deepspeed.breakdown.buffers).toBe(6e9);
    expect(deepspeed.breakdown.activations).toBe(0);
    expect(deepspeed.breakdown.logits).toBe(0);
    expect(foreach.breakdown.buffers).toBeCloseTo(4 * params, -3);
    for (const p of [inPlace, deepspeed, foreach]) expect(sum(p.breakdown)).toBeCloseTo(p.totalBytes, -3);
    // The step's peak replaces the pass's when larger; it never lowers it.
    expect(deepspeed.totalBytes).toBeGreaterThan(inPlace.totalBytes);
    // "Does not fit" advice at a step peak: activations are not live, the step's temporaries are a term.
    const tiny = trainingMemory(qwen7bV1, layout, { ...options, stack: stackWith({ kind: 'foreach' }) }).peak;
    expect(largestMemoryTerm(tiny).term).toBe('optimizerStates');
    const withoutStates = { ...tiny, modelStates: { weights: 0, gradients: 0, optimizerStates: 0 } };
    expect(largestMemoryTerm(withoutStates)).toMatchObject({
      term: 'optimizerStep',
      bytes: tiny.breakdown.buffers,
    });
  });

  it('LoRA with trained tables under torch foreach AdamW: the moments of the FP32 adapters (4 B) and of the BF16 copies (2 B)', () => {
    const adapter = methodAdapter(qwen7bV1, {
      method: 'lora',
      rank: 64,
      targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'],
      trainEmbeddings: true,
    })!;
    const stack = stackWith({ kind: 'foreach' });
    const peft = { memory: { ...stack.memory, peft: { fp32Adapters: true } } };
    const step = trainingMemory(
      qwen7bV1,
      { ...DEFAULT_LAYOUT, zeroStage: 0, recompute: 'full' },
      { seqLen: 256, globalBatchSize: 8, precision: 'bf16', optimizer: 'adamw', adapter, stack: peft },
    ).peak;
    const copies = adapter.trainableEmbeddingParams + qwen7bV1.hiddenSize;
    expect(step.peakPhase).toBe('optimizer-step');
    expect(step.breakdown.buffers).toBeCloseTo(4 * adapter.trainableParams + 2 * copies, -3);
  });

  it('property: the phases sum to the total, the peak is the larger phase, and no step bytes leave the pass as it was', () => {
    const bytes = fc.double({ min: 0, max: 1e11, noNaN: true });
    fc.assert(
      fc.property(
        fc.record({
          weights: bytes,
          gradients: bytes,
          optimizerStates: bytes,
          activations: bytes,
          buffers: bytes,
          stepBytes: bytes,
          cachedBytes: bytes,
          reserveFraction: fc.double({ min: 0, max: 0.5, noNaN: true }),
          overhead: bytes,
          paged: fc.boolean(),
        }),
        (r) => {
          const terms = {
            modelStates: { weights: r.weights, gradients: r.gradients, optimizerStates: r.optimizerStates },
            adapterWeights: r.weights / 2,
            activations: r.activations,
            buffers: r.buffers,
            logits: r.buffers / 3,
            cachedBytes: r.cachedBytes,
            reserveFraction: r.reserveFraction,
            overhead: r.overhead,
            pagedOptimizer: r.paged,
          };
          const withStep = peakPhase({ ...terms, stepBytes: r.stepBytes });
          const without = peakPhase({ ...terms, stepBytes: 0 });
          const tolerance = 1e-9 * Math.max(1, withStep.totalBytes);
          expect(Math.abs(sum(withStep.breakdown) - withStep.totalBytes)).toBeLessThanOrEqual(tolerance);
          expect(withStep.totalBytes).toBeGreaterThanOrEqual(without.totalBytes);
          if (!r.paged) expect(without.phase).toBe('forward-backward');
        },
      ),
    );
  });
});
