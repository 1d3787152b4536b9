/** `llmecon flops --ops`: one layer's operation list, consistent with the FLOPs-per-token figures. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/run-cli.js';

describe('llmecon flops --ops', () => {
  it('lists a layer whose FLOPs × layers + head equal the prefill FLOPs of the sequence', async () => {
    const layer = await runCli('flops llama-3-8b --ops --seq-len 2048 --json');
    const head = await runCli('flops llama-3-8b --ops --layer head --seq-len 2048 --json');
    const perToken = await runCli('flops llama-3-8b --seq-len 2048 --json');
    expect(layer.code).toBe(0);
    const ops = JSON.parse(layer.stdout);
    expect(ops.operations.map((op: { name: string }) => op.name)).toEqual(
      expect.arrayContaining(['qkv', 'o', 'attention', 'mlp.gate_up', 'mlp.down', 'norm', 'residual']),
    );
    const prefill = JSON.parse(perToken.stdout).inference.prefillFlopsPerToken;
    expect((32 * ops.flops + JSON.parse(head.stdout).flops) / (2048 * prefill)).toBeCloseTo(1, 9);
  });

  it('shows the expert grouped GEMMs, the all-to-all and the replicated MLA down-projections of DeepSeek-V3', async () => {
    const r = await runCli('flops deepseek-v3 --ops --layer 5 --tp 2 --ep 8 --dtype fp8');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('layer 5 (full attention, moe MLP)');
    expect(r.stdout).toMatch(/experts\.gate_up\s+gemm fp8\s+m 1024 n 2048 k 7168 ×32/);
    expect(r.stdout).toMatch(/q_a\s+gemm fp8 \(replicated\)/);
    expect(r.stdout).toMatch(/dispatch\s+all-to-all\s+group 8/);
  });

  it('decode lists the KV-cache read and all-reduces (no sequence parallelism when serving)', async () => {
    const r = await runCli('flops llama-3-8b --ops --phase decode --batch 64 --tp 2 --json');
    const ops = JSON.parse(r.stdout).operations as { name: string; kvBytes?: number }[];
    expect(ops.find((op) => op.name === 'attention.decode')!.kvBytes).toBeGreaterThan(0);
    expect(ops.some((op) => op.name === 'mlp.all-reduce')).toBe(true);
  });

  it('a looped model (Nanbeige 4.2) says its 6·N counts the shared weights once; a plain one says nothing', async () => {
    const looped = await runCli('flops test/fixtures/hf-configs/hand-built/nanbeige4.2-3b.json');
    expect(looped.stdout).toMatch(/^6·N .*\(N counts shared weights once; .*\)$/m);
    expect((await runCli('flops llama-3-8b')).stdout).toMatch(
      /^6·N \(active, no attention\) +[\d.]+ GFLOP$/m,
    );
  });

  it.each([
    [['--layer', '32'], "error: --layer: must be a layer index 0–31 or 'head', got '32'"],
    [
      ['--tp', '3'],
      'error: --tp: tensor parallelism 3 must divide the 32 attention heads and divide or be a multiple of the 8 KV heads of Meta Llama 3 8B',
    ],
    [['--ep', '2'], 'error: --ep: must be 1: Meta Llama 3 8B has no routed experts, got 2'],
    [
      ['--phase', 'train'],
      "error: --phase: must be one of forward, backward, recompute, prefill, decode, got 'train'",
    ],
  ])('rejects %j with exit 2', async (args, message) => {
    const r = await runCli(['flops', 'llama-3-8b', '--ops', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(message);
  });
  it("a hybrid's lone Mamba-2 group: TP 2 is refused forward (training shards every group) and runs at decode (serving replicates it)", async () => {
    const granite = 'test/fixtures/hf-configs/hand-built/granite-4.0-h-small.json';
    const forward = await runCli(['flops', granite, '--ops', '--tp', '2', '--phase', 'forward']);
    expect(forward.code).toBe(2);
    expect(forward.stderr).toMatch(/^error: --tp: tensor parallelism 2 must divide .* the 1 Mamba-2 group /);
    expect((await runCli(['flops', granite, '--ops', '--tp', '2', '--phase', 'decode'])).code).toBe(0);
    const infer = await runCli(['memory', granite, '--gpu', 'h100', '--tp', '2', '--mode', 'infer']);
    expect(infer.code, infer.stderr).toBe(0);
  });
});
