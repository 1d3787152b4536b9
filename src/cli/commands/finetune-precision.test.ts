/**
 * `finetune --precision` and `memory --method … --precision`: a pure-BF16 full fine-tune (torchtune's
 * dtype bf16, a Trainer run on a model loaded in BF16) holds no FP32 master and BF16 optimizer states;
 * QLoRA computes in BF16 only, and FP8 needs FP8 tensor cores.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/run-cli.js';

const run = '--model llama-3.2-1b --method full --tokens 1M --seq-len 2048 --global-batch 4 --gpu a100-80gb';

describe('finetune --precision', () => {
  it('bf16-pure: no master copy, BF16 moments (8 of mixed precision’s 16 bytes per parameter), said in the text and JSON', async () => {
    const [mixed, pure] = await Promise.all(
      ['bf16', 'bf16-pure'].map(async (p) =>
        JSON.parse((await runCli(`finetune ${run} --precision ${p} --json`)).stdout),
      ),
    );
    expect(mixed.precision).toBe('bf16');
    expect(pure.precision).toBe('bf16-pure');
    const states = (j: { memory: { fastest: { optimizerStates: number } } }) =>
      j.memory.fastest.optimizerStates;
    // Mixed precision: FP32 master + two FP32 moments (12 B); pure BF16: two BF16 moments (4 B).
    expect(states(pure) / states(mixed)).toBeCloseTo(4 / 12, 2);
    expect(pure.memoryPerGpuBytes).toBeLessThan(mixed.memoryPerGpuBytes);
    const text = await runCli(`finetune ${run} --precision bf16-pure`);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toMatch(/on 1 × a100-80gb, bf16-pure$/);
  });
  it('QLoRA trains in BF16 only: another precision is refused, naming the flag', async () => {
    const r = await runCli(
      '--model llama-3.2-1b --method qlora --tokens 1M --gpu a100-80gb --precision bf16-pure'.replace(
        /^/,
        'finetune ',
      ),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--precision: QLoRA trains its adapters in BF16/);
  });
  it('FP8 on a GPU without FP8 tensor cores is refused', async () => {
    const r = await runCli(`finetune ${run} --precision fp8`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--precision: a100-80gb has no FP8 tensor cores/);
  });
  it('memory --method full takes the same precision', async () => {
    const flags = 'llama-3.2-1b --method full --gpu a100-80gb --seq-len 2048 --global-batch 4 --json';
    const [mixed, pure] = await Promise.all(
      ['bf16', 'bf16-pure'].map(async (p) =>
        JSON.parse((await runCli(`memory ${flags} --precision ${p}`)).stdout),
      ),
    );
    expect(pure.precision).toBe('bf16-pure');
    expect(pure.fastest.memoryPerGpuBytes).toBeLessThan(mixed.fastest.memoryPerGpuBytes);
  });
});
