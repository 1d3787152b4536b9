import { describe, expect, it } from 'vitest';
import { allStackCalibrations, findStack } from '../../src/catalog/stacks.js';
import { errorBand } from '../../src/core/training/error-band.js';
import {
  type StackCalibration,
  stackCalibration,
  transferredCalibrations,
} from '../../src/core/training/stack.js';

const fitted = (
  family: string,
  stepTimeScale: number,
  extra: Partial<StackCalibration> = {},
): StackCalibration => ({
  family,
  stepTimeScale,
  attentionScale: 1,
  expertScale: 1,
  localExpertOverheadSeconds: 0,
  layerOverheadSeconds: 0,
  zero3LayerOverheadSeconds: 0,
  extrapolated: [],
  leaveOneOutLogResiduals: [0.01, -0.02],
  cases: ['a', 'b'],
  maxGpus: 64,
  maxParams: 1e9,
  ...extra,
});

describe('a stack on a family it has no runs on: its compute scale relative to the reference stack', () => {
  it('k(stack, F) = k(ref, F) × the median ratio on the shared families; attention from the reference on F', () => {
    const own = [fitted('hopper', 1.2), fitted('blackwell', 1.5)];
    const ref = [
      fitted('hopper', 1.0),
      fitted('blackwell', 1.0),
      fitted('ampere', 0.9, { attentionScale: 1.3 }),
    ];
    const moved = transferredCalibrations(own, ref, 'megatron');
    expect(moved.map((c) => c.family)).toEqual(['ampere']);
    expect(moved[0]!.stepTimeScale).toBeCloseTo(0.9 * 1.35, 12);
    expect(moved[0]!.attentionScale).toBe(1.3);
    expect(moved[0]!.transferred).toEqual({
      from: 'megatron',
      ratio: 1.35,
      families: ['hopper', 'blackwell'],
    });
    // No residuals of its own: the band falls back to the pooled one.
    expect(moved[0]!.leaveOneOutLogResiduals).toEqual([]);
  });
  it('nothing to transfer without a shared fitted family (a pooled fit, or none)', () => {
    expect(transferredCalibrations([fitted('*', 1.1)], [fitted('hopper', 1)], 'megatron')).toEqual([]);
    expect(transferredCalibrations([], [fitted('hopper', 1)], 'megatron')).toEqual([]);
  });
  it('the catalog: torchtitan (fitted on hopper) on ampere takes megatron’s ampere scale times its hopper ratio, and says so', () => {
    const titan = stackCalibration(findStack('torchtitan'), 'ampere')!;
    const meg = (f: string) => stackCalibration(findStack('megatron'), f)!.stepTimeScale;
    const ratio = stackCalibration(findStack('torchtitan'), 'hopper')!.stepTimeScale / meg('hopper');
    expect(titan.stepTimeScale).toBeCloseTo(meg('ampere') * ratio, 12);
    const band = errorBand(titan, allStackCalibrations(), {
      family: 'ampere',
      stack: 'torchtitan',
      gpus: 64,
    });
    expect(band.outside[0]).toMatch(
      /compute scale is megatron's on ampere × 1\.\d\d, its ratio to megatron on hopper/,
    );
    // A stack fitted on no family keeps no calibration there (unsloth); deepspeed borrows hf's pooled fit.
    expect(stackCalibration(findStack('unsloth'), 'ampere')).toBeNull();
    expect(stackCalibration(findStack('deepspeed'), 'ampere')?.transferred).toBeUndefined();
  });
});
