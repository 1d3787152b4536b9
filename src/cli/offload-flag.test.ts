/** `--offload` on train, finetune and memory: what it moves, what it costs, and precise refusals. */
import { describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../../test/run-cli.js';

const MEMORY_70B = 'memory llama-3.1-70b --gpu h100 --tp 8 --dp 8';
const TRAIN_8B = 'train --model llama-3-8b --gpu h100 --gpus 8 --global-batch 64 --tp 1 --pp 1';

describe('--offload', () => {
  it('memory: optimizer states leave the GPU and show as offloaded, with the host per node', async () => {
    const none = await runCliJson(MEMORY_70B);
    const off = await runCliJson(`${MEMORY_70B} --offload optimizer`);
    expect(off.code).toBe(0);
    expect(off.json.breakdown.optimizerStates).toBe(0);
    expect(off.json.breakdown.offloadedBytes).toBeCloseTo(none.json.breakdown.optimizerStates, 0);
    expect(off.json.memoryPerGpuBytes).toBeLessThan(none.json.memoryPerGpuBytes);
    expect(off.json.offload).toMatchObject({ mode: 'optimizer', gpusPerHost: 8, fits: true });
    expect(off.json.offload.bytesPerHost).toBeCloseTo(8 * off.json.offload.bytesPerGpu, 0);
    const text = await runCli(`${MEMORY_70B} --offload optimizer`);
    expect(text.stdout).toContain('offloaded to host (not counted)');
    expect(text.stdout).toMatch(/offload: optimizer states in host memory, .* per host of 8 GPUs/);
  });

  it('train: the CPU step and host copies enter the step; the layout keeps a ZeRO stage that shards them', async () => {
    const none = await runCliJson(TRAIN_8B);
    const off = await runCliJson(`${TRAIN_8B} --offload optimizer`);
    expect(off.code).toBe(0);
    expect(off.json.stepBreakdownSeconds.hostTransferSeconds).toBeGreaterThan(0);
    expect(off.json.stepBreakdownSeconds.optimizerSeconds).toBeGreaterThan(
      none.json.stepBreakdownSeconds.optimizerSeconds,
    );
    expect(off.json.layout.zero).toBeGreaterThanOrEqual(1);
    expect(off.json.offload.mode).toBe('optimizer');
  });

  it('a stack that does not offload is exit 2 naming the flag and what it runs', async () => {
    const megatron = await runCli(`${MEMORY_70B} --offload optimizer+params`);
    expect(megatron.code).toBe(2);
    expect(megatron.stderr).toContain(
      "--offload: Megatron-Core / NeMo does not offload 'optimizer+params' to host memory; it offloads: optimizer",
    );
    const unsloth = await runCli(
      'finetune --model llama-3-8b --method lora --tokens 1M --gpu h100 --stack unsloth --offload optimizer',
    );
    expect(unsloth.code).toBe(2);
    expect(unsloth.stderr).toMatch(/--offload: .*Unsloth.* does not offload 'optimizer'.*it runs no offload/);
  });

  it('bad values, a GPU without host data, a ZeRO stage below the mode and inference are exit 2', async () => {
    const cases: [command: string, message: string][] = [
      [
        `${MEMORY_70B} --offload cpu`,
        "--offload: 'cpu' is not an offload mode; one of: none, optimizer, optimizer+params",
      ],
      ['memory llama-3-8b --gpu rtx-4090 --offload optimizer', '--offload: no host data for rtx-4090'],
      [
        `${TRAIN_8B} --zero 0 --offload optimizer`,
        "--zero: offload 'optimizer' moves each rank's shard and needs ZeRO-1 or above",
      ],
      ['memory llama-3-8b --mode infer --gpu h100 --offload optimizer', '--offload'],
    ];
    for (const [command, message] of cases) {
      const r = await runCli(command);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    }
  });
});
