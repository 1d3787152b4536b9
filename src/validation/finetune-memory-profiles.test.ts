/**
 * The memory Qwen's README publishes beside its step times (GB per GPU on A100-80GB, read as GiB),
 * against the engine's peak per GPU for each run as its script ran it: the loss as its modelling
 * code and mixed-precision wrapper hold it (`logitsBytesPerElement`), QLoRA's optimizer as the
 * DeepSpeed config sets it, the embedding and head trained in full where the script trains them
 * ("LoRA (emb)": PEFT modules_to_save). No memory term is fitted on these points.
 */
import { describe, expect, it } from 'vitest';
import { median } from '../core/statistics.js';
import { profileMemory, profilePlans } from './finetune-calibration-cases.js';

const rows = profileMemory();
const errors = (method: string, emb = false) =>
  rows
    .filter((r) => r.method === method && r.id.includes('-emb-') === emb)
    .map((r) => r.predictedBytes / r.measuredBytes - 1);
const abs = (e: number[]) => e.map(Math.abs);

describe('fine-tuning memory against the Qwen profiles (63 points)', () => {
  it('LoRA (1.8B, 7B, 14B; 18 points): every length within 10% (regression guard: today −8.3% … +8.3%, median 4.9%)', () => {
    const e = errors('lora');
    expect(e).toHaveLength(18);
    expect(Math.max(...abs(e))).toBeLessThan(0.1);
    expect(median(abs(e))).toBeLessThan(0.06);
  });

  it('LoRA (emb), the embedding and head trained in full beside the adapters (18 points): every length within 10% (regression guard: today −4.5% … +5.3%, median 1.3%; the shortest sequences peak at torch’s foreach AdamW step over the BF16 copies)', () => {
    const e = errors('lora', true);
    expect(e).toHaveLength(18);
    expect(Math.max(...abs(e))).toBeLessThan(0.1);
    expect(median(abs(e))).toBeLessThan(0.03);
  });

  it('Q-LoRA on GPTQ (18 points): within 15%, median within 8% (regression guard: today −13.6% … +3.4%, median 3.7%)', () => {
    const e = errors('qlora');
    expect(e).toHaveLength(18);
    expect(Math.max(...abs(e))).toBeLessThan(0.15);
    expect(median(abs(e))).toBeLessThan(0.08);
  });

  it('full-parameter under DeepSpeed ZeRO-3 (9 points): within 25%, none over-predicted by more than 5% (regression guard: today −18.8% … +2.6%, median 12.1%; the 1.8B model peaks at DeepSpeed’s step and is ~12% light there, a term not yet modelled)', () => {
    const e = errors('full');
    expect(e).toHaveLength(9);
    expect(Math.max(...e)).toBeLessThan(0.05);
    expect(Math.min(...e)).toBeGreaterThan(-0.25);
  });

  it('the peak at the layout each script ran is the one planFinetune chooses (its search has nothing to choose)', () => {
    const planned = [...profilePlans()].map((p) => p.plan.chosen.memoryPerGpuBytes);
    expect(planned).toHaveLength(rows.length);
    for (const [i, r] of rows.entries()) expect(r.predictedBytes).toBeCloseTo(planned[i]!, -3);
  });
});
