/**
 * Golden tests for the training engine: every case in catalog/validation/training.json stays within
 * its stated tolerance, and the committed report (docs/validation.md) is what the engine produces now.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runAllTrainingCases, validationReportMarkdown } from '../../src/validation/training-cases.js';

const results = runAllTrainingCases();

describe('training validation cases', () => {
  for (const r of results) {
    it(`${r.case.id}: ${r.case.metric} ${r.case.published} (${r.case.source}, ${r.case.locator}) within ±${Math.round(100 * r.case.tolerance)}%`, () => {
      expect(Number.isFinite(r.predicted)).toBe(true);
      expect(Math.abs(r.error)).toBeLessThanOrEqual(r.case.tolerance);
    });
  }
  it('the Megatron-LM weak-scaling rows held out from calibration are all within 10%', () => {
    const megatron = results.filter((r) => /^megatron-\d/.test(r.case.id) && r.case.role === 'validation');
    expect(megatron).toHaveLength(9);
    for (const r of megatron) expect(Math.abs(r.error)).toBeLessThanOrEqual(0.1);
  });
  it('docs/validation.md is up to date (npm run validation-report)', () => {
    const committed = readFileSync(new URL('../../docs/validation.md', import.meta.url), 'utf8');
    expect(committed).toBe(validationReportMarkdown(results));
  });
});
