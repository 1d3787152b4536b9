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

describe('a training sequence beyond the config context is computed with a warning (context extension), not refused', () => {
  it('train at 262,144 tokens on Llama 3.1 8B (131,072) as torchtitan ran it: exit 0, the warning names the limit', async () => {
    const r = await runCliJson(
      'train --model llama-3.1-8b --gpu h100-96gb-500w --gpus 8 --stack torchtitan --seq-len 262144 --global-batch 1 --precision fp8 --cp 8 --dp 1 --recompute full --zero 3 --json',
    );
    expect(r.code).toBe(0);
    expect(r.json.warnings).toEqual([expect.stringContaining('max_position_embeddings of 131072')]);
    expect(r.json.tokensPerSecondPerGpu).toBeGreaterThan(0);
  }, 120_000);
  it('finetune within the context carries no warning', async () => {
    const r = await runCliJson(`${RUN}`);
    expect(r.json.warnings).toEqual([]);
  }, 120_000);
});
