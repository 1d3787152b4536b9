import { describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../../../test/run-cli.js';

describe('--recompute-modules: selective recomputation by Megatron-Core module', () => {
  // Megatron-MoE-ModelZoo's Qwen3-235B long-context layout (16K tokens on 256 H100).
  const layout =
    '--gpu h100 --tp 4 --pp 8 --vpp 4 --ep 8 --etp 1 --dp 8 --micro-batch 1 --seq-len 16384 --global-batch 256 --sequence-parallel';
  it('memory: the published layout fits with layernorm and moe recomputed (it implies --recompute selective)', async () => {
    const r = await runCliJson(`memory qwen3-235b-a22b ${layout} --recompute-modules layernorm,moe --json`);
    expect(r.code).toBe(0);
    expect(r.json.layout.recompute).toBe('selective');
    expect(r.json.recomputeModules).toEqual(['layernorm', 'moe']);
    expect(r.json.fits).toBe(true);
    const text = await runCli(`memory qwen3-235b-a22b ${layout} --recompute-modules layernorm,moe`);
    expect(text.stdout).toContain('recompute selective (layernorm, moe)');
  });
  it('train prints the modules with the layout and in JSON', async () => {
    const r = await runCli(
      `train --model qwen3-235b-a22b ${layout} --gpus 256 --recompute-modules moe,layernorm --top 1`,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/best layout: .*recompute selective \(moe, layernorm\)/);
  });
  it('refuses a mode other than selective, unknown module names and stacks other than Megatron', async () => {
    const cases: [string, string][] = [
      ['--recompute full --recompute-modules moe', 'it needs --recompute selective, got --recompute full'],
      [
        '--recompute-modules moe,router',
        "must be one of core_attn, layernorm, moe_act, moe, mla_up_proj, mlp, shared_experts, got 'router'",
      ],
      ['--stack torchtitan --recompute-modules moe', 'it needs --stack megatron, got --stack torchtitan'],
      ['--recompute-modules mla_up_proj', 'mla_up_proj recomputes multi-latent attention'],
      // Qwen3-235B-A22B has no shared experts: the module would recompute nothing.
      [
        '--recompute-modules moe,shared_experts',
        'shared_experts recomputes the shared experts: Qwen3 235B-A22B has none',
      ],
    ];
    for (const [flags, message] of cases) {
      const r = await runCli(`memory qwen3-235b-a22b ${layout} ${flags}`);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    }
    const dense = await runCli(
      'train --model llama-3-8b --gpu h100 --gpus 8 --tokens 1B --recompute-modules moe,core_attn',
    );
    expect(dense.code).toBe(2);
    expect(dense.stderr).toContain(
      '--recompute-modules: moe recomputes mixture-of-experts layers: Meta Llama 3 8B is dense',
    );
    const fineTuning = await runCli('memory llama-3-8b --method lora --recompute-modules moe');
    expect(fineTuning.code).toBe(2);
    expect(fineTuning.stderr).toContain('--recompute-modules');
  });
});
