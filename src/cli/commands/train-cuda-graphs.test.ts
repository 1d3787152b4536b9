import { describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../../../test/run-cli.js';

describe('train --full-iteration-cuda-graphs: each step replayed as one CUDA graph', () => {
  // Qwen3 30B-A3B on 8 GB200 as NeMo 26.06's MXFP8 recipe runs it: 16 local experts, the calibration's
  // host time per expert is about a third of the step.
  const base =
    'train --model qwen3-30b-a3b --gpu gb200 --gpus 8 --tp 1 --pp 1 --ep 8 --micro-batch 4 --seq-len 4096 --global-batch 512 --precision fp8 --top 1 --json';
  it('drops the host time per expert and pass, and nothing else; says so', async () => {
    const eager = await runCliJson(base);
    const graphed = await runCliJson(`${base} --full-iteration-cuda-graphs`);
    expect(eager.code).toBe(0);
    expect(graphed.code).toBe(0);
    expect(eager.json.fullIterationCudaGraphs).toBe(false);
    expect(graphed.json.fullIterationCudaGraphs).toBe(true);
    const host = (r: typeof eager) => r.json.stepBreakdownSeconds.hostOverheadSeconds;
    expect(host(eager)).toBeGreaterThan(0.2 * eager.json.stepSeconds);
    expect(host(graphed)).toBe(0);
    expect(graphed.json.stepSeconds).toBeCloseTo(eager.json.stepSeconds - host(eager), 6);
    const text = await runCli(base.replace(' --json', ' --full-iteration-cuda-graphs'));
    expect(text.stdout).toMatch(/best layout: .* · one CUDA graph per step/);
  });
  it('a stack without it refuses it, naming the flag and the stack that has it', async () => {
    const r = await runCli(`${base} --stack hf --full-iteration-cuda-graphs`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '--full-iteration-cuda-graphs: the hf stack has no modelled full-iteration CUDA graph capture',
    );
    expect(r.stderr).toContain('the megatron stack has it (--full-iteration-cuda-graphs)');
  });
});
