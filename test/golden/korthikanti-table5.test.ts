/**
 * Korthikanti et al. 2022 (arXiv:2205.05198), Table 5: end-to-end iteration time of four GPT models on
 * A100-80GB (Selene), each with full recomputation (the baseline) and with selective recomputation +
 * sequence parallelism. Configurations from Table 3: TP 8, sequence 2048, micro-batch 1, no
 * FlashAttention (2022), dropout on. All eight rows must run as fixed layouts, as they ran.
 */
import { describe, expect, it } from 'vitest';
import table5 from '../../catalog/validation/korthikanti-2022-table5.json' with { type: 'json' };
import { findCluster } from '../../src/catalog/catalog.js';
import { planTraining } from '../../src/core/training/plan.js';
import { korthikantiModel, korthikantiRun } from '../../src/validation/stack-calibration-cases.js';

const ROWS = table5.rows;

/**
 * Regression guard, not an accuracy target: today the engine is 3–18% slower than published on these rows (the
 * 2022 Megatron stack is not calibrated separately yet); the selective/full speed-up is checked tighter.
 */
const TOLERANCE = 0.25;

describe('Korthikanti et al. 2022, Table 5: all eight rows as fixed layouts', () => {
  const cluster = findCluster('selene-a100');
  for (const row of ROWS) {
    const spec = korthikantiModel(row);
    const step = (recompute: 'full' | 'selective') =>
      planTraining(spec, cluster, korthikantiRun(row, recompute)).chosen;
    const full = step('full');
    const selective = step('selective');
    it(`${row.name}, full recomputation: ${row.fullSeconds} s per iteration`, () => {
      expect(full.layout.recompute).toBe('full');
      expect(Math.abs(full.step.stepSeconds / row.fullSeconds - 1)).toBeLessThanOrEqual(TOLERANCE);
    });
    it(`${row.name}, selective recomputation + sequence parallelism: ${row.selectiveSeconds} s per iteration`, () => {
      expect(selective.layout.recompute).toBe('selective');
      expect(selective.layout.sequenceParallel).toBe(true);
      expect(Math.abs(selective.step.stepSeconds / row.selectiveSeconds - 1)).toBeLessThanOrEqual(TOLERANCE);
    });
    it(`${row.name}: selective is faster than full by about the published ${Math.round(100 * (row.fullSeconds / row.selectiveSeconds - 1))}%`, () => {
      const speedup = full.step.stepSeconds / selective.step.stepSeconds;
      expect(speedup).toBeGreaterThan(1);
      expect(Math.abs(speedup / (row.fullSeconds / row.selectiveSeconds) - 1)).toBeLessThanOrEqual(0.15);
    });
  }
});
