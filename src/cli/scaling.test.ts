import { describe, expect, it } from 'vitest';
import { runCli as run } from '../../test/run-cli.js';

describe('llmecon scaling', () => {
  it("--flops 5.76e23 --json: Epoch AI's refit gives Chinchilla's 70B on 1.4T", async () => {
    const r = await run(['scaling', '--flops', '5.76e23', '--json']);
    const a = JSON.parse(r.stdout).allocations['Chinchilla, Epoch AI refit (Besiroglu et al. 2024)'];
    expect(a.params / 1e9).toBeCloseTo(72, 0);
    expect(a.tokens / 1e12).toBeCloseTo(1.33, 2);
  });
  it('a dollar budget buys FLOPs at the GPU price and MFU; a tiny one is below one step', async () => {
    const r = JSON.parse(
      (await run(['scaling', '--usd', '1M', '--gpu', 'h100', '--price-per-gpu-hour', '2', '--json'])).stdout,
    );
    expect(r.flops).toBeCloseTo((1e6 / 2) * 3600 * 989.4e12 * 0.4, -20);
    expect(await run(['scaling', '--usd', '1', '--gpu', 'h100', '--params', '70B'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(
        /^error: --usd: the budget is below one training step: \$1\.00 on h100-sxm .* trains 70\.00B parameters on [\d.]+M tokens, less than one global batch of 4\.19M/,
      ),
    });
    const affordable = await run(['scaling', '--usd', '1M', '--gpu', 'h100', '--params', '7B']);
    expect(affordable.stdout).toMatch(/\n7\.00B parameters on 11\.35T tokens/); // $1M at the catalog H100 price ($2.99, Lambda 2026-05-18; was $2.45 from 2025-03)
  });
  it('bad inputs name the flag', async () => {
    expect((await run(['scaling'])).stderr).toBe(
      'error: --flops: give --flops, --usd with --gpu, or --params with --tokens',
    );
    expect((await run(['scaling', '--usd', '1M'])).stderr).toBe(
      'error: --gpu: a dollar budget needs --gpu (see llmecon gpus)',
    );
    expect((await run(['scaling', '--params', '7B'])).stderr).toBe(
      'error: --tokens: give --tokens (or a budget: --flops, or --usd with --gpu) with --params',
    );
    expect((await run(['scaling', '--tokens', '7B'])).stderr).toBe(
      'error: --params: give --params with --tokens',
    );
    expect((await run(['scaling', '--flops', '-3'])).code).toBe(2);
    expect((await run(['scaling', '--flops', '1e24', '--mfu', '2'])).stderr).toBe(
      'error: --mfu: --mfu applies only to a dollar budget (--usd); --flops is already FLOPs',
    );
    expect((await run(['scaling', '--params', '7B', '--tokens', '1T', '--gpu', 'h100'])).stderr).toBe(
      'error: --gpu: --gpu applies only to a budget; --tokens is given',
    );
  });
  it('predicts the loss of a run and the inference-aware size', async () => {
    const loss = await run(['scaling', '--params', '70B', '--tokens', '1.4T']);
    expect(loss.stdout).toMatch(/Chinchilla, Epoch AI refit .* 1\.974/);
    const over = await run(['scaling', '--flops', '1e24', '--inference-tokens', '100T']);
    expect(over.stdout).toMatch(/To reach the same loss .* and then serve 100\.00T tokens/);
  });
});

describe('llmecon trends', () => {
  it('projects the frontier and a fixed capability with P5/P50/P95', async () => {
    const p = JSON.parse((await run(['trends', '--base-usd', '5.576M', '--years', '3', '--json'])).stdout);
    expect(p.frontierUsd).toHaveLength(4);
    expect(p.frontierUsd[3].p50 / 5.576e6 / 2.4 ** 3).toBeCloseTo(1, 1);
    expect(p.fixedCapabilityUsd[3].p50).toBeLessThan(5.576e6 / 20);
    expect((await run(['trends', '--years', '0'])).code).toBe(2);
  });
});
