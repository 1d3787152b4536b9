/**
 * The KV pool of a replica (engine.ts kvCapacity): a hybrid's running sequences also hold the
 * constant recurrent state of their linear-attention layers, so the pool holds fewer tokens than
 * its KV bytes alone would allow, and the per-token figure is KV + state spread over the context.
 * A step's wall time (stepWallSeconds): host time adds, or hides behind the GPU step; the MoE term
 * (stepOverheads) is GPU time and always adds.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../test/hf-fixtures.js';
import { resolveHardware } from '../../catalog/training-defaults.js';
import { specFromHfConfig } from '../model/hf-config.js';
import { kvCacheBytes, recurrentStateBytes } from '../model/kv-cache.js';
import { GENERIC_ENGINE, kvCapacity, stepOverheads, stepWallSeconds } from './engine.js';

const b200 = resolveHardware('b200', undefined).cluster;
const replica = { tensorParallel: 1, expertParallel: 1, weightFormat: 'fp8', kvFormat: 'bf16' } as const;

describe('KV pool of a hybrid (Qwen3.5-35B-A3B: 30 Gated DeltaNet + 10 full layers)', () => {
  it('bytes per token = (KV + recurrent state) of one sequence over the typical context', () => {
    const spec = specFromHfConfig(hfFixture('qwen3.5-35b-a3b'), 'q');
    const context = 8192;
    const pool = kvCapacity(spec, b200, replica, GENERIC_ENGINE, context);
    const perSequence =
      kvCacheBytes(spec, context, 'bf16').bytesPerSequence + recurrentStateBytes(spec).bytesPerSequence;
    expect(pool.bytesPerTokenPerGpu).toBeCloseTo(perSequence / context, 6);
    // The state is 28% of what each 8K-token sequence holds: the pool holds that many fewer tokens.
    expect(recurrentStateBytes(spec).bytesPerSequence / perSequence).toBeCloseTo(0.277, 3);
    expect(pool.tokens * pool.bytesPerTokenPerGpu).toBeLessThanOrEqual(pool.kvBudgetBytesPerGpu);
  });
});

describe('step wall time', () => {
  const serial = (hostSeconds: number, gpuSeconds = 0) => ({
    hostSeconds,
    gpuSeconds,
    hostOverlapsGpu: false,
  });
  const overlapped = (hostSeconds: number, gpuSeconds = 0) => ({
    hostSeconds,
    gpuSeconds,
    hostOverlapsGpu: true,
  });
  it('adds host time to the GPU step, or takes the longer of the two where the host overlaps', () => {
    expect(stepWallSeconds(0.018, serial(0.008))).toBeCloseTo(0.026, 12);
    expect(stepWallSeconds(0.018, overlapped(0.008))).toBe(0.018);
    // A host-bound step (many sequences, little GPU work) runs at the host's pace.
    expect(stepWallSeconds(0.01, overlapped(0.03))).toBe(0.03);
  });

  it('the MoE term is GPU time: it adds to the kernels even where the host overlaps', () => {
    expect(stepWallSeconds(0.018, overlapped(0.02, 0.004))).toBeCloseTo(0.022, 12);
    expect(stepWallSeconds(0.018, overlapped(0.008, 0.004))).toBeCloseTo(0.022, 12);
  });

  it('an overlapping engine hides its host time on a replica without a pipeline only; none without an engine', () => {
    const engine = { ...GENERIC_ENGINE, stepOverheadSeconds: 0.004, hostOverlapsGpu: true };
    expect(stepOverheads(engine, 64, 1, 0, 1).hostOverlapsGpu).toBe(true);
    // SGLang turns its overlap schedule off at pp_size > 1; TensorRT-LLM runs its PP loop, vLLM's 2 async batches fill 2 stages.
    const piped = stepOverheads(engine, 64, 1, 0, 2);
    expect(piped.hostOverlapsGpu).toBe(false);
    expect(stepWallSeconds(0.02, piped)).toBeCloseTo(0.02 + piped.hostSeconds, 12);
    expect(stepOverheads({ ...engine, hostOverlapsGpu: false }, 64, 1, 0, 1).hostOverlapsGpu).toBe(false);
  });
});

describe('per-step terms (stepOverheads)', () => {
  const engine = {
    ...GENERIC_ENGINE,
    stepOverheadSeconds: 0.002,
    sequenceOverheadSeconds: 4e-6,
    moeSequenceLayerSeconds: 1e-6,
  };
  it('host: fixed + per sequence; GPU: per sequence per MoE layer; both split over attention-DP ranks', () => {
    expect(stepOverheads(engine, 100, 1, 0)).toEqual({
      hostSeconds: 0.002 + 4e-4,
      gpuSeconds: 0,
      hostOverlapsGpu: false,
    });
    const moe = stepOverheads(engine, 100, 1, 48);
    expect(moe.gpuSeconds).toBeCloseTo(100 * 48 * 1e-6, 15);
    const dp = stepOverheads(engine, 100, 4, 48);
    expect(dp.gpuSeconds).toBeCloseTo(moe.gpuSeconds / 4, 15);
    expect(dp.hostSeconds).toBeCloseTo(0.002 + 1e-4, 15);
  });
  it('no engine: no terms', () => {
    expect(stepOverheads(undefined, 100, 1, 48)).toEqual({
      hostSeconds: 0,
      gpuSeconds: 0,
      hostOverlapsGpu: false,
    });
  });
});
