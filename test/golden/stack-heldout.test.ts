/**
 * HELD-OUT: the megatron stack calibration judged on NeMo rows it was not fitted on, the NeMo 25.09 and
 * 26.02–26.06.01 pretraining tables of Megatron-Bridge's performance summary archive, its 26.08 page and
 * the NeMo Framework user guide's 24.12, 25.02, 25.04 and 25.07 tables (catalog/validation/megatron-bridge-performance-archive.json), predicted with the committed
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

describe('megatron calibration on held-out NeMo rows (24.12 to 25.09, 26.02 to 26.08)', () => {
  it('no archive row is in the committed fit; every row is predicted or skipped with a reason (today 214 predicted, 1 skipped: EP × ETP does not divide TP × DP × CP)', () => {
    const fitted = new Set(fit.calibrations.flatMap((c) => c.cases.map((k) => k.source)));
    for (const s of Object.values(archive.meta.releases)) expect(fitted.has(s.source)).toBe(false);
    expect(cases.length + skipped.length).toBe(archive.rows.length);
    expect(cases).toHaveLength(214);
    expect(skipped).toHaveLength(1);
    for (const s of skipped) expect(s.reason).toMatch(/expert parallelism/);
    for (const c of cases) expect(c.predicted).toBeGreaterThan(0);
  });

  it('blackwell (GB200, GB300, B200, B300; 180 rows): median |error| within 15%, max within 90% (regression guard: today median 12.9%, max +82.7% on 26.02 B300 GPT-OSS 120B BF16 EP64, the BF16 GPT-OSS runs the 25.11 fit misses too)', () => {
    expect(summary.blackwell!.n).toBe(180);
    expect(summary.blackwell!.median).toBeLessThan(0.15);
    expect(summary.blackwell!.max).toBeLessThan(0.9);
  });

  it('hopper (H100; 34 rows): median |error| within 15%, max within 52% (regression guard: today median 12.6%, max +49.5% on 26.02 Qwen3 30B-A3B PP2 · VP12, which 26.02.01 ran 1.8× faster at the same layout; +43.9% before the fifty-sixth pass refitted megatron × Hopper)', () => {
    expect(summary.hopper!.n).toBe(34);
    expect(summary.hopper!.median).toBeLessThan(0.15);
    expect(summary.hopper!.max).toBeLessThan(0.52);
  });

  it('the published step is inside the P10–P90 band train reports for at least 85% of the rows (regression guard: today 190 of 214)', () => {
    const inside = cases.filter((c) => c.published >= c.p10 && c.published <= c.p90).length;
    expect(inside / cases.length).toBeGreaterThanOrEqual(0.85);
  });

  it('the rows whose recipe replays each step as one CUDA graph are 26.06–26.08 MXFP8 MoE rows on Blackwell, and run so', () => {
    const graphed = archive.rows.filter((r) => 'cudaGraphs' in r && r.cudaGraphs === 'full-iteration');
    expect(graphed).toHaveLength(26);
    for (const r of graphed) {
      expect(['26.06', '26.06.01', '26.08']).toContain(r.release);
      expect(r.precision).toBe('MXFP8');
      expect(r.system).not.toBe('DGX-H100');
      expect(r.moeRouting).toBe('dropless');
    }
  });

  it("each row's two throughput columns agree with its release's other rows of the model: model FLOPs per token within 3% (a transcription check; today within 1.9%)", () => {
    const byRun = new Map<string, number[]>();
    for (const r of archive.rows) {
      const key = `${r.model}|${r.seqLen}|${r.release}`;
      byRun.set(key, [...(byRun.get(key) ?? []), r.modelTflopsPerGpu / r.tokensPerSecondPerGpu]);
    }
    for (const flops of byRun.values()) {
      const mid = [...flops].sort((a, b) => a - b)[Math.floor(flops.length / 2)]!;
      for (const f of flops) expect(Math.abs(f / mid - 1)).toBeLessThan(0.03);
    }
  });

  it("docs/training-engine.md's held-out section is current (npm run validation-report)", () => {
    const doc = readFileSync(new URL('../../docs/training-engine.md', import.meta.url), 'utf8');
    expect(doc).toContain(heldOutMegatronMarkdown(cases, skipped));
  });
});
