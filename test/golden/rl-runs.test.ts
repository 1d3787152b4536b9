/**
 * Published RL runs (catalog/validation/rl-runs.json): NeMo RL v0.5/v0.6 GRPO step times on DGX-H100 and
 * GB200-NVL72 (calibration), NeMo RL v0.4/v0.5 (superseded releases of the same configurations) and verl's
 * DeepSeek-V3 on H20 (held out), plus checkpoint-engine's measured weight updates, through llmecon
 * rl's planner. Tolerances are regression guards just above today's errors (stated beside each).
 */
import { fc, test } from '@fast-check/vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import { findModel } from '../../src/catalog/catalog.js';
import { rlBand } from '../../src/catalog/rl-band.js';
import { rlRunsFile } from '../../src/catalog/rl-run.js';
import { modelSpecFrom } from '../../src/core/model/resolve-model.js';
import { median } from '../../src/core/statistics.js';
import { fitRlLoop, rlValidation, weightUpdateLeaveOneOut } from '../../src/validation/rl-cases.js';
import { hfFixture } from '../hf-fixtures.js';

describe('RL runs', () => {
  let v: ReturnType<typeof rlValidation>;
  beforeAll(() => {
    v = rlValidation();
  }, 600_000);

  it("every published run's policy update holds its longest sequence (a prompt and a response at the run's cut): each ran", () => {
    expect(v.longestSequenceOver).toEqual([]);
  });

  it('the committed calibration is the fit on the calibration runs (npx tsx scripts/calibrate-rl.ts)', () => {
    const committed = rlRunsFile().calibration!;
    expect(committed.cases).toEqual(v.calibration.cases);
    expect(committed.cases).toEqual(
      rlRunsFile()
        .runs.filter((r) => r.role === 'calibration')
        .map((r) => r.id),
    );
    expect(committed.rolloutTimeScale).toBeCloseTo(v.calibration.rolloutTimeScale, 6);
    expect(committed.loopOverheadSeconds).toBeCloseTo(v.calibration.loopOverheadSeconds, 4);
    expect(committed.families).toEqual(['hopper', 'blackwell']);
    for (const [i, r] of committed.leaveOneOutLogResiduals.entries())
      expect(r).toBeCloseTo(v.calibration.leaveOneOutLogResiduals[i]!, 6);
  });

  // GPUs hold the capacity their device reports (catalog/README.md): the rollout's searched replica shapes
  // (the few smallest that fit) moved to smaller TP and the refit's leave-one-out median went 10.4% -> 14.1%
  // (Hopper 17.7%). Thirty-seventh pass: rollouts may hold whole experts over TP (vLLM's EP at DP 1) and an
  // MoE step waits for the GPU reaching the most experts: 14.3% / 40.2% -> 10.5% / 38.2% (Hopper 8.6%,
  // Blackwell 12.4%); today (the fifty-seventh pass) 10.1% / 38.7% (Hopper 8.7%, Blackwell 11.6%). The
  // guards sit just above those figures.
  it('step times left out: median within 12% (today 10.1%), each within 42% (today ≤ 38.7%), on both GPU families', () => {
    const loo = (family?: string) =>
      v.cases
        .filter((c) => family === undefined || c.family === family)
        .map((c) => Math.abs(c.leaveOneOutSeconds / c.publishedSeconds - 1));
    expect(median(loo())).toBeLessThan(0.12);
    expect(Math.max(...loo())).toBeLessThan(0.42);
    expect(median(loo('hopper'))).toBeLessThan(0.11);
    expect(median(loo('blackwell'))).toBeLessThan(0.14);
    // The superseded rows (older releases of the same configurations), predicted: median within 11%
    // (today 10.1%; 9.9% before the fifty-sixth pass refitted megatron × Hopper), each within 45% (today
    // ≤ 40.4%, Qwen3-30B-A3B on 16 GB200 as in the calibration).
    const superseded = v.others
      .filter((x) => x.role === 'superseded')
      .map((o) => Math.abs(o.predictedSeconds! / o.publishedSeconds - 1));
    expect(superseded).toHaveLength(10);
    expect(median(superseded)).toBeLessThan(0.11);
    expect(Math.max(...superseded)).toBeLessThan(0.45);
  });

  it('the rollout and the loop’s fixed seconds are most of every published step (generation-bound RL)', () => {
    const c = v.calibration;
    for (const x of v.cases)
      expect((x.rolloutSeconds + c.loopOverheadSeconds) / x.calibratedSeconds, x.id).toBeGreaterThan(0.5);
  });

  it('NeMo RL one-step-off rows on separate pools (held out, nothing fitted on them): median |error| ≤ 19%, each within −73%…+15% (regression guards just above today: median 17.5%, −69.7% … +3.3%; 18.1%, −69.8% … +8.1% before whole experts over TP and the busiest GPU’s experts; was 42.2%, −52% … +120% before the async loop followed NeMo RL)', () => {
    const async = v.others.filter((o) => o.role === 'held-out' && o.id.includes('-1off-'));
    expect(async).toHaveLength(8);
    const errors = async.map((o) => o.predictedSeconds! / o.publishedSeconds - 1);
    for (const [i, error] of errors.entries()) {
      expect(error, async[i]!.id).toBeGreaterThan(-0.73);
      expect(error, async[i]!.id).toBeLessThan(0.15);
    }
    expect(median(errors.map(Math.abs))).toBeLessThan(0.19);
  });

  it('verl DeepSeek-V3 on 96 H20 (held out): runs with its optimizer offloaded to host as verl ran it; step and rollout under-predicted (known miss: today −75.7% and −75.9%, guard −78% each)', () => {
    const verl = v.others.find((o) => o.id === 'verl-deepseek-v3-96xh20')!;
    expect(verl.predictedSeconds).not.toBeNull();
    const step = verl.predictedSeconds! / verl.publishedSeconds - 1;
    expect(step).toBeLessThan(0);
    expect(step).toBeGreaterThan(-0.78);
    const error = verl.predictedRolloutSeconds! / verl.publishedRolloutSeconds! - 1;
    expect(error).toBeLessThan(0);
    expect(error).toBeGreaterThan(-0.78);
  });

  it('the P10-P90 band holds ≥ 70% of the published step times around their left-out predictions (today 12 of 14)', () => {
    const inside = (family: string, gpu: string) => {
      const band = rlBand(gpu, 64);
      return v.cases.filter((c) => {
        const ratio = c.publishedSeconds / c.leaveOneOutSeconds;
        return c.family === family && ratio >= band.low && ratio <= band.high;
      }).length;
    };
    expect(inside('hopper', 'h100') + inside('blackwell', 'gb200')).toBeGreaterThanOrEqual(
      Math.ceil(0.7 * v.cases.length),
    );
    expect(rlBand('h100', 32).outside.join(' ')).toContain('14 published runs of one framework');
    expect(rlBand('gb200', 32).cases).toBe(14);
    expect(rlBand('h100', 32, { rolloutEngine: 'sglang' }).outside.join(' ')).toContain(
      'calibrated on vllm rollouts; sglang has none',
    );
    expect(rlBand('h100', 32, { rolloutEngine: 'vllm', placement: 'colocated' }).outside).toHaveLength(1);
    // A family without runs: the pooled band, doubled, and said.
    expect(rlBand('a100-80gb', 8).outside.join(' ')).toContain('no calibration cases');
    // A policy with layers of a kind none of the runs' models had (Qwen3.5's Gated DeltaNet).
    const dense = rlBand('h100', 32, { model: modelSpecFrom(findModel('llama-3-8b').config, 'llama-3-8b') });
    const hybrid = rlBand('h100', 32, { model: modelSpecFrom(hfFixture('qwen3.5-27b'), 'qwen3.5-27b') });
    expect(dense.outside.join(' ')).not.toContain('of a kind no calibration case ran');
    expect(hybrid.outside.join(' ')).toContain(
      'its linear (Gated DeltaNet) layers are of a kind no calibration case ran',
    );
    expect(Math.log(hybrid.high / hybrid.low)).toBeCloseTo(1.5 * Math.log(dense.high / dense.low), 9);
  });

  it('weight updates: each left out within 30% (today 19% and 24%)', () => {
    for (const c of weightUpdateLeaveOneOut()) expect(Math.abs(c.error), c.id).toBeLessThan(0.3);
  });
});

describe('fitRlLoop', () => {
  it('recovers the scale and fixed seconds that made the points, and keeps the fixed seconds ≥ 0', () => {
    const points = [10, 40, 90, 200].map((rollout, i) => ({
      rollout,
      rest: 5 * i,
      published: 2.5 * rollout + 30 + 5 * i,
    }));
    const fit = fitRlLoop(points);
    expect(fit.rolloutTimeScale).toBeCloseTo(2.5, 9);
    expect(fit.loopOverheadSeconds).toBeCloseTo(30, 7);
    // Published below the pure scale line: a negative intercept is refused, the scale alone is fitted.
    const below = fitRlLoop(points.map((p) => ({ ...p, published: 3 * p.rollout - 20 + p.rest })));
    expect(below.loopOverheadSeconds).toBe(0);
    // The scale alone lies between the points' own ratios (published − rest) / rollout: 1 to 2.9.
    expect(below.rolloutTimeScale).toBeGreaterThan(1);
    expect(below.rolloutTimeScale).toBeLessThan(2.9);
  });
  test.prop([
    fc.double({ min: 0.5, max: 10, noNaN: true }),
    fc.double({ min: 0, max: 200, noNaN: true }),
    fc.array(
      fc.tuple(fc.double({ min: 1, max: 1000, noNaN: true }), fc.double({ min: 0, max: 300, noNaN: true })),
      {
        minLength: 3,
        maxLength: 20,
      },
    ),
  ])(
    'any exact scale and fixed seconds ≥ 0 are recovered from three or more distinct rollouts',
    (a, c, xs) => {
      fc.pre(new Set(xs.map(([rollout]) => Math.round(rollout))).size >= 2);
      const fit = fitRlLoop(
        xs.map(([rollout, rest]) => ({ rollout, rest, published: a * rollout + c + rest })),
      );
      expect(fit.rolloutTimeScale).toBeCloseTo(a, 4);
      expect(fit.loopOverheadSeconds).toBeCloseTo(c, 2);
    },
  );
});
