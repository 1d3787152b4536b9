/**
 * Pure BF16 training (`bf16-pure`: torchtune's dtype bf16, Lightning's bf16-true): BF16 weights and
 * gradients, no FP32 master, optimizer states in the parameters' dtype. Model-state bytes per parameter
 * against mixed precision (ZeRO Sec. 3.1's 2 + 2 + 12), and the step's compute unchanged.
 */
import { describe, expect, it } from 'vitest';
import { findCluster, findModel } from '../../catalog/catalog.js';
import { findStack } from '../../catalog/stacks.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { DEFAULT_LAYOUT, type ParallelLayout } from '../parallelism/layout.js';
import { trainingStepTime } from '../training/step-time.js';
import { optimizerStateBytes, trainingMemory } from './training-memory.js';
import type { TrainingMemoryOptions } from './training-memory-types.js';

const spec = modelSpecFrom(findModel('llama-3.1-8b').config, 'llama-3.1-8b');
const layout: ParallelLayout = { ...DEFAULT_LAYOUT, microBatchSize: 1, recompute: 'full' };
const options = (precision: 'bf16' | 'bf16-pure', extra: Partial<TrainingMemoryOptions> = {}) =>
  ({ seqLen: 2048, globalBatchSize: 1, precision, optimizer: 'adamw', ...extra }) as TrainingMemoryOptions;
const states = (precision: 'bf16' | 'bf16-pure', l = layout, extra: Partial<TrainingMemoryOptions> = {}) =>
  trainingMemory(spec, l, options(precision, extra)).stages[0]!.breakdown;

describe('pure BF16 training', () => {
  it('optimizer states follow the parameters: AdamW 4 B, 8-bit Adam 2 B and Adafactor 0 as they are; mixed precision keeps 8 B', () => {
    expect(optimizerStateBytes('adamw', 'bf16-pure')).toBe(4);
    expect(optimizerStateBytes('adamw', 'bf16')).toBe(8);
    expect(optimizerStateBytes('adam-8bit', 'bf16-pure')).toBe(2);
    expect(optimizerStateBytes('adafactor', 'bf16-pure')).toBe(0);
    expect(optimizerStateBytes('muon', 'bf16-pure')).toBe(2);
  });

  it('model states per parameter: 2 + 2 + 4 = 8 bytes against mixed precision’s 2 + 2 + 12 = 16 (one GPU, AdamW)', () => {
    const pure = states('bf16-pure');
    const mixed = states('bf16');
    expect(pure.weights).toBe(mixed.weights);
    expect(pure.gradients).toBe(mixed.gradients);
    expect(pure.optimizerStates / pure.weights).toBeCloseTo(2, 6);
    expect(mixed.optimizerStates / mixed.weights).toBeCloseTo(6, 6);
  });

  it('under an FSDP stack the sharded parameter is the BF16 one: half the FP32 shard FSDP keeps in mixed precision', () => {
    const fsdp: ParallelLayout = { ...layout, dataParallel: 8, zeroStage: 3 };
    const stack = findStack('torchtitan');
    const pure = states('bf16-pure', fsdp, { stack });
    const mixed = states('bf16', fsdp, { stack });
    expect(pure.weights / mixed.weights).toBeCloseTo(0.5, 6);
    expect(pure.optimizerStates / mixed.optimizerStates).toBeCloseTo(0.5, 6);
  });

  it('the step computes the same (BF16 GEMMs) and its optimizer moves fewer bytes', () => {
    const cluster = findCluster('dgx-h100');
    const step = (precision: 'bf16' | 'bf16-pure') =>
      trainingStepTime(spec, cluster, layout, {
        seqLen: 2048,
        globalBatchSize: 1,
        precision,
        optimizer: 'adamw',
      });
    const pure = step('bf16-pure');
    const mixed = step('bf16');
    expect(pure.breakdown.gemmSeconds).toBe(mixed.breakdown.gemmSeconds);
    expect(pure.breakdown.optimizerSeconds).toBeLessThan(mixed.breakdown.optimizerSeconds);
  });
});
