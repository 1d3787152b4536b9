/**
 * `finetune --teacher-usd-per-million-tokens`: the teacher's data (the Alpaca/s1 pattern) is priced per
 * token beside the compute; the total's P10–P90 is the compute band shifted by that exact amount, so the
 * total sits inside its range (it had the compute's range alone: P90 $11.79 beside a $100M total).
 */
import { describe, expect, it } from 'vitest';
import { runCliJson } from '../../../test/run-cli.js';

describe('finetune with a teacher API', () => {
  it('costUsd = compute + data, and its range holds it', async () => {
    const { json } = await runCliJson(
      'finetune --model llama-3.1-8b --gpu h100 --gpus 8 --tokens 100M --teacher-usd-per-million-tokens 1000000 --json',
    );
    expect(json.dataCostUsd).toBe(100e6);
    expect(json.costUsd).toBeCloseTo(json.computeCostUsd + json.dataCostUsd, 6);
    expect(json.range.costUsd.p10).toBeCloseTo(json.range.computeCostUsd.p10 + 100e6, 6);
    expect(json.range.costUsd.p90).toBeCloseTo(json.range.computeCostUsd.p90 + 100e6, 6);
    expect(json.range.costUsd.p10).toBeLessThanOrEqual(json.costUsd);
    expect(json.range.costUsd.p90).toBeGreaterThanOrEqual(json.costUsd);
    expect(json.range.computeCostUsd.p10).toBeLessThanOrEqual(json.computeCostUsd);
  });
});
