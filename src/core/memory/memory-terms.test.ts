/** The "does not fit" advice names only the cuts the run's stack and layout allow. */
import { describe, expect, it } from 'vitest';
import { findModel } from '../../catalog/catalog.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { DEFAULT_LAYOUT } from '../parallelism/layout.js';
import { largestMemoryTerm, type MemoryCutContext } from './memory-terms.js';
import { trainingMemory } from './training-memory.js';

const model = findModel('llama-3-8b');
const spec = modelSpecFrom(model.config, model.name);
const OPTIONS = { seqLen: 2048, globalBatchSize: 2, precision: 'bf16', optimizer: 'adamw' } as const;
// Adam's FP32 master weights and moments on one GPU, unsharded: the optimizer states are the largest term.
const stage = (zeroStage: 0 | 1) =>
  trainingMemory(spec, { ...DEFAULT_LAYOUT, dataParallel: 2, zeroStage }, OPTIONS).peak;

const megatron: MemoryCutContext = {
  zeroStage: 0,
  zeroStages: [0, 1, 3],
  parallelisms: ['tensor', 'pipeline'],
  splitsSequence: true,
  offloadsOptimizer: true,
};

describe('largestMemoryTerm', () => {
  it('offers ZeRO-1 where the stack runs it and the run does not, offload where the stack does', () => {
    const largest = largestMemoryTerm(stage(0), megatron);
    expect(largest.term).toBe('optimizerStates');
    expect(largest.cut).toBe(
      'ZeRO-1 (distributed optimizer) over more data-parallel ranks, smaller optimizer states (adamw-bf16-moments or adam-8bit) or offloading them to host memory',
    );
  });
  it('a run already sharded is told to add ranks, not to turn on what it runs', () => {
    expect(largestMemoryTerm(stage(1), { ...megatron, zeroStage: 1 }).cut).toMatch(
      /^more data-parallel ranks \(the run's ZeRO-1 shards over them\), /,
    );
  });
  it('a single-GPU stack (ZeRO 0 only, no offload, no model parallelism) is offered only what it can do', () => {
    const unsloth = {
      zeroStage: 0,
      zeroStages: [0],
      parallelisms: [],
      splitsSequence: false,
      offloadsOptimizer: false,
    };
    expect(largestMemoryTerm(stage(0), unsloth).cut).toBe(
      'smaller optimizer states (adamw-bf16-moments or adam-8bit)',
    );
    const weights = largestMemoryTerm(
      { ...stage(0), modelStates: { ...stage(0).modelStates, weights: 1e12 } },
      unsloth,
    );
    expect([weights.term, weights.cut]).toEqual([
      'weights',
      'another stack (this one runs none of the cuts)',
    ]);
  });
  it("names the lowest ZeRO stage the stack runs: FSDP's ZeRO-2 where it has no ZeRO-1", () => {
    expect(largestMemoryTerm(stage(0), { ...megatron, zeroStages: [0, 2, 3] }).cut).toMatch(
      /^ZeRO-2 \(gradients sharded/,
    );
  });
  it('without a stack, every cut', () => {
    expect(largestMemoryTerm(stage(0)).cut).toMatch(
      /^ZeRO-1 .*, smaller optimizer states .* or offloading them/,
    );
  });
});
