/**
 * The stack calibration's fit (stack-calibration.ts) weighs each case with the formula every
 * prediction uses (calibrated-step.ts calibratedRatio).
 */
import { describe, expect, it } from 'vitest';
import { syntheticCalibrationCase } from '../../test/fixtures.js';
import { calibratedRatio } from '../core/training/calibrated-step.js';
import { fitCalibrations } from './stack-calibration.js';

/** A case of an engine step of 1 s with `host` seconds of CPU optimizer step, published at `published`. */
const hostCase = (id: string, host: number, published: number) =>
  syntheticCalibrationCase(id, 'hopper', 1, published, {
    hostOffloadSeconds: host,
    hostOptimizerSeconds: host,
  });

describe('the fit and the predictions share one formula', () => {
  it("leaves a case's host offload time unscaled, as calibratedStep does", () => {
    // The stack runs the GPU part 1.5× slower; the CPU optimizer step is host time. Scaling the host
    // time too (the fit before the fifty-fifth pass) finds no common compute scale for these three.
    const cases = [0, 0.3, 0.6].map((host, i) => hostCase(`c${i}`, host, 1.5 * (1 - host) + host));
    const fit = fitCalibrations(cases, '2026-12-06').calibrations[0]!;
    expect(fit.stepTimeScale).toBeCloseTo(1.5, 6);
    for (const r of fit.leaveOneOutLogResiduals) expect(r).toBeCloseTo(0, 6);
    for (const c of cases) expect(calibratedRatio(fit, c)).toBeCloseTo(c.published, 6);
  });
});
