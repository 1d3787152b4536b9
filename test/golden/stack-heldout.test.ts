/**
 * HELD-OUT: the megatron stack calibration judged on NeMo rows it was not fitted on, the NeMo 25.09
 * pretraining tables of Megatron-Bridge's performance summary archive and the NeMo Framework user guide's
 * 24.12, 25.02, 25.04 and 25.07 tables (catalog/validation/megatron-bridge-performance-archive.json), predicted with the committed
 * calibration as `llmecon train` applies it (src/validation/stack-heldout-cases.ts); errors are published / predicted − 1. The bounds are a
 * REGRESSION GUARD on today's figures (stated in each test's name), not an accuracy claim.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import archive from '../../catalog/validation/megatron-bridge-performance-archive.json' with { type: 'json' };
import fit from '../../catalog/validation/stack-calibration.json' with { type: 'json' };
import { heldOutMegatronCases, heldOutSummary } from '../../src/validation/stack-heldout-cases.js';
import { heldOutMegatronMarkdown } from '../../src/validation/stack-heldout-report.js';

const { cases, skipped } = heldOutMegatronCases();
const summary = Object.fromEntries(heldOutSummary(cases).map((s) => [s.family, s]));

describe('megatron calibration on held-out NeMo rows (24.12, 25.02, 25.04, 25.07, 25.09)', () => {
  it('no archive row is in the committed fit; every row is predicted or skipped with a reason (today 42 predicted, 1 skipped: EP × ETP does not divide TP × DP × CP)', () => {
    const fitted = new Set(fit.calibrations.flatMap((c) => c.cases.map((k) => k.source)));
    for (const s of Object.values(archive.meta.releases)) expect(fitted.has(s.source)).toBe(false);
    expect(cases.length + skipped.length).toBe(archive.rows.length);
    expect(cases).toHaveLength(42);
    expect(skipped).toHaveLength(1);
    for (const s of skipped) expect(s.reason).toMatch(/expert parallelism/);
    for (const c of cases) expect(c.predicted).toBeGreaterThan(0);
  });

  it('blackwell (GB200, B200; 32 rows): median |error| within 7%, max within 42% (regression guard: today median 5.7%, max −37.7% on B200 Qwen3 30B-A3B token-drop)', () => {
    expect(summary.blackwell!.n).toBe(32);
    expect(summary.blackwell!.median).toBeLessThan(0.07);
    expect(summary.blackwell!.max).toBeLessThan(0.42);
  });

  it('hopper (H100; 10 rows): median |error| within 7%, max within 25% (regression guard: today median 4.8%, max +20.7% on Qwen3 235B-A22B token-drop at TP2 · EP32, ETP 1)', () => {
    expect(summary.hopper!.n).toBe(10);
    expect(summary.hopper!.median).toBeLessThan(0.07);
    expect(summary.hopper!.max).toBeLessThan(0.25);
  });

  it("docs/training-engine.md's held-out section is current (npm run validation-report)", () => {
    const doc = readFileSync(new URL('../../docs/training-engine.md', import.meta.url), 'utf8');
    expect(doc).toContain(heldOutMegatronMarkdown(cases, skipped));
  });
});
