import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';

/** The least-memory layout's breakdown of `memory … --json` (flags as one string). */
const breakdown = async (flags: string) => {
  const r = await runCli(['memory', ...flags.split(' '), '--json']);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout).leastMemory.breakdown as Record<string, number>;
};
const FIXED = '--tp 1 --pp 1 --micro-batch 1 --recompute full --seq-len 4096';

describe('adapter states shard as the matrices they adapt', () => {
  const lora = (gpus: number, zero: number) =>
    breakdown(
      `llama-3.1-8b --method lora --targets all --rank 256 --gpu h100 --gpus ${gpus} --dp ${gpus} --zero ${zero} ${FIXED}`,
    );

  it('ZeRO-3 (FSDP) shards the adapters over the data-parallel ranks as it does the frozen base', async () => {
    const [one, eight, zero1] = [await lora(1, 3), await lora(8, 3), await lora(8, 1)];
    expect(eight.adapters).toBeCloseTo(one.adapters! / 8, 0);
    // ZeRO-1 keeps every rank's adapters whole; only their optimizer states shard.
    expect(zero1.adapters).toBeCloseTo(one.adapters!, 0);
  });

  it('expert adapters split over expert parallelism with their experts (Qwen3 30B-A3B, experts only)', async () => {
    const run = (ep: number) =>
      breakdown(
        `qwen3-30b-a3b --method lora --targets experts --gpu h100 --gpus 8 --dp 8 --zero 1 --ep ${ep} --stack megatron ${FIXED}`,
      );
    const [ep1, ep8] = [await run(1), await run(8)];
    expect(ep8.adapters).toBeCloseTo(ep1.adapters! / 8, 0);
    expect(ep8.gradients).toBeCloseTo(ep1.gradients! / 8, 0);
    // ZeRO-1 shards their optimizer states over the expert data-parallel ranks: 8 at EP 1, 1 at EP 8.
    expect(ep8.optimizerStates).toBeCloseTo(ep1.optimizerStates!, 0);
  });
});
