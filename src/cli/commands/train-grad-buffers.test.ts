import { describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../../../test/run-cli.js';

describe('--bf16-grad-buffers: main-grad buffers in BF16, as NeMo performance recipes keep them', () => {
  // NeMo's published GB300 Llama 3.1 405B layout (FP8, TP2 · PP8 · CP2 · VP4, no recomputation).
  const layout =
    '--gpu gb300 --tp 2 --pp 8 --cp 2 --vpp 4 --dp 8 --micro-batch 1 --seq-len 8192 --global-batch 1536 --precision fp8 --sequence-parallel --tp-comm-overlap --recompute none';
  it('memory: the published layout fits with BF16 buffers and not with FP32 ones; gradients halve', async () => {
    const fp32 = await runCliJson(`memory llama-3.1-405b ${layout} --json`);
    const bf16 = await runCliJson(`memory llama-3.1-405b ${layout} --bf16-grad-buffers --json`);
    expect(fp32.code).toBe(3);
    expect(bf16.code).toBe(0);
    expect(bf16.json.bf16GradBuffers).toBe(true);
    const grads = (r: typeof bf16) => r.json.breakdown.gradients;
    expect(grads(bf16)).toBeCloseTo(grads(fp32) / 2, 0);
  });
  it('train: the published layout runs without recomputation, and says so', async () => {
    const train = `train --model llama-3.1-405b --gpus 256 ${layout.replace('--dp 8 ', '')} --top 1`;
    const r = await runCliJson(`${train} --bf16-grad-buffers --json`);
    expect(r.code).toBe(0);
    expect(r.json.bf16GradBuffers).toBe(true);
    expect(r.json.layout.recompute).toBe('none');
    expect((await runCli(`${train} --bf16-grad-buffers`)).stdout).toMatch(/· BF16 main-grad buffers/);
  });
  it('finetune: BF16 buffers make a data-parallel SFT step shorter (less accumulated and reduced)', async () => {
    const ft =
      'finetune --model llama-3.1-70b --gpu gb300 --gpus 32 --tp 1 --pp 2 --vpp 20 --micro-batch 1 --method full --stack megatron --precision fp8 --global-batch 32 --seq-len 4096 --tokens 10M --json';
    const fp32 = await runCliJson(ft);
    const bf16 = await runCliJson(`${ft} --bf16-grad-buffers`);
    expect(bf16.json.stepSeconds).toBeLessThan(fp32.json.stepSeconds);
  });
  it('FP32 training refuses it (its gradients stay in FP32 whatever the switch), in memory and train', async () => {
    for (const command of [
      'memory llama-3-8b --gpu h100',
      'train --model llama-3-8b --gpu h100 --gpus 8 --tokens 1B',
    ]) {
      const r = await runCli(`${command} --precision fp32 --bf16-grad-buffers`);
      expect(r.code, command).toBe(2);
      expect(r.stderr).toContain(
        "--bf16-grad-buffers: FP32 training keeps its gradients in the parameters' FP32",
      );
    }
  });
  it('a stack without the switch refuses it, naming the flag and the stack that has it', async () => {
    const r = await runCli('memory llama-3-8b --gpu h100 --stack hf --bf16-grad-buffers');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '--bf16-grad-buffers: the hf stack has no modelled BF16 main-grad buffers; the megatron stack has it (--bf16-grad-buffers)',
    );
  });
});
