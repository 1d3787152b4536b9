/**
 * Published RL runs (catalog/validation/rl-runs.json): NeMo RL v0.4 GRPO step times on DGX-H100 and
 * checkpoint-engine's measured weight updates, through llmecon rl's planner. Tolerances are
 * regression guards just above today's errors (stated beside each).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { rlBand, rlRunsFile } from '../../src/catalog/rl-run.js';
import { rlValidation, weightUpdateLeaveOneOut } from '../../src/validation/rl-cases.js';

describe('RL runs', () => {
  let v: ReturnType<typeof rlValidation>;
  beforeAll(() => {
    v = rlValidation();
  }, 300_000);

  it('the committed calibration is the fit on the runs (npx tsx scripts/calibrate-rl.ts)', () => {
    const committed = rlRunsFile().calibration!;
    expect(committed.cases).toEqual(v.calibration.cases);
    expect(committed.rolloutTimeScale).toBeCloseTo(v.calibration.rolloutTimeScale, 6);
    for (const [i, r] of committed.leaveOneOutLogResiduals.entries())
      expect(r).toBeCloseTo(v.calibration.leaveOneOutLogResiduals[i]!, 6);
  });

  it('step times: calibrated within 25% (today ≤ 24%), left out within 35% (today ≤ 30%)', () => {
    for (const c of v.cases) {
      expect(Math.abs(c.calibratedSeconds / c.publishedSeconds - 1), c.id).toBeLessThan(0.25);
      expect(Math.abs(c.leaveOneOutSeconds / c.publishedSeconds - 1), c.id).toBeLessThan(0.35);
    }
  });

  it('the rollout dominates every published step, as the runs report (generation-bound RL)', () => {
    const scale = v.calibration.rolloutTimeScale;
    for (const c of v.cases)
      expect((scale * c.phases.generation!) / c.calibratedSeconds, c.id).toBeGreaterThan(0.5);
  });

  it('the P10-P90 band holds every published step time around its calibrated prediction, 3 of 4 left out', () => {
    const band = rlBand('h100', 32);
    const inside = (predicted: (c: (typeof v.cases)[number]) => number) =>
      v.cases.filter(
        (c) =>
          c.publishedSeconds / predicted(c) >= band.low && c.publishedSeconds / predicted(c) <= band.high,
      ).length;
    expect(inside((c) => c.calibratedSeconds)).toBe(4);
    expect(inside((c) => c.leaveOneOutSeconds)).toBeGreaterThanOrEqual(3);
    expect(rlBand('h100', 32).outside.join(' ')).toContain('4 published runs');
    // A family without runs: the pooled band, doubled, and said.
    expect(rlBand('a100-80gb', 8).outside.join(' ')).toContain('no calibration cases');
  });

  it('weight updates: each left out within 30% (today 19% and 24%)', () => {
    for (const c of weightUpdateLeaveOneOut()) expect(Math.abs(c.error), c.id).toBeLessThan(0.3);
  });
});
