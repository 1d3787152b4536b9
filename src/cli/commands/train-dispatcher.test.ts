import { describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../../../test/run-cli.js';

describe('train --ep-dispatcher: how tokens reach their experts', () => {
  // Qwen3-30B-A3B at EP 8 on one node of H100: DeepEP sends a token once per GPU its top-8 experts reach.
  const base =
    'train --model qwen3-30b-a3b --gpu h100 --gpus 8 --stack torchtitan --tp 1 --pp 1 --ep 8 --micro-batch 4 --recompute full --zero 3 --global-batch 512 --top 1 --json';
  it('deepep cuts the exposed all-to-all and says so; all-to-all is the default', async () => {
    const perExpert = await runCliJson(base);
    const deepep = await runCliJson(`${base} --ep-dispatcher deepep`);
    expect(perExpert.code).toBe(0);
    expect(deepep.code).toBe(0);
    expect(perExpert.json.tokenDispatcher).toBe('all-to-all');
    expect(deepep.json.tokenDispatcher).toBe('deepep');
    const comm = (r: typeof perExpert) => r.json.stepBreakdownSeconds.expertParallelCommSeconds;
    // Distinct GPUs of 8 a token's 8 experts (of 128, 16 a GPU) reach: 8·(1 − C(112,8)/C(128,8)) ≈ 5.3.
    expect(comm(deepep) / comm(perExpert)).toBeGreaterThan(0.6);
    expect(comm(deepep) / comm(perExpert)).toBeLessThan(0.7);
    expect(deepep.json.stepSeconds).toBeLessThan(perExpert.json.stepSeconds);
    const text = await runCli(base.replace(' --json', ' --ep-dispatcher deepep'));
    expect(text.stdout).toMatch(/best layout: .*ep 8.* · DeepEP dispatch/);
  });
  it('an unknown dispatcher is an input error naming the flag and the choices', async () => {
    const r = await runCli(`${base} --ep-dispatcher nccl`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--ep-dispatcher: must be one of all-to-all, deepep, got 'nccl'");
  });
  it('a dense model refuses the dispatcher and --overlap-ep (they would do nothing), naming both', async () => {
    const r = await runCli(
      'train --model llama-3-8b --gpu h100 --gpus 8 --tokens 1B --ep-dispatcher deepep --overlap-ep',
    );
    expect(r.code).toBe(2);
    for (const flag of ['--ep-dispatcher', '--overlap-ep'])
      expect(r.stderr).toContain(
        `error: ${flag}: applies only with a mixture-of-experts model: Meta Llama 3 8B is dense`,
      );
  });
});
