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

describe('a stack on a family it has no runs on: the medians of its own fits', () => {
  it('each term is the median over the families the stack was fitted on, whatever the reference fitted there', () => {
    const own = [
      fitted('hopper', 1.2, { attentionScale: 1.4 }),
      fitted('blackwell', 1.5, { attentionScale: 1.2 }),
    ];
    const ref = [
      fitted('hopper', 1.0),
      fitted('blackwell', 1.0),
      fitted('ampere', 0.9, { attentionScale: 1.3 }),
    ];
    const moved = transferredCalibrations(own, ref);
    expect(moved.map((c) => c.family)).toEqual(['ampere']);
    expect(moved[0]!.stepTimeScale).toBeCloseTo(1.35, 12);
    expect(moved[0]!.attentionScale).toBeCloseTo(1.3, 12);
    expect(moved[0]!.transferred).toEqual({ families: ['hopper', 'blackwell'] });
    // The reference's own split of its ampere fit does not move it.
    const refSplit = [ref[0]!, ref[1]!, fitted('ampere', 1.4, { attentionScale: 0.8 })];
    expect(transferredCalibrations(own, refSplit)[0]!.stepTimeScale).toBe(moved[0]!.stepTimeScale);
    // No residuals of its own: the band falls back to the pooled one.
    expect(moved[0]!.leaveOneOutLogResiduals).toEqual([]);
  });
  it('nothing to transfer without a per-family fit (a pooled fit, or none)', () => {
    expect(transferredCalibrations([fitted('*', 1.1)], [fitted('hopper', 1)])).toEqual([]);
    expect(transferredCalibrations([], [fitted('hopper', 1)])).toEqual([]);
  });
  it('the catalog: torchtitan (fitted on hopper) on ampere takes its hopper terms, and says so', () => {
    const titan = stackCalibration(findStack('torchtitan'), 'ampere')!;
    const hopper = stackCalibration(findStack('torchtitan'), 'hopper')!;
    expect(titan.stepTimeScale).toBe(hopper.stepTimeScale);
    expect(titan.attentionScale).toBe(hopper.attentionScale);
    const band = errorBand(titan, allStackCalibrations(), {
      family: 'ampere',
      stack: 'torchtitan',
      gpus: 64,
    });
    expect(band.outside[0]).toMatch(/its terms are the medians of its fits on hopper/);
    // A family no stack ran on (MI300X's cdna3): the stack's own fits carried over, not the bare engine.
    const megatron = findStack('megatron');
    const cdna3 = stackCalibration(megatron, 'cdna3')!;
    const fits = ['ampere', 'hopper', 'blackwell'].map((f) => stackCalibration(megatron, f)!.stepTimeScale);
    expect(cdna3.stepTimeScale).toBe([...fits].sort((a, b) => a - b)[1]);
    expect(cdna3.transferred?.families).toEqual(
      megatron.calibrations.filter((c) => !c.transferred).map((c) => c.family),
    );
    expect(stackCalibration(megatron, 'cdna3')).toBe(cdna3);
    expect(
      errorBand(cdna3, allStackCalibrations(), { family: 'cdna3', stack: 'megatron', gpus: 8 }).outside[0],
    ).toMatch(/no calibration cases for megatron on cdna3 GPUs: its terms are the medians of its fits on/);
    expect(stackCalibration(findStack('torchtitan'), 'cdna3')!.stepTimeScale).toBe(hopper.stepTimeScale);
    // A pooled fit stays itself on any family.
    expect(stackCalibration(findStack('hf'), 'cdna3')?.family).toBe('*');
    // A stack fitted on no family keeps no calibration there (unsloth); deepspeed borrows hf's pooled fit.
    expect(stackCalibration(findStack('unsloth'), 'ampere')).toBeNull();
    expect(stackCalibration(findStack('unsloth'), 'cdna3')).toBeNull();
    expect(stackCalibration(findStack('deepspeed'), 'ampere')?.transferred).toBeUndefined();
  });
});
