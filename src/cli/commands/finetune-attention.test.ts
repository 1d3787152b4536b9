import { describe, expect, it } from 'vitest';
import { runCliJson } from '../../../test/run-cli.js';

// LoRA of Llama 3 8B on one H100 at 8K tokens: attention is a large share of the step.
const RUN = 'finetune --model llama-3-8b --method lora --tokens 2M --seq-len 8192 --gpu h100 --json';

describe('finetune and rl honour --attention (they accepted and ignored it)', () => {
  it('finetune: FlashAttention-3 is faster than the stack default (FlashAttention-2 on H100), unfused slower', async () => {
    const [flash2, flash3, unfused] = await Promise.all([
      runCliJson(RUN),
      runCliJson(`${RUN} --attention flash3`),
      runCliJson(`${RUN} --attention unfused`),
    ]);
    for (const r of [flash2, flash3, unfused]) expect(r.code).toBe(0);
    expect(flash3.json.stepSeconds).toBeLessThan(flash2.json.stepSeconds);
    expect(unfused.json.stepSeconds).toBeGreaterThan(flash2.json.stepSeconds);
  }, 120_000);
  it('rl: the policy update takes the kernel too', async () => {
    const rl = 'rl --model qwen2.5-7b --gpu h100 --gpus 8 --steps 10 --json';
    const [base, flash3] = await Promise.all([runCliJson(rl), runCliJson(`${rl} --attention flash3`)]);
    expect(flash3.json.phasesSeconds.policyUpdate).toBeLessThan(base.json.phasesSeconds.policyUpdate);
  }, 120_000);
});
