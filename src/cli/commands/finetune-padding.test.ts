import { describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../../../test/run-cli.js';

// s1K-like examples (mean 4,100 tokens, block size 32,768) on 16 H100 at micro-batch 1.
const S1 =
  'finetune --model qwen2.5-32b --method full --examples 1000 --avg-tokens 4100 --epochs 5 --seq-len 32768 --no-packing --global-batch 16 --gpu h100 --gpus 16';

describe('finetune --padding longest --length-p99: each step at the longest example in flight', () => {
  it('runs each step at the expected longest of the 16 ranks, between the mean and --seq-len, and says so', async () => {
    const { code, json } = await runCliJson(`${S1} --padding longest --length-p99 12300`);
    expect(code).toBe(0);
    expect(json.stepSequenceTokens).toBeGreaterThan(4100 * 2);
    expect(json.stepSequenceTokens).toBeLessThan(4100 * 2.6);
    expect(json.tokensProcessed).toBe(5000 * json.stepSequenceTokens);
    const flat = await runCliJson(`${S1} --padding longest`);
    expect(flat.json.stepSequenceTokens).toBe(4100);
    expect(json.stepSeconds).toBeGreaterThan(flat.json.stepSeconds);
    const text = await runCli(`${S1} --padding longest --length-p99 12300`);
    expect(text.stdout).toMatch(/each step padded to its longest: 9\.\d+K tokens/);
  }, 120_000);
  it("sizes memory at the micro-batch holding the dataset's longest example; where none holds it, a warning naming what it needs", async () => {
    const fixed = '--zero 3 --recompute full --micro-batch 1';
    const h200 = await runCliJson(
      `${S1} --padding longest --length-p99 12300 ${fixed}`.replace('h100', 'h200'),
    );
    expect(h200.code).toBe(0);
    // The expected longest of 1,000 examples is longer than the longest of a step's 16.
    expect(h200.json.longestSequence.tokens).toBeGreaterThan(h200.json.stepSequenceTokens * 1.5);
    expect(h200.json.longestSequence.fits).toBe(true);
    const atStep = await runCliJson(
      S1.replace('--seq-len 32768', `--seq-len ${h200.json.stepSequenceTokens}`).replace('h100', 'h200') +
        ` --padding max-length ${fixed}`,
    );
    expect(h200.json.memoryPerGpuBytes).toBeGreaterThan(atStep.json.memoryPerGpuBytes);
    const h100 = await runCli(`${S1} --padding longest --length-p99 12300`);
    expect(h100.code).toBe(0);
    expect(h100.stdout).toMatch(
      /warning: the plan holds the steps' micro-batches .* no layout on h100-sxm holds the one with the dataset's longest example \(about 20,\d{3} tokens: the expected longest of 1,000 .*; the closest needs [\d.]+ GiB of 79\.\d+ GiB\): a step that reaches it may run out of memory/,
    );
  }, 120_000);
  it('--stack deepspeed takes the hf calibration and says where it comes from', async () => {
    const r = await runCli(`${S1} --padding longest --length-p99 12300 --stack deepspeed`);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('of the hf stack');
  }, 120_000);
  it.each([
    [
      '--padding longest --length-p99 3000',
      /--length-p99: must lie above the mean example length \(4100 tokens\)/,
    ],
    [
      '--length-p99 12300',
      /--length-p99: a length spread needs --padding longest \(and --no-packing\), or --packing-mask/,
    ],
    ['--padding shortest', /--padding: must be one of max-length, longest, got 'shortest'/],
  ])('%s: exit 2 naming the flag', async (extra, message) => {
    const r = await runCli(`${S1} ${extra}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
  it('--padding with packing: exit 2, padding applies without packing', async () => {
    const r = await runCli(
      'finetune --model qwen2.5-32b --method full --tokens 4.1M --epochs 5 --seq-len 8192 --padding longest --gpu h100 --gpus 16',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--padding: padding applies without packing/);
  });
});
