import { describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../../../test/run-cli.js';

// QLoRA of Qwen2.5 7B on one A100 at 512 tokens, as Qwen's scripts run Q-LoRA on their Int4 checkpoints.
const RUN =
  'finetune --model qwen2.5-7b --method qlora --rank 64 --targets all --tokens 1M --seq-len 512 --gpu a100-80gb --json';

describe('finetune --base-format: QLoRA on an NF4 (bitsandbytes) or a GPTQ INT4 (AutoGPTQ) base', () => {
  it('GPTQ dequantises in five eager kernels per forward and NF4 in one fused kernel per pass: GPTQ is slower and holds more', async () => {
    const [nf4, gptq] = await Promise.all([runCliJson(RUN), runCliJson(`${RUN} --base-format gptq`)]);
    for (const r of [nf4, gptq]) expect(r.code).toBe(0);
    expect(nf4.json.baseFormat).toBe('nf4');
    expect(gptq.json.baseFormat).toBe('gptq');
    expect(gptq.json.stepSeconds).toBeGreaterThan(nf4.json.stepSeconds);
    expect(gptq.json.memoryPerGpuBytes).toBeGreaterThan(nf4.json.memoryPerGpuBytes);
    expect(gptq.json.range.stepSeconds.p90).toBeGreaterThan(gptq.json.stepSeconds);
  }, 120_000);

  it('the text names the base', async () => {
    const r = await runCli(RUN.replace(' --json', ' --base-format gptq'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('GPTQ INT4');
  }, 120_000);

  it.each([
    ['lora', 'gptq', "lora takes a frozen base of bf16 or fp8, got 'gptq'"],
    ['qlora', 'bf16', "qlora takes a frozen base of nf4 or gptq, got 'bf16'"],
    ['full', 'gptq', 'full fine-tuning trains every weight'],
  ])(
    '--method %s --base-format %s exits 2 naming the flag and what it takes',
    async (method, format, message) => {
      const r = await runCli(
        `finetune --model qwen2.5-7b --method ${method} --base-format ${format} --tokens 1M --gpu a100-80gb`,
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--base-format');
      expect(r.stderr).toContain(message);
    },
    120_000,
  );
});
