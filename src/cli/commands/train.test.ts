import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/run-cli.js';

describe('train honours every fixed flag', () => {
  it('a GPU count with no valid split exits 2 and names nearby counts that work', async () => {
    const r = await runCli('train --model llama-3-8b --gpu h100 --gpus 1000 --global-batch 1024');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('1000 GPUs have no valid split');
    expect(r.stderr).toMatch(/counts that work nearby: .*\b1024\b/);
    expect(r.stderr).toContain('or a global batch of 1000 sequences, which 1000 GPUs split');
  });
  it('a count that a data-parallel-only stack cannot split names its limits and what works (exit 2)', async () => {
    const r = await runCli('finetune --model llama-3-8b --gpu h100 --gpus 12 --tokens 20M');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '(tp 1: Hugging Face Trainer / TRL / PEFT runs no tensor parallelism, pp 1, dp divides the global batch 16)',
    );
    expect(r.stderr).toContain('give a GPU count that divides the global batch of 16');
    expect(r.stderr).toContain('or a global batch of 24 sequences');
  });
  it('--precision fp8 on a stack without an FP8 recipe exits 2 naming the flag; hf runs it through Accelerate', async () => {
    const r = await runCli('train --model llama-3-8b --gpu h100 --gpus 8 --precision fp8 --stack unsloth');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --precision: Unsloth.* has no FP8 training recipe .*train in bf16/);
    expect(
      (await runCli('train --model llama-3-8b --gpu h100 --gpus 8 --precision fp8 --stack hf')).code,
    ).toBe(0);
  });
  it('a fixed layout that does not fit reports its own memory and the term to cut (exit 3)', async () => {
    const r = await runCli(
      'train --model llama-3.1-70b --gpu h100 --gpus 64 --tp 4 --pp 2 --dp 8 --micro-batch 4 --recompute none',
    );
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(
      /the fixed layout needs [\d.]+ GiB per GPU \(pipeline stage 0, 40 layers\) of 79\.6 GiB/,
    );
    expect(r.stdout).toContain('the largest term is activations');
  });
  it('the step and tokens/s per GPU carry their P10–P90 in the text', async () => {
    const r = await runCli('train --model llama-3-8b --gpu h100 --gpus 8 --tokens 10B');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /step [\d.]+ s \(P10 [\d.]+ – P90 [\d.]+\) · [\d.]+K? tokens\/s\/GPU \(P10 [\d.]+K? – P90 [\d.]+K?\)/,
    );
  });
  it('--recompute selective is kept with FlashAttention', async () => {
    const r = await runCli(
      'train --model llama-3-8b --gpu h100 --gpus 8 --recompute selective --attention flash3 --json',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).layout.recompute).toBe('selective');
  });
  it('--attention unfused stores the s² scores unless selective recomputation drops them', async () => {
    const memory = async (recompute: string) => {
      const r = await runCli([
        'memory',
        'llama-3-8b',
        '--attention',
        'unfused',
        '--recompute',
        recompute,
        '--seq-len',
        '4096',
        '--json',
      ]);
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout).memoryPerGpuBytes as number;
    };
    expect(await memory('selective')).toBeLessThan(await memory('none'));
  });
  it('an unknown attention kernel is an input error naming the allowed ones', async () => {
    const r = await runCli('memory llama-3-8b --attention flash9');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('flash2, flash3, cudnn, unfused');
  });
  it('a layout whose estimate fits but whose measured-peak band sits above capacity says it will most likely run out of memory, and names the layout that fits at the P90', async () => {
    // torchtitan's pipeline-parallel peaks all sat above the engine (docs/training-engine.md): even P10 is over 80 GB
    // here at ZeRO-1 (searched, ZeRO-2 is as fast with less memory).
    const line =
      'train --model llama-3.1-405b --gpu h100 --gpus 512 --tp 8 --pp 8 --seq-len 8192 --global-batch 512 --stack torchtitan --zero 1';
    const r = await runCli(line);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /the estimate fits on h100-sxm .* but even P10 exceeds capacity .*most likely run out of memory/,
    );
    const json = JSON.parse((await runCli(`${line} --json`)).stdout);
    expect(json.memoryFit).toBe('p10-over');
    expect(json.range.memoryPerGpuBytes.p10).toBeGreaterThan(json.memoryPerGpuBytes);
    // ... the fastest layout that fits at the band's P90, as --memory-fit p90 plans it, a little slower.
    const atP90 = JSON.parse((await runCli(`${line} --json --memory-fit p90`)).stdout);
    expect(json.likelyFit).toEqual({ memoryFitAt: 'p90', best: atP90.top[0], fixedFlags: true });
    expect(atP90.memoryFit).toBe('fits');
    expect(atP90.range.memoryPerGpuBytes.p90).toBeLessThanOrEqual(80 * 2 ** 30);
    expect(atP90.stepSeconds).toBeGreaterThan(json.stepSeconds);
    expect(atP90.likelyFit).toBeNull();
    expect(r.stdout).toMatch(
      /fits at its memory band's P90 \(nine in ten measured peaks would\): .* GiB\/GPU \(P90 .* GiB\): .* s a step \(\+\d+%\); --memory-fit p90 plans with it/,
    );
    // Every flag fixed: none fits at the P90, and the advice is to drop some.
    const fixed = await runCli(`${line} --dp 4 --cp 2 --zero 1 --vpp 4 --micro-batch 1 --recompute none`);
    expect(fixed.stdout).toContain(
      "at the memory band's P90 (--memory-fit p90) no layout with the fixed flags fits: drop some of them",
    );
  });
  it('--memory-fit p90 on a stack without measured peaks has no band to fit at (exit 2)', async () => {
    const megatron = await runCli('train --model llama-3-8b --gpu h100 --gpus 8 --memory-fit p90');
    expect(megatron.code).toBe(2);
    expect(megatron.stderr).toMatch(
      /^error: --memory-fit: the megatron stack has no P10–P90 memory band to fit at \(no measured memory peaks/,
    );
  });
});

describe('train splits the global batch over the GPUs', () => {
  it('a batch in tokens moves within ±5% to one the GPUs split, and says so', async () => {
    const r = await runCli(
      'train --model llama-2-7b --gpu a100-80gb --gpus 2048 --seq-len 4096 --global-batch-tokens 4M --json',
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.globalBatchSize).toBe(1024);
    expect(out.layout.dp * out.layout.cp).toBeGreaterThan(1);
    expect(out.warnings.join('\n')).toContain(
      '976.6 sequences, which 2048 GPUs split over at most 1 data-parallel rank',
    );
  });
  it('a batch in sequences that no layout splits exits 2 naming --global-batch and a batch that runs', async () => {
    const r = await runCli(
      'train --model llama-2-7b --gpu a100-80gb --gpus 2048 --seq-len 4096 --global-batch 977',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: --global-batch: the global batch of 977 sequences splits over at most 1 data-parallel rank of 2048 GPUs .*1024 sequences \(\+4\.8%\) splits over 1024, and only that one runs/,
    );
  });
  it('a fine-tuning batch the stack cannot split names the batch, not "a count with more factors of 2"', async () => {
    const r = await runCli(
      'finetune --model llama-3.1-8b --method full --gpu h100 --gpus 8 --tokens 10M --seq-len 4096 --global-batch 100',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --global-batch: .*96 sequences \(-4\.0%\) splits over 8/);
    expect(r.stderr).not.toContain('factors of 2');
  });
});
