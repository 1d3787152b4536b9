/**
 * Golden tests for the training engine: every case in catalog/validation/training.json stays within
 * its stated tolerance, and the committed report (docs/validation.md) is what the engine produces now.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { median } from '../../src/core/statistics.js';
import { llmFoundryBenchmarkHeldOut } from '../../src/validation/llm-foundry-cases.js';
import { nemoFinetuneBenchmarkHeldOut } from '../../src/validation/nemo-finetune-cases.js';
import { megatronBenchmarkHeldOut } from '../../src/validation/stack-heldout-cases.js';
import {
  metricBand,
  runAllTrainingCases,
  validationReportMarkdown,
} from '../../src/validation/training-cases.js';

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
  it('published runs held out on a named stack (BLOOM, MT-NLG, OPT, GPT-NeoX) run on that stack with a band', () => {
    const onStack = results.filter((r) => r.case.stack !== undefined);
    expect(onStack.map((r) => r.case.id)).toEqual(
      expect.arrayContaining([
        'bloom-176b-tflops',
        'bloom-176b-gpu-hours',
        'mt-nlg-530b-280-nodes',
        'mt-nlg-530b-350-nodes',
        'mt-nlg-530b-420-nodes',
        'opt-175b-tflops',
        'gpt-neox-20b-tflops',
      ]),
    );
    for (const r of onStack) {
      expect(r.case.role).toBe('validation');
      const band = metricBand(r);
      expect(band).not.toBeNull();
      expect(band!.p10).toBeLessThan(r.predicted);
      expect(band!.p90).toBeGreaterThan(r.predicted);
    }
    // Regression guard, not a target: 18.9% median |error| and 2 of 7 inside the band when added.
    expect(median(onStack.map((r) => Math.abs(r.error)))).toBeLessThanOrEqual(0.2);
    expect(onStack.filter((r) => metricBand(r)!.inside).length).toBeGreaterThanOrEqual(2);
  });
  it('docs/validation.md is up to date (npm run validation-report)', () => {
    const committed = readFileSync(new URL('../../docs/validation.md', import.meta.url), 'utf8');
    expect(committed).toBe(
      validationReportMarkdown(results, [
        megatronBenchmarkHeldOut(),
        nemoFinetuneBenchmarkHeldOut(),
        llmFoundryBenchmarkHeldOut(),
      ]),
    );
  });
});
