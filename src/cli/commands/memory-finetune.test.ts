import { describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../../../test/run-cli.js';

const TERMS = [
  'weights',
  'adapters',
  'gradients',
  'optimizerStates',
  'activations',
  'logits',
  'buffers',
  'allocatorReserve',
  'frameworkOverhead',
] as const;
const sum = (b: Record<string, number>) => TERMS.reduce((a, k) => a + b[k]!, 0);

describe('memory --method (fine-tuning memory, as finetune computes it)', () => {
  // QLoRA (Dettmers et al. 2023, Abstract): a 65B model fine-tunes on one 48 GB GPU (NF4 base,
  // paged optimizer, gradient checkpointing); Llama 2 70B is 7% larger. Guanaco's sequences were
  // ≤ 512 tokens. The least-memory layout must fit a 48 GB L40S; full fine-tuning must not.
  it('QLoRA of a 70B model fits one 48 GB GPU at its least memory; the breakdown sums to the total', async () => {
    const r = await runCliJson('memory llama-2-70b --method qlora --gpu l40s --seq-len 512');
    expect(r.code).toBe(0);
    expect(r.json.fits).toBe(true);
    expect(r.json.baseFormat).toBe('nf4');
    const least = r.json.leastMemory;
    expect(least.memoryPerGpuBytes).toBeLessThan(48e9);
    expect(least.memoryPerGpuBytes).toBeGreaterThan(35e9); // the NF4 base alone is ~36 GB
    expect(least.memoryPerGpuBytes).toBeLessThanOrEqual(r.json.fastest.memoryPerGpuBytes);
    expect(sum(least.breakdown)).toBeCloseTo(least.memoryPerGpuBytes, 0);
    expect(sum(r.json.fastest.breakdown)).toBeCloseTo(r.json.fastest.memoryPerGpuBytes, 0);
    expect(least.breakdown.adapters).toBeGreaterThan(0);
    expect(least.breakdown.pagedOutBytes).toBeGreaterThan(0); // paged AdamW states live on the CPU
    // The hf stack's own measured footprints (QLoRA at its longest length on 80 GB, the 36 LoRA points of
    // Qwen's fine-tuning profiles) make its band; torchtitan's and deepspeed's are not borrowed.
    expect(r.json.memoryBand).toMatchObject({ of: 'hf', cases: 38, outside: [] });
    expect(r.json.range.memoryPerGpuBytes.p10).toBeLessThan(least.memoryPerGpuBytes);
    expect(r.json.range.memoryPerGpuBytes.p90).toBeGreaterThan(least.memoryPerGpuBytes);
  });
  it('text: the terms by row, the base format named, least memory beside the fastest', async () => {
    const r = await runCli('memory llama-2-70b --method qlora --gpu l40s --seq-len 512');
    expect(r.stdout).toContain('base weights (NF4, frozen)');
    expect(r.stdout).toMatch(/least memory.*fastest/s);
    expect(r.stdout).toMatch(/^logits/m);
    expect(r.stdout).toMatch(/^least memory: fits on l40s/m);
    expect(r.stdout).toMatch(/memory band: 38 measured peaks of hf/);
  });
  it('full fine-tuning of a 70B on one 48 GB GPU does not fit (exit 3) and says by how much', async () => {
    const r = await runCli('memory llama-2-70b --method full --gpu l40s --seq-len 512');
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(
      /does not fit on l40s .* the least memory any layout of 1 GPUs needs is .* over/,
    );
  });
  it('the same memory as finetune reports for the same run', async () => {
    const args = ['--method', 'lora', '--gpu', 'h100', '--seq-len', '2048'];
    const m = await runCliJson(['memory', 'llama-3-8b', ...args]);
    const f = await runCliJson(['finetune', '--model', 'llama-3-8b', ...args, '--tokens', '10M']);
    expect(f.code).toBe(0);
    expect(f.json.memory.fastest.memoryPerGpuBytes).toBe(m.json.fastest.memoryPerGpuBytes);
    expect(f.json.memory.leastMemory.memoryPerGpuBytes).toBe(m.json.leastMemory.memoryPerGpuBytes);
    expect(sum(f.json.memory.fastest)).toBeCloseTo(f.json.memoryPerGpuBytes, 0);
  });
  it('refuses flags that would do nothing (exit 2)', async () => {
    for (const args of [
      'memory llama-3-8b --rank 8',
      'memory llama-3-8b --method qlora --gpu h100 --precision fp8',
      'memory llama-3-8b --method qlora --gpu h100 --base-format fp8',
      'memory llama-3-8b --method full --gpu h100 --rank 8',
      'memory llama-3-8b --mode infer --method lora',
      'memory llama-3-8b --method lora',
      // FP8 training on a GPU without FP8 tensor cores: refused as train refuses it.
      'memory llama-3-8b --gpu a100 --precision fp8',
    ]) {
      const r = await runCli(args);
      expect(r.code, args).toBe(2);
      expect(r.stderr).toMatch(/--(rank|precision|base-format|method|gpu)/);
    }
  });
});

describe('memory bands on memory, train and finetune', () => {
  it('a fit whose P90 crosses the capacity is never a plain "fits" (torchtitan has measured peaks)', async () => {
    const r = await runCli('train --model llama-3-8b --tokens 1T --gpu h100 --gpus 64 --stack torchtitan');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /memory .* \(P10 .* – P90 .*\)\/GPU: fits on h100-sxm .*(, but P90 exceeds capacity|P90 included)/,
    );
  });
  it('JSON carries range.memoryPerGpuBytes beside the other ranges; a stack without peaks has none', async () => {
    const t = await runCliJson('train --model llama-3-8b --gpu h100 --gpus 8 --stack torchtitan');
    expect(t.json.range.memoryPerGpuBytes.p90).toBeGreaterThan(t.json.memoryPerGpuBytes);
    expect(t.json.range.memoryPerGpuBytes.p10).toBeLessThan(t.json.memoryPerGpuBytes);
    const m = await runCliJson('memory llama-3-8b --gpu h100 --dp 8');
    expect(m.json.range.memoryPerGpuBytes).toBeNull();
    expect(m.json.memoryBand.outside.join(' ')).toMatch(/no measured memory peaks for the megatron stack/);
  });
});
