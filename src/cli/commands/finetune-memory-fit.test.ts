import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/run-cli.js';

describe('finetune --memory-fit', () => {
  it('searches at the hf band of the run’s kind: the chosen layout’s P90 fits, and a miss names the multiplied figure', async () => {
    const line = 'finetune --model llama-3.1-8b --gpu h100 --tokens 10M --json';
    const lora = JSON.parse(
      (await runCli(`${line} --gpus 1 --method lora --rank 16 --memory-fit p90`)).stdout,
    );
    expect(lora.memoryFitAt).toBe('p90');
    expect(lora.memoryFit).toBe('fits');
    expect(lora.range.memoryPerGpuBytes.p90).toBeLessThanOrEqual(80 * 2 ** 30);
    const full = await runCli(
      'finetune --model llama-3.1-8b --gpu h100 --tokens 10M --gpus 1 --method full --memory-fit p90',
    );
    expect(full.code).toBe(3);
    expect(full.stdout).toMatch(/needs [\d.]+ GiB \(× 1\.\d\d, the asked memory band: [\d.]+ GiB\) per GPU/);
    // A full fine-tune is held at the full-training band, wider than the adapters' (hf measured LoRA peaks).
    const fullFit = JSON.parse((await runCli(`${line} --gpus 8 --method full --memory-fit p90`)).stdout);
    expect(fullFit.memoryFit).toBe('fits');
    expect(fullFit.range.memoryPerGpuBytes.p90 / fullFit.memoryPerGpuBytes).toBeGreaterThan(
      lora.range.memoryPerGpuBytes.p90 / lora.memoryPerGpuBytes,
    );
    const bad = await runCli(`${line} --gpus 1 --memory-fit p99`);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--memory-fit: must be one of estimate, p10, p90');
  });
});
