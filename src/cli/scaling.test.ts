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
  it('parameters and tokens are counts ≥ 1, and a budget too small for a whole parameter is refused', async () => {
    for (const argv of [
      ['scaling', '--params', '5e-324', '--tokens', '1'],
      ['scaling', '--params', '5e-324', '--tokens', '1', '--json'],
    ])
      expect(await run(argv)).toEqual({
        code: 2,
        stdout: '',
        stderr: "error: --params: must be at least 1 and at most 1e16 (parameters), got '5e-324'",
      });
    expect((await run(['scaling', '--params', '1', '--tokens', '0.5'])).stderr).toBe(
      "error: --tokens: must be at least 1 and at most 1e16 (tokens), got '0.5'",
    );
    // 6·N·D = 6 FLOPs: the Epoch refit's compute-optimal model would have 0.12 parameters.
    expect(await run(['scaling', '--params', '1', '--tokens', '1'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error: --params: 6 × 1 parameters × 1 tokens = 6.00e+0 FLOPs is too small for the scaling laws: Chinchilla, Epoch AI refit (Besiroglu et al. 2024) splits it into 0.12 parameters on 8.36 tokens; the least budget with one whole parameter and token there is 3.78e+2 FLOPs (the fits were measured on 70M–16B parameters, Chinchilla, and 768–1.5B non-embedding parameters, Kaplan)',
    });
    // A one-token batch lets 1e6 FLOPs past the one-step check; Kaplan's rule would give 0.09 parameters.
    expect((await run(['scaling', '--flops', '1e6', '--global-batch-tokens', '1', '--json'])).stderr).toMatch(
      /^error: --flops: 1\.00e\+6 FLOPs is too small for the scaling laws: Kaplan et al\. 2020 .* splits it into 0\.09 parameters .* 2\.83e\+7 FLOPs/,
    );
    const small = await run(['scaling', '--params', '8', '--tokens', '8', '--json']);
    expect(small.code).toBe(0);
    expect(JSON.parse(small.stdout).computeOptimalAtSameFlops.params).toBeGreaterThanOrEqual(1);
  });
  it('predicts the loss of a run and the inference-aware size', async () => {
    const loss = await run(['scaling', '--params', '70B', '--tokens', '1.4T']);
    expect(loss.stdout).toMatch(/Chinchilla, Epoch AI refit .* 1\.974/);
    const over = await run(['scaling', '--flops', '1e24', '--inference-tokens', '100T']);
    expect(over.stdout).toMatch(/To reach the same loss .* and then serve 100\.00T tokens/);
  });
  it('a run given by --params and --tokens refuses what it would not use, and a batch larger than the run', async () => {
    const given = ['scaling', '--params', '70B', '--tokens', '1.4T'];
    const inference = await run([...given, '--inference-tokens', '1T']);
    expect([inference.code, inference.stderr]).toEqual([
      2,
      expect.stringMatching(/^error: --inference-tokens: /),
    ]);
    const batch = await run([...given, '--global-batch-tokens', '5e9']);
    expect(batch.code).toBe(0);
    const huge = await run(['scaling', '--params', '70B', '--tokens', '1B', '--global-batch-tokens', '4e9']);
    expect([huge.code, huge.stderr]).toEqual([
      2,
      expect.stringMatching(/^error: --tokens: 1\.00B tokens are less than one global batch/),
    ]);
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
