/**
 * HELD-OUT: the megatron stack calibration judged on Megatron-Bridge rows it was not fitted on, the
 * NeMo 25.09 pretraining tables of the performance summary archive
 * (catalog/validation/megatron-bridge-performance-archive.json), predicted with the committed
 * calibration as `llmecon train` applies it (src/validation/stack-heldout-cases.ts); errors are published / predicted − 1. The bounds are a
 * REGRESSION GUARD on today's figures (stated in each test's name), not an accuracy claim.
 */
import { describe, expect, it } from 'vitest';
import archive from '../../catalog/validation/megatron-bridge-performance-archive.json' with { type: 'json' };
import fit from '../../catalog/validation/stack-calibration.json' with { type: 'json' };
import { heldOutMegatronCases, heldOutSummary } from '../../src/validation/stack-heldout-cases.js';

const { cases, skipped } = heldOutMegatronCases();
const summary = Object.fromEntries(heldOutSummary(cases).map((s) => [s.family, s]));

describe('megatron calibration on held-out Megatron-Bridge 25.09 rows', () => {
  it('no archive row is in the committed fit; every row is predicted or skipped with a reason (today 23 predicted, 4 skipped: EP > DP × CP layouts)', () => {
    const fitted = new Set(fit.calibrations.flatMap((c) => c.cases.map((k) => k.source)));
    for (const s of Object.values(archive.meta.releases)) expect(fitted.has(s.source)).toBe(false);
    expect(cases.length + skipped.length).toBe(archive.rows.length);
    expect(cases).toHaveLength(23);
    expect(skipped).toHaveLength(4);
    for (const s of skipped) expect(s.reason).toMatch(/expert parallelism/);
    for (const c of cases) expect(c.predicted).toBeGreaterThan(0);
  });

  it('blackwell (GB200, B200; 18 rows): median |error| within 18%, max within 60% (regression guard: today median 13.5%, max −47.8% on B200 Qwen3 30B-A3B token-drop)', () => {
    expect(summary.blackwell!.n).toBe(18);
    expect(summary.blackwell!.median).toBeLessThan(0.18);
    expect(summary.blackwell!.max).toBeLessThan(0.6);
  });

  it('hopper (H100; 5 rows): median |error| within 15%, max within 50% (regression guard: today median 9.8%, max −40.1% on DeepSeek-V3 at 1024 GPUs)', () => {
    expect(summary.hopper!.n).toBe(5);
    expect(summary.hopper!.median).toBeLessThan(0.15);
    expect(summary.hopper!.max).toBeLessThan(0.5);
  });
});
