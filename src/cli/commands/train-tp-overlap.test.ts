import { describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../../../test/run-cli.js';

describe('train --tp-comm-overlap: TP collectives pipelined with the GEMMs', () => {
  // Llama 3 70B at TP 4 · PP 8 on 64 H100, NeMo's layout: the TP all-gathers and reduce-scatters are ~10% of the step.
  const base =
    'train --model llama-3.1-70b --gpu h100 --gpus 64 --tp 4 --pp 8 --vpp 5 --micro-batch 1 --recompute none --seq-len 8192 --global-batch 128 --precision fp8 --top 1 --json';
  it('hides all but one chunk of the TP traffic behind the dense GEMMs, and says so', async () => {
    const exposed = await runCliJson(base);
    const overlapped = await runCliJson(`${base} --tp-comm-overlap`);
    expect(exposed.code).toBe(0);
    expect(overlapped.code).toBe(0);
    expect(exposed.json.overlapTensorParallel).toBe(false);
    expect(overlapped.json.overlapTensorParallel).toBe(true);
    const tp = (r: typeof exposed) => r.json.stepBreakdownSeconds.tensorParallelCommSeconds;
    // The GEMMs outlast the transfers here: one chunk of four stays exposed.
    expect(tp(overlapped) / tp(exposed)).toBeCloseTo(1 / 4, 6);
    expect(overlapped.json.stepSeconds).toBeLessThan(exposed.json.stepSeconds);
    const text = await runCli(base.replace(' --json', ' --tp-comm-overlap'));
    expect(text.stdout).toMatch(/best layout: tp 4 .* · TP comm overlapped/);
  });
  it('changes nothing at TP 1', async () => {
    // Llama 3 8B at TP 1 on 8 H100 (the 70B layout above does not fit at TP 1: a run that fits is compared).
    const one =
      'train --model llama-3-8b --gpu h100 --gpus 8 --tp 1 --micro-batch 1 --seq-len 8192 --global-batch 64 --top 1 --json';
    const a = await runCliJson(one);
    const b = await runCliJson(`${one} --tp-comm-overlap`);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(b.json.stepSeconds).toBeGreaterThan(0);
    expect(b.json.stepSeconds).toBe(a.json.stepSeconds);
    // Said as the layout runs it: nothing to overlap at TP 1.
    expect(b.json.overlapTensorParallel).toBe(false);
  });
  it('refused where sequence parallelism is fixed off and TP may exceed 1, as memory refuses it', async () => {
    for (const tp of ['--tp 4', '']) {
      const r = await runCli(`${base.replace('--tp 4 ', '')} ${tp} --no-sequence-parallel --tp-comm-overlap`);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--tp-comm-overlap: needs --sequence-parallel at TP > 1');
    }
  });
  it('a stack without a modelled overlap refuses it, naming the flag and the stack that has it', async () => {
    const r = await runCli(`${base} --stack torchtitan --tp-comm-overlap`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '--tp-comm-overlap: the torchtitan stack has no modelled tensor-parallel communication overlap',
    );
    expect(r.stderr).toContain('the megatron stack has it');
  });
});

describe('memory --tp-comm-overlap: Transformer Engine userbuffers held', () => {
  const base =
    'memory llama-3.1-70b --tp 4 --pp 8 --dp 2 --seq-len 8192 --micro-batch 1 --recompute none --gpu h100';
  it('ten BF16 [s·b, h] buffers at TP > 1 with sequence parallelism; said in JSON and text', async () => {
    const without = await runCliJson(`${base} --sequence-parallel --json`);
    const withUb = await runCliJson(`${base} --sequence-parallel --tp-comm-overlap --json`);
    expect(withUb.json.overlapTensorParallel).toBe(true);
    expect(withUb.json.memoryPerGpuBytes - without.json.memoryPerGpuBytes).toBe(10 * 8192 * 8192 * 2);
    const text = await runCli(`${base} --sequence-parallel --tp-comm-overlap`);
    expect(text.stdout).toContain('TP comm overlapped (userbuffers held)');
  });
  it('refused without sequence parallelism at TP > 1, and with --method', async () => {
    const noSp = await runCli(`${base} --tp-comm-overlap`);
    expect(noSp.code).toBe(2);
    expect(noSp.stderr).toContain('--tp-comm-overlap: needs --sequence-parallel at TP > 1');
    const lora = await runCli('memory llama-3.1-70b --method lora --tp-comm-overlap');
    expect(lora.code).toBe(2);
    expect(lora.stderr).toContain('--tp-comm-overlap');
  });
});
