/**
 * `serve` on decode steps beyond the engine's CUDA-graph capture: the plan says so and which concurrency
 * stays within it; the deployment's own capture (`--cuda-graph-batch`) replaces the profile's, SGLang's
 * derived memory share reserves for it, and an engine whose profile states none is then held to it too;
 * a reserve that fills the GPU is named as the reason nothing fits.
 */
import { describe, expect, it } from 'vitest';
import { runCli as run, SERVE_8B_H100 } from '../../test/run-cli.js';

describe('serve: eager decode beyond the CUDA-graph capture', () => {
  it('says when decode batches exceed the engine CUDA-graph capture, and which concurrency stays within it', async () => {
    const args = [...SERVE_8B_H100, '--input-tokens', '200', '--output-tokens', '200', '--engine', 'sglang'];
    const full = await run([...args, '--json']);
    expect(full.code).toBe(0);
    // SGLang's cuda_graph_max_bs on an H100 at TP 1: 256 (ServerArgs, catalog/engines/sglang.json).
    const plan = JSON.parse(full.stdout);
    expect(plan.eagerDecode.cudaGraphMaxBatch).toBe(256);
    expect(plan.eagerDecode.decodeBatchPerRank).toBe(plan.concurrencyPerReplica);
    expect((await run(args)).stdout).toMatch(
      /eager decode: \d+ sequences per decode step exceed the SGLang CUDA-graph capture of 256.*concurrency 256 stays within it/,
    );
    const within = JSON.parse((await run([...args, '--concurrency', '256', '--json'])).stdout);
    expect(within.eagerDecode).toBeNull();
    // vLLM's profile states no capture limit: nothing is said.
    const lengths = [...SERVE_8B_H100, '--input-tokens', '200', '--output-tokens', '200'];
    const vllm = JSON.parse((await run([...lengths, '--engine', 'vllm', '--json'])).stdout);
    expect(vllm.eagerDecode).toBeNull();
    // The deployment's own capture: SGLang reserves memory by it, and vLLM is then held to it too.
    const wide = JSON.parse((await run([...args, '--cuda-graph-batch', '4096', '--json'])).stdout);
    expect(wide.eagerDecode).toBeNull();
    expect(wide.maxConcurrency).toBeLessThan(plan.maxConcurrency);
    const narrow = await run([...lengths, '--engine', 'vllm', '--cuda-graph-batch', '64']);
    expect(narrow.stdout).toMatch(
      /eager decode: \d+ sequences per decode step exceed the vLLM \(V1 engine\) CUDA-graph capture of 64/,
    );
    expect((await run([...lengths, '--cuda-graph-batch', '64'])).stderr).toMatch(
      /^error: --cuda-graph-batch: applies only with --engine/,
    );
    expect((await run([...args, '--cuda-graph-batch', '0'])).stderr).toMatch(
      /^error: --cuda-graph-batch: must be a whole number ≥ 1/,
    );
  });

  it('a capture or a prefill chunk whose reserve fills the GPU is named as the reason nothing fits', async () => {
    const base = [...SERVE_8B_H100, '--input-tokens', '1000', '--output-tokens', '100', '--engine', 'sglang'];
    for (const [flag, value] of [
      ['--cuda-graph-batch', '100000'],
      ['--chunk-tokens', '1000000'],
    ] as const) {
      const r = await run([...base, flag, value]);
      expect(r.code).toBe(3);
      expect(r.stdout).toMatch(
        /SGLang's own reserve on h100-sxm \(for its prefill chunk of \d+ tokens, its CUDA-graph batch and metadata\) leaves at most 0% of the GPU's memory for the weights and KV cache on any layout tried: lower --chunk-tokens or --cuda-graph-batch, or state the deployment's --mem-fraction/,
      );
    }
  });
});
