import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { findModel } from '../../catalog/catalog.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { DEFAULT_LAYOUT, type ParallelLayout } from '../parallelism/layout.js';
import { type HostSpec, hostBytesPerHost, hostMemory, OFFLOAD_MODES, offloadStates } from './offload.js';
import { type MemoryBreakdown, trainingMemory } from './training-memory.js';

const states = { weights: 10, gradients: 20, optimizerStates: 60 };
const dgxH100: HostSpec = {
  linkBytesPerSecondPerDirection: 63e9,
  gpusPerHost: 8,
  memoryBytesPerSecond: 614.4e9,
  memoryBytes: 2e12,
};

describe('offloadStates (ZeRO-Offload, ZeRO-Infinity, FSDP CPUOffload)', () => {
  it('none keeps every state on the GPU', () => {
    expect(offloadStates(states, 'none')).toEqual({ gpu: states, hostBytes: 0 });
  });
  it('optimizer moves the master weights and moments; weights and gradients stay', () => {
    expect(offloadStates(states, 'optimizer')).toEqual({
      gpu: { weights: 10, gradients: 20, optimizerStates: 0 },
      hostBytes: 60,
    });
  });
  it('optimizer+params moves weights, gradients and optimizer states', () => {
    expect(offloadStates(states, 'optimizer+params')).toEqual({
      gpu: { weights: 0, gradients: 0, optimizerStates: 0 },
      hostBytes: 90,
    });
  });
});

describe('host memory', () => {
  it('a host holds its GPUs times the most loaded stage, against its capacity', () => {
    expect(hostBytesPerHost(100e9, dgxH100)).toBe(800e9);
    const m = hostMemory([{ offloadedBytes: 100e9 }, { offloadedBytes: 300e9 }], dgxH100);
    expect(m).toEqual({ bytesPerGpu: 300e9, bytesPerHost: 2.4e12, capacityBytes: 2e12, fits: false });
    expect(hostMemory([{ offloadedBytes: 0 }], dgxH100).fits).toBe(true);
  });
});

describe('training memory with offload', () => {
  const dense = modelSpecFrom(findModel('llama-3-8b').config, 'llama-3-8b');
  const options = { seqLen: 4096, globalBatchSize: 64, precision: 'bf16', optimizer: 'adamw' } as const;
  const sum = (b: MemoryBreakdown) => Object.values(b).reduce((a, c) => a + c, 0);

  it('optimizer offload takes the sharded optimizer states (16Ψ → 4Ψ on the GPU at ZeRO-0)', () => {
    const layout: ParallelLayout = { ...DEFAULT_LAYOUT, dataParallel: 8, zeroStage: 1 };
    const on = trainingMemory(dense, layout, options).peak;
    const off = trainingMemory(dense, layout, { ...options, offload: { mode: 'optimizer' } }).peak;
    expect(off.offloadedBytes).toBeCloseTo(on.modelStates.optimizerStates, 0);
    expect(off.modelStates.optimizerStates).toBe(0);
    expect(off.breakdown.optimizerStates).toBe(0);
    // The allocator reserve is a fraction of what is allocated: the drop is at least the states.
    expect(on.totalBytes - off.totalBytes).toBeGreaterThanOrEqual(on.modelStates.optimizerStates - 1);
  });

  test.prop([
    fc.constantFrom(...OFFLOAD_MODES),
    fc.constantFrom(1, 2, 4, 8),
    fc.constantFrom(1, 2, 4),
    fc.constantFrom(1, 2, 4),
    fc.constantFrom(0, 1, 2, 3),
    fc.constantFrom('none', 'selective', 'full'),
  ])(
    'offload never raises GPU memory, the breakdown sums to the total, and every state is on the GPU or the host',
    (mode, dp, tp, pp, zero, recompute) => {
      const layout: ParallelLayout = {
        ...DEFAULT_LAYOUT,
        dataParallel: dp,
        tensorParallel: tp,
        pipelineParallel: pp,
        zeroStage: zero as ParallelLayout['zeroStage'],
        recompute: recompute as ParallelLayout['recompute'],
      };
      const base = trainingMemory(dense, layout, options);
      const off = trainingMemory(dense, layout, { ...options, offload: { mode } });
      for (const [i, stage] of off.stages.entries()) {
        const before = base.stages[i]!;
        expect(stage.totalBytes).toBeLessThanOrEqual(before.totalBytes + 1e-6);
        expect(sum(stage.breakdown)).toBeCloseTo(stage.totalBytes, 0);
        const { weights, gradients, optimizerStates } = stage.modelStates;
        const b = before.modelStates;
        expect(weights + gradients + optimizerStates + stage.offloadedBytes).toBeCloseTo(
          b.weights + b.gradients + b.optimizerStates,
          0,
        );
      }
    },
  );
});
