/**
 * The stack calibration's fit (stack-calibration.ts) weighs each case with the formula every
 * prediction uses (calibrated-step.ts calibratedRatio).
 */
import { describe, expect, it } from 'vitest';
import { syntheticCalibrationCase } from '../../test/fixtures.js';
import { stackCalibrations } from '../catalog/stacks.js';
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

describe('the attention factor keeps attention at or above the kernel curve (k·a ≥ 1)', () => {
  /** Six cases of a 1 s engine step with attention shares 0.1 … 0.6, published as (k, a) would run them. */
  const casesAt = (k: number, a: number) =>
    [0.1, 0.2, 0.3, 0.4, 0.5, 0.6].map((share, i) =>
      syntheticCalibrationCase(`c${i}`, 'hopper', 1, k * (1 + (a - 1) * share), { attentionSeconds: share }),
    );

  it('fits a stack that runs attention slower than the curve as it ran', () => {
    const cases = casesAt(1.2, 1.4);
    const fit = fitCalibrations(cases, '2026-12-06').calibrations[0]!;
    // The floor does not bind (k·a 1.68); the L1 descent stops within 2% of the generating pair.
    expect(Math.abs(fit.stepTimeScale / 1.2 - 1)).toBeLessThan(0.02);
    expect(Math.abs(fit.attentionScale / 1.4 - 1)).toBeLessThan(0.02);
    for (const c of cases)
      expect(Math.abs(Math.log(c.published / calibratedRatio(fit, c)))).toBeLessThan(0.01);
  });

  it('puts a fit that would run attention faster than the curve on it, a = 1/k', () => {
    // Generated at k 1.3, a 0.5: attention at 0.65× the curve, above the peak the curve is a share of.
    const cases = casesAt(1.3, 0.5);
    const fit = fitCalibrations(cases, '2026-12-06').calibrations[0]!;
    expect(fit.stepTimeScale * fit.attentionScale).toBeCloseTo(1, 9);
    // The best point on the floor: no other k on it has a lower loss (the fit's: |r| + 10⁻³·r² per case).
    const loss = (k: number) =>
      cases.reduce((sum, c) => {
        const r = Math.log(
          c.published / calibratedRatio({ ...fit, stepTimeScale: k, attentionScale: 1 / k }, c),
        );
        return sum + Math.abs(r) + 1e-3 * r * r;
      }, 0);
    const best = loss(fit.stepTimeScale);
    for (const k of [0.9, 0.99, 1.01, 1.1].map((f) => f * fit.stepTimeScale))
      expect(loss(k)).toBeGreaterThan(best);
  });

  it('holds in every committed fit, and in its leave-one-out folds', () => {
    for (const c of stackCalibrations().calibrations) {
      // A neutral a (1: not fitted, or not kept by leave-one-out) leaves attention at k times the curve.
      if (c.attentionScale !== 1)
        expect(c.stepTimeScale * c.attentionScale, `${c.stack} × ${c.family}`).toBeGreaterThanOrEqual(
          1 - 1e-12,
        );
    }
    // The folds: each case left out of the generating data above, the refit stays on or above the floor.
    const cases = casesAt(1.3, 0.5);
    for (let i = 0; i < cases.length; i += 1) {
      const fit = fitCalibrations(
        cases.filter((_, j) => j !== i),
        '2026-12-06',
      ).calibrations[0]!;
      expect(fit.stepTimeScale * fit.attentionScale).toBeGreaterThanOrEqual(1 - 1e-12);
    }
  });
});
