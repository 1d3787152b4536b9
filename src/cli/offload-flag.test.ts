/** `--offload` and `--offload-activations`: what they move, what they cost, and precise refusals. */
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

const TRAIN_70B_GB300 =
  'train --model llama-3.1-70b --gpu gb300 --gpus 64 --precision fp8 --seq-len 8192 --global-batch 256 --tp 1 --micro-batch 2 --zero 3';

describe('--offload-activations (megatron --cpu-offloading-num-layers)', () => {
  it('train: the layout runs without recomputation or a pipeline, the host holds the layers, the copies hide over C2C', async () => {
    const off = await runCliJson(`${TRAIN_70B_GB300} --offload-activations 20`);
    expect(off.code).toBe(0);
    expect(off.json.layout).toMatchObject({ pp: 1, recompute: 'none' });
    expect(off.json.offload).toMatchObject({
      mode: 'none',
      activationLayers: 20,
      gpusPerHost: 2,
      fits: true,
    });
    expect(off.json.stepBreakdownSeconds.hostTransferSeconds).toBe(0);
    const recomputed = await runCliJson(`${TRAIN_70B_GB300} --dp 64`);
    expect(recomputed.json.layout.recompute).not.toBe('none');
    expect(off.json.stepSeconds).toBeLessThan(recomputed.json.stepSeconds);
    const text = await runCli(`${TRAIN_70B_GB300} --offload-activations 20`);
    expect(text.stdout).toMatch(
      /offload: the activations of 20 layers in host memory, .* per host of 2 GPUs/,
    );
  });

  it('train hints at it where the chosen layout recomputes on one stage and offload beats it by 2%+', async () => {
    const fixed = await runCliJson(`${TRAIN_70B_GB300} --dp 64`);
    expect(fixed.json.layout.recompute).toBe('full');
    const hint = fixed.json.activationOffloadHint;
    expect(hint.layout).toMatchObject({ pp: 1, recompute: 'none' });
    expect(hint.stepSeconds).toBeLessThan(0.98 * fixed.json.stepSeconds);
    // The fewest layers, in eighths of the model, whose peak × 1.1 fits the GPU.
    expect(hint.layers % 10).toBe(0);
    expect(hint.memoryPerGpuBytes * 1.1).toBeLessThanOrEqual(284208 * 2 ** 20); // GB300's nvidia-smi total
    const asked = await runCliJson(`${TRAIN_70B_GB300} --dp 64 --offload-activations ${hint.layers}`);
    expect(asked.json.stepSeconds).toBeCloseTo(hint.stepSeconds, 9);
    expect((await runCli(`${TRAIN_70B_GB300} --dp 64`)).stdout).toContain(
      `hint: --offload-activations ${hint.layers} (megatron's CPU offload`,
    );
    // None where recomputation is fixed, the stack cannot offload, or the GPU has no host data.
    for (const flags of ['--dp 64 --recompute full', '--dp 64 --stack torchtitan'])
      expect((await runCliJson(`${TRAIN_70B_GB300} ${flags}`)).json.activationOffloadHint).toBeNull();
    const noHost = await runCliJson('train --model llama-3-8b --gpu rtx-4090 --gpus 8 --dp 8 --zero 3');
    expect(noHost.json.activationOffloadHint).toBeNull();
  });

  it("the search keeps to layouts whose offloaded activations fit the host's memory", async () => {
    const GB200 = TRAIN_70B_GB300.replace('gb300', 'gb200').replace('--micro-batch 2 ', '');
    const searched = await runCliJson(`${GB200} --offload-activations 79`);
    expect(searched.code).toBe(0);
    expect(searched.json.offload.fits).toBe(true);
    const fixed = await runCli(`${GB200} --micro-batch 4 --cp 1 --offload-activations 79`);
    expect(fixed.code).toBe(3);
    expect(fixed.stdout).toMatch(/fits on the GPU, but its offloaded activations need .* per host of 2 GPUs/);
    expect(fixed.stdout).toContain('host memory');
  });

  it('memory: offloaded layers leave the activations term and show as offloaded', async () => {
    const base =
      'memory llama-3.1-70b --gpu gb200 --dp 64 --zero 3 --micro-batch 2 --seq-len 8192 --precision fp8';
    const none = await runCliJson(`${base} --recompute none`);
    const off = await runCliJson(`${base} --offload-activations 40`);
    expect(off.json.layout.recompute).toBe('none');
    expect(off.json.breakdown.offloadedBytes).toBeGreaterThan(0);
    expect(off.json.breakdown.activations + off.json.breakdown.offloadedBytes).toBeCloseTo(
      none.json.breakdown.activations,
      -6,
    );
    expect(off.json.offload).toMatchObject({ activationLayers: 40, gpusPerHost: 2 });
  });

  it('a stack without it, a pipeline, recomputation, too many layers, no host data or bad values are exit 2', async () => {
    const cases: [command: string, message: string][] = [
      [`${TRAIN_70B_GB300} --stack torchtitan --offload-activations 20`, '--offload-activations: torchtitan'],
      [
        `${TRAIN_70B_GB300} --pp 2 --offload-activations 20`,
        '--pp: activation offload runs without pipeline parallelism',
      ],
      [
        `${TRAIN_70B_GB300} --recompute full --offload-activations 20`,
        '--recompute: activation offload replaces recomputation',
      ],
      [
        `${TRAIN_70B_GB300} --offload-activations 80`,
        '--offload-activations: must be a whole number from 1 to 79',
      ],
      [
        `${TRAIN_70B_GB300} --vpp 2 --offload-activations 20`,
        '--vpp: activation offload runs without pipeline',
      ],
      [
        `${TRAIN_70B_GB300} --schedule dualpipe --offload-activations 20`,
        '--schedule: activation offload runs',
      ],
      [`${TRAIN_70B_GB300} --offload-activations 0`, '--offload-activations'],
      [`${TRAIN_70B_GB300} --offload-activations x`, '--offload-activations'],
      [
        'train --model llama-3-8b --gpu rtx-4090 --gpus 8 --offload-activations 4',
        '--offload-activations: no host data for rtx-4090',
      ],
      ['memory llama-3-8b --mode infer --gpu h100 --offload-activations 4', '--offload-activations'],
      ['memory llama-3-8b --gpu h100 --method lora --offload-activations 4', '--offload-activations'],
    ];
    for (const [command, message] of cases) {
      const r = await runCli(command);
      expect(r.code, command).toBe(2);
      expect(r.stderr, command).toContain(message);
    }
  });
});
