/** Activation offload (Megatron-Core cpu_offloading through Transformer Engine): memory, copies, plan checks. */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { findCluster, findModel } from '../../catalog/catalog.js';
import { hostFor } from '../../catalog/hosts.js';
import { findStack } from '../../catalog/stacks.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { DEFAULT_LAYOUT, type ParallelLayout } from '../parallelism/layout.js';
import { calibratedRatio, calibratedStep } from '../training/calibrated-step.js';
import { activationOffloadIssues } from '../training/offload-issues.js';
import { layerCosts, stepTimeFromLayerCosts, trainingStepTime } from '../training/step-time.js';
import {
  activationCopy,
  exposedCopySeconds,
  firstLayersActivationBytes,
  hostActivationBytes,
  hostCopyBytesPerSecond,
} from './activation-offload.js';
import type { HostSpec } from './offload.js';
import { type MemoryBreakdown, trainingMemory } from './training-memory.js';

const grace: HostSpec = {
  linkBytesPerSecondPerDirection: 450e9,
  gpusPerHost: 2,
  memoryBytesPerSecond: 511e9,
  memoryBytes: 480e9,
};

describe('hostActivationBytes and firstLayersActivationBytes', () => {
  it("the offloaded layers' bytes times the microbatches in flight (TE: at most L − N layer sets on the GPU)", () => {
    expect(hostActivationBytes(80e9, 80, 1, false, 20e9)).toBe(20e9);
    expect(hostActivationBytes(80e9, 80, 3, false, 20e9)).toBe(60e9);
  });
  it('the first N layers as their kinds hold them: DeepSeek-V3 offloads its three dense layers first', () => {
    const v3 = modelSpecFrom(findModel('deepseek-v3').config, 'deepseek-v3');
    const per = { dense: 3, moe: 5 };
    expect(firstLayersActivationBytes(v3, undefined, null, per)).toBeUndefined();
    expect(firstLayersActivationBytes(v3, { layers: 3 }, null, per)).toBe(9);
    expect(firstLayersActivationBytes(v3, { layers: 10 }, null, per)).toBe(9 + 7 * 5);
    // A hybrid (per-kind) model: each layer's own kind, in order; never past the last layer.
    const nano = modelSpecFrom(findModel('nemotron-3-nano-30b-a3b').config, 'nemotron-3-nano-30b-a3b');
    const kinds = Array.from({ length: 8 }, (_, k) => 10 ** k);
    const all = firstLayersActivationBytes(nano, { layers: 1e6 }, kinds, per)!;
    expect(firstLayersActivationBytes(nano, { layers: nano.numLayers }, kinds, per)).toBe(all);
    const four = firstLayersActivationBytes(nano, { layers: 4 }, kinds, per)!;
    expect(four).toBeGreaterThan(0);
    expect(four).toBeLessThan(all);
  });
  it("an offloading stack's checkpoints under full recomputation keep two on the GPU; without either, none leave", () => {
    expect(hostActivationBytes(10e9, 10, 1, true, undefined)).toBeCloseTo(8e9, 0);
    expect(hostActivationBytes(10e9, 10, 1, false, undefined)).toBe(0);
  });
});

const copySeconds = (bytes: number, host: HostSpec, forward: number, backward: number) =>
  exposedCopySeconds(activationCopy(bytes, host, forward, backward));

describe('activation copies', () => {
  it('copies run at the link or the host memory shared by its GPUs, whichever is lower', () => {
    expect(hostCopyBytesPerSecond(grace)).toBeCloseTo(255.5e9, 0);
    expect(hostCopyBytesPerSecond({ ...grace, linkBytesPerSecondPerDirection: 63e9 })).toBe(63e9);
  });
  it('each direction hides behind its own pass and shows only the excess', () => {
    const copy = 100e9 / 255.5e9;
    expect(copySeconds(100e9, grace, 1, 2)).toBe(0);
    expect(copySeconds(100e9, grace, 0.1, 0.2)).toBeCloseTo(copy - 0.1 + (copy - 0.2), 12);
  });
  test.prop([fc.double({ min: 0, max: 1e12, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true })])(
    'never negative, and never more than both copies',
    (bytes, seconds) => {
      const t = copySeconds(bytes, grace, seconds, 2 * seconds);
      expect(t).toBeGreaterThanOrEqual(0);
      expect(t).toBeLessThanOrEqual((2 * bytes) / hostCopyBytesPerSecond(grace) + 1e-12);
    },
  );
});

const spec = modelSpecFrom(findModel('llama-3.1-70b').config, 'llama-3.1-70b');
const layout: ParallelLayout = {
  ...DEFAULT_LAYOUT,
  tensorParallel: 1,
  pipelineParallel: 1,
  dataParallel: 64,
  microBatchSize: 2,
  recompute: 'none',
  zeroStage: 3,
};
const options = { seqLen: 8192, globalBatchSize: 256, precision: 'fp8', optimizer: 'adamw' } as const;
const sum = (b: MemoryBreakdown) => Object.values(b).reduce((a, x) => a + x, 0);

describe('training memory and step time with --offload-activations', () => {
  const none = trainingMemory(spec, layout, options).peak;
  it("the GPU keeps L − N layers' activations; the rest is offloaded, and the breakdown still sums", () => {
    for (const layers of [1, 20, 40, 79]) {
      const off = trainingMemory(spec, layout, { ...options, activationOffload: { layers } }).peak;
      expect(off.hostActivationBytes).toBeGreaterThan(0);
      expect(off.offloadedBytes).toBe(off.hostActivationBytes);
      expect(none.activations - off.activations).toBeCloseTo(off.hostActivationBytes, -3);
      expect(off.totalBytes).toBeCloseTo(none.totalBytes - off.hostActivationBytes, -3);
      expect(sum(off.breakdown)).toBeCloseTo(off.totalBytes, -3);
    }
  });
  it('more offloaded layers never raise GPU memory', () => {
    const at = (layers: number) =>
      trainingMemory(spec, layout, { ...options, activationOffload: { layers } }).peak.totalBytes;
    for (let n = 1; n < 79; n += 13) expect(at(n + 13)).toBeLessThanOrEqual(at(n));
  });
  it('over NVLink-C2C the copies hide behind the passes; over a slow link the excess shows in the step', () => {
    const cluster = findCluster('gb300-nvl72');
    const bytes = trainingMemory(spec, layout, { ...options, activationOffload: { layers: 20 } }).peak
      .hostActivationBytes;
    const costs = layerCosts(spec, cluster, layout, options);
    const at = (host: HostSpec) =>
      stepTimeFromLayerCosts(
        spec,
        cluster,
        layout,
        { ...options, activationOffload: { layers: 20, host } },
        costs,
        bytes,
      );
    const base = stepTimeFromLayerCosts(spec, cluster, layout, options, costs);
    expect(at(hostFor('gb300')!).stepSeconds).toBe(base.stepSeconds);
    // trainingStepTime sizes the offloaded bytes itself, as the layout search passes them.
    const alone = (host: HostSpec) =>
      trainingStepTime(spec, cluster, layout, { ...options, activationOffload: { layers: 20, host } });
    expect(alone({ ...grace, linkBytesPerSecondPerDirection: 10e9 }).stepSeconds).toBe(
      at({ ...grace, linkBytesPerSecondPerDirection: 10e9 }).stepSeconds,
    );
    const slow = at({ ...grace, linkBytesPerSecondPerDirection: 10e9 });
    const copy = bytes / 10e9;
    const exposed =
      Math.max(0, copy - base.microbatchForwardSeconds) + Math.max(0, copy - base.microbatchBackwardSeconds);
    expect(exposed).toBeGreaterThan(0);
    expect(slow.breakdown.hostTransferSeconds).toBeCloseTo(base.microbatches * exposed, 9);
    expect(slow.stepSeconds).toBeCloseTo(base.stepSeconds + base.microbatches * exposed, 9);
    expect(slow.calibrationTerms.hostOffloadSeconds).toBeCloseTo(base.microbatches * exposed, 9);
  });
});

describe('activationOffloadIssues (Megatron-Core TransformerConfig)', () => {
  const megatron = findStack('megatron');
  it('megatron runs it; a stack without it, a pipeline, recomputation or N ≥ L are refused', () => {
    expect(activationOffloadIssues({ layers: 20 }, megatron, {}, 80)).toEqual([]);
    const msg = (...a: Parameters<typeof activationOffloadIssues>) =>
      activationOffloadIssues(...a).map((i) => i.message);
    expect(msg({ layers: 20 }, findStack('torchtitan'), {}, 80)[0]).toMatch(/does not offload activations/);
    expect(msg({ layers: 20 }, megatron, { pipelineParallel: 2 }, 80)[0]).toMatch(
      /without pipeline parallelism/,
    );
    expect(msg({ layers: 20 }, megatron, { recompute: 'full' }, 80)[0]).toMatch(/replaces recomputation/);
    expect(msg({ layers: 80 }, megatron, {}, 80)[0]).toMatch(/from 1 to 79/);
  });
});

describe('calibratedStep with offloaded activations', () => {
  const cluster = findCluster('dgx-h100');
  const slow = { ...grace, linkBytesPerSecondPerDirection: 30e9 };
  const step = trainingStepTime(spec, cluster, layout, {
    ...options,
    activationOffload: { layers: 20, host: slow },
  });
  const parameters = {
    stepTimeScale: 1.3,
    attentionScale: 1.1,
    expertScale: 1,
    localExpertOverheadSeconds: 0,
    layerOverheadSeconds: 0,
    zero3LayerOverheadSeconds: 0,
  };
  it('the copies show only beyond the passes as the stack runs them, and the breakdown sums to the step', () => {
    expect(step.breakdown.hostTransferSeconds).toBeGreaterThan(0);
    const calibrated = calibratedStep(step, parameters);
    const copy = step.calibrationTerms.activationCopy!;
    const passes = { forwardSeconds: 1.3 * copy.forwardSeconds, backwardSeconds: 1.3 * copy.backwardSeconds };
    expect(calibrated.breakdown.hostTransferSeconds).toBeCloseTo(
      copy.microbatches * exposedCopySeconds({ ...copy, ...passes }),
      9,
    );
    expect(calibrated.breakdown.hostTransferSeconds).toBeLessThan(step.breakdown.hostTransferSeconds);
    const sum = Object.values(calibrated.breakdown).reduce((a, x) => a + x, 0);
    expect(sum).toBeCloseTo(calibrated.stepSeconds, 9);
    // The GPU's optimizer step is scaled with the rest: only --offload's CPU step is host time.
    expect(calibrated.breakdown.optimizerSeconds).toBeCloseTo(1.3 * step.breakdown.optimizerSeconds, 12);
  });
  it("the calibration's fit weighs the step as the stack runs it: k on the GPU part, host time as is, copies re-exposed", () => {
    const t = step.calibrationTerms;
    const copy = t.activationCopy!;
    const host = t.hostOffloadSeconds ?? 0;
    const passes = { forwardSeconds: 1.3 * copy.forwardSeconds, backwardSeconds: 1.3 * copy.backwardSeconds };
    const moved = copy.microbatches * (exposedCopySeconds({ ...copy, ...passes }) - exposedCopySeconds(copy));
    const expected = 1.3 * (step.stepSeconds - host) + host + moved + 1.3 * (1.1 - 1) * t.attentionSeconds;
    expect(host).toBeGreaterThan(0);
    expect(step.stepSeconds * calibratedRatio(parameters, step)).toBeCloseTo(expected, 12);
    expect(calibratedStep(step, parameters).stepSeconds).toBeCloseTo(expected, 12);
  });
});
