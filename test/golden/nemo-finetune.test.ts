/**
 * HELD-OUT: NeMo 26.06's Llama 3 70B SFT and LoRA rows (catalog/validation/megatron-bridge-finetune.json)
 * predicted with the committed megatron calibration (src/validation/nemo-finetune-cases.ts); errors are
 * published / predicted − 1. The bounds are a REGRESSION GUARD on today's figures, not an accuracy claim.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import table from '../../catalog/validation/megatron-bridge-finetune.json' with { type: 'json' };
import fit from '../../catalog/validation/stack-calibration.json' with { type: 'json' };
import { median } from '../../src/core/statistics.js';
import { nemoFinetuneCases, nemoFinetuneMarkdown } from '../../src/validation/nemo-finetune-cases.js';

const cases = nemoFinetuneCases();

describe('megatron calibration on held-out NeMo 26.06 fine-tuning rows', () => {
  it('no row is in the committed fit; every row is predicted (5 SFT, 5 LoRA)', () => {
    const fitted = new Set(fit.calibrations.flatMap((c) => c.cases.map((k) => k.source)));
    expect(fitted.has(table.meta.source)).toBe(false);
    expect(cases.filter((c) => c.task === 'sft')).toHaveLength(5);
    expect(cases.filter((c) => c.task === 'lora')).toHaveLength(5);
  });

  it('median |error| within 8%, max within 18%, every published step inside its P10–P90 (regression guard: today 7.3%, −16.7% on GB300 LoRA FP8, 10 of 10)', () => {
    const errors = cases.map((c) => Math.abs(c.error));
    expect(median(errors)).toBeLessThan(0.08);
    expect(Math.max(...errors)).toBeLessThan(0.18);
    for (const c of cases) expect(c.published >= c.p10 && c.published <= c.p90).toBe(true);
  });

  it("LoRA on the fused linear_qkv costs less than SFT per step on the same GPUs' layout, as the published rows do", () => {
    const at = (task: string, system: string) =>
      cases.find((c) => c.task === task && c.system === system && c.precision === 'FP8')!;
    // Per GPU and token: LoRA's step (8 GPUs) against SFT's (32 GPUs) of the same global batch.
    for (const system of ['DGX-GB300', 'DGX-H100']) {
      const lora = at('lora', system);
      const sft = at('sft', system);
      expect(lora.predicted * lora.gpus).toBeLessThan(sft.predicted * sft.gpus);
      expect(lora.published * lora.gpus).toBeLessThan(sft.published * sft.gpus);
    }
  });

  it("docs/finetuning.md's table is current (npm run validation-report)", () => {
    const doc = readFileSync(new URL('../../docs/finetuning.md', import.meta.url), 'utf8');
    expect(doc).toContain(nemoFinetuneMarkdown(cases));
  });
});
