/** The optimizer step on the host and its copies (data-parallel.ts:offloadSeconds), and offload in the step. */
import { describe, expect, it } from 'vitest';
import { findCluster, findModel } from '../../catalog/catalog.js';
import type { HostSpec } from '../memory/offload.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { DEFAULT_LAYOUT, type ParallelLayout } from '../parallelism/layout.js';
import { type DataParallelInput, offloadSeconds } from './data-parallel.js';
import { calibratedStep } from './stack.js';
import { trainingStepTime } from './step-time.js';

const host: HostSpec = {
  linkBytesPerSecondPerDirection: 63e9,
  gpusPerHost: 8,
  memoryBytesPerSecond: 614.4e9,
  memoryBytes: 2e12,
};
const options = { seqLen: 4096, globalBatchSize: 64, precision: 'bf16', optimizer: 'adamw' } as const;
// 1e9 parameters updated per GPU, AdamW with an FP32 master: 2 × (4 + 8) + 2 + 2 = 28 B per parameter.
const per = { updated: 1e9, stateBytes: 28, gradientWireBytes: 2 };
const input = (mode: 'optimizer' | 'optimizer+params', timing: Partial<DataParallelInput>) =>
  ({
    options: { ...options, offload: { mode, host } },
    microbatches: 4,
    microbatchSeconds: 0.05,
    lastBackwardSeconds: 0.01,
    ...timing,
  }) as DataParallelInput;

describe('offloadSeconds (ZeRO-Offload Sec. 4-5)', () => {
  it('CPU step: bytes per parameter over the host DRAM bandwidth shared by its 8 GPUs', () => {
    const t = offloadSeconds(input('optimizer', {}), per);
    expect(t.optimizerSeconds).toBeCloseTo((1e9 * 28) / (614.4e9 / 8), 12);
  });
  it('optimizer: the gradient copy hides behind the last backward, the weight copy back does not', () => {
    const copy = 2e9 / 63e9; // 2 B per parameter each way over PCIe Gen5 x16
    expect(offloadSeconds(input('optimizer', {}), per).hostTransferSeconds).toBeCloseTo(
      copy - 0.01 + copy,
      12,
    );
    expect(
      offloadSeconds(input('optimizer', { lastBackwardSeconds: 1 }), per).hostTransferSeconds,
    ).toBeCloseTo(copy, 12);
  });
  it('optimizer+params: two weight fetches and a gradient copy per micro-batch, behind its compute', () => {
    const copy = 2e9 / 63e9;
    const perMicrobatch = Math.max(2 * copy, copy);
    expect(offloadSeconds(input('optimizer+params', {}), per).hostTransferSeconds).toBeCloseTo(
      4 * (perMicrobatch - 0.05),
      12,
    );
    expect(offloadSeconds(input('optimizer+params', { microbatchSeconds: 1 }), per).hostTransferSeconds).toBe(
      0,
    );
  });
});

describe('offload in the training step', () => {
  const spec = modelSpecFrom(findModel('llama-3-8b').config, 'llama-3-8b');
  const cluster = findCluster('dgx-h100');
  const layout: ParallelLayout = { ...DEFAULT_LAYOUT, dataParallel: 8, zeroStage: 1 };
  const sum = (b: object) => Object.values(b).reduce((a: number, c: number) => a + c, 0);
  it('adds the CPU step and the host copies; the parts still sum to the step', () => {
    const on = trainingStepTime(spec, cluster, layout, options);
    const off = trainingStepTime(spec, cluster, layout, { ...options, offload: { mode: 'optimizer', host } });
    expect(on.breakdown.hostTransferSeconds).toBe(0);
    expect(off.breakdown.hostTransferSeconds).toBeGreaterThan(0);
    // Host DRAM (77 GB/s per GPU) is far slower than HBM: the step grows.
    expect(off.breakdown.optimizerSeconds).toBeGreaterThan(on.breakdown.optimizerSeconds);
    expect(off.stepSeconds).toBeGreaterThan(on.stepSeconds);
    expect(sum(off.breakdown)).toBeCloseTo(off.stepSeconds, 9);
    // The same work before the optimizer: only the optimizer and the copies differ.
    expect(off.breakdown.gemmSeconds).toBe(on.breakdown.gemmSeconds);
  });
  it("a stack's compute scale leaves the host's time (CPU step, copies) unscaled", () => {
    const off = trainingStepTime(spec, cluster, layout, { ...options, offload: { mode: 'optimizer', host } });
    const k = 1.5;
    const params = {
      stepTimeScale: k,
      attentionScale: 1,
      expertScale: 1,
      localExpertOverheadSeconds: 0,
      layerOverheadSeconds: 0,
      zero3LayerOverheadSeconds: 0,
    };
    const hostSeconds = off.breakdown.optimizerSeconds + off.breakdown.hostTransferSeconds;
    const calibrated = calibratedStep(off, params);
    expect(calibrated.stepSeconds).toBeCloseTo(k * (off.stepSeconds - hostSeconds) + hostSeconds, 9);
    expect(calibrated.breakdown.optimizerSeconds).toBe(off.breakdown.optimizerSeconds);
    expect(sum(calibrated.breakdown)).toBeCloseTo(calibrated.stepSeconds, 9);
  });
});
