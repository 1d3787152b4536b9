import { describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../../../test/run-cli.js';

describe("--recompute-num-layers: Megatron-Core's block recomputation of the first N layers per chunk", () => {
  // Llama 3.1 70B on TP 8 · PP 4 at 8K tokens with sequence parallelism (20 layers per stage): 56.9 GiB
  // a GPU without recomputation, 37.4 GiB with full recomputation, 47.3 GiB at N = 10.
  const layout = '--gpu h100 --tp 8 --pp 4 --dp 1 --seq-len 8192 --global-batch 64 --sequence-parallel';
  it('memory: it implies --recompute full, prints the layers and lands between none and full', async () => {
    const peak = async (flags: string) => {
      const r = await runCliJson(`memory llama-3.1-70b ${layout} ${flags} --json`);
      expect(r.code).toBe(0);
      return r.json;
    };
    const none = await peak('--recompute none');
    const full = await peak('--recompute full');
    const ten = await peak('--recompute-num-layers 10');
    expect(ten.layout.recompute).toBe('full');
    expect(ten.recomputeLayers).toBe(10);
    expect(ten.memoryPerGpuBytes).toBeGreaterThan(full.memoryPerGpuBytes);
    expect(ten.memoryPerGpuBytes).toBeLessThan(none.memoryPerGpuBytes);
    // Every layer of the stage: full recomputation.
    expect((await peak('--recompute-num-layers 20')).memoryPerGpuBytes).toBe(full.memoryPerGpuBytes);
    const text = await runCli(`memory llama-3.1-70b ${layout} --recompute-num-layers 10`);
    expect(text.stdout).toContain('recompute full (first 10 layers of each pipeline chunk)');
    // N beyond a chunk's 20 layers is full recomputation, and says so.
    const all = await runCli(`memory llama-3.1-70b ${layout} --recompute-num-layers 25`);
    expect(all.stdout).toContain(
      "warning: --recompute-num-layers 25 covers every layer of each of this layout's 4 pipeline chunks (20 at most): it is full recomputation here",
    );
  });
  it('train: the fixed layout runs slower than without recomputation and faster than full', async () => {
    const seconds = async (flags: string) => {
      const r = await runCliJson(`train --model llama-3.1-70b ${layout} --gpus 32 --vpp 1 ${flags} --json`);
      expect(r.code).toBe(0);
      return r.json.stepSeconds as number;
    };
    const ten = await seconds('--recompute-num-layers 10');
    expect(ten).toBeGreaterThan(await seconds('--recompute none'));
    expect(ten).toBeLessThan(await seconds('--recompute full'));
    const text = await runCli(
      `train --model llama-3.1-70b ${layout} --gpus 32 --recompute-num-layers 10 --top 1`,
    );
    expect(text.stdout).toMatch(/best layout: .*recompute full \(first 10 layers of each pipeline chunk\)/);
  });
  it('train hints at the fewest layers per chunk that fit where the chosen layout recomputes every layer', async () => {
    // Llama 3.1 405B on 1,024 H100 at 8K tokens: the search recomputes every layer at TP 1 · CP 2 · ZeRO-3.
    const run = 'train --model llama-3.1-405b --gpu h100 --gpus 1024 --seq-len 8192 --global-batch 512';
    const chosen = await runCliJson(`${run} --json`);
    expect(chosen.json.layout.recompute).toBe('full');
    const hint = chosen.json.recomputeHint;
    expect(hint.kind).toBe('block');
    expect(hint.layout).toEqual(chosen.json.layout);
    expect(hint.stepSeconds).toBeLessThan(0.98 * chosen.json.stepSeconds);
    const cap = 79.65 * 2 ** 30; // H100 SXM's 80 GB as nvidia-smi reports it
    expect(hint.memoryPerGpuBytes * 1.1).toBeLessThanOrEqual(cap);
    // The fewest: one layer fewer does not keep the 10% margin.
    const at = async (n: number) => {
      const l = chosen.json.layout;
      const r = await runCliJson(
        `memory llama-3.1-405b --gpu h100 --tp ${l.tp} --pp ${l.pp} --dp ${l.dp} --cp ${l.cp} --zero ${l.zero} --seq-len 8192 --global-batch 512 --recompute-num-layers ${n} --json`,
      );
      return r.json.memoryPerGpuBytes as number;
    };
    expect(await at(hint.layers)).toBe(hint.memoryPerGpuBytes);
    expect((await at(hint.layers - 1)) * 1.1).toBeGreaterThan(cap);
    const asked = await runCliJson(`${run} --recompute-num-layers ${hint.layers} --json`);
    expect(asked.json.stepSeconds).toBeLessThanOrEqual(hint.stepSeconds);
    expect((await runCli(run)).stdout).toContain(
      `hint: --recompute-num-layers ${hint.layers} (megatron's block`,
    );
    // None once a layer count is given; none on torchtitan, where even every 2nd layer does not fit.
    expect(asked.json.recomputeHint).toBeNull();
    expect((await runCliJson(`${run} --stack torchtitan --json`)).json.recomputeHint).toBeNull();
  });
  it("torchtitan: the hint is the K that fits and steps fastest, the smallest of those (Meta's 405B layout on 8,192 H100)", async () => {
    const layout = '--tp 8 --pp 16 --dp 64 --cp 1 --vpp 8 --micro-batch 1 --seq-len 8192 --global-batch 2048';
    const run = `train --model llama-3.1-405b --gpu h100 --gpus 8192 ${layout} --stack torchtitan`;
    const chosen = await runCliJson(`${run} --json`);
    expect(chosen.json.layout).toMatchObject({ recompute: 'full', sequenceParallel: true, zero: 1 });
    const hint = chosen.json.recomputeHint;
    expect(hint.kind).toBe('every');
    expect(hint.stepSeconds).toBeLessThan(0.98 * chosen.json.stepSeconds);
    const cap = 79.65 * 2 ** 30;
    const at = async (k: number) =>
      (
        await runCliJson(
          `memory llama-3.1-405b --gpu h100 ${layout} --sequence-parallel --zero 1 --stack torchtitan --recompute-every ${k} --json`,
        )
      ).json.memoryPerGpuBytes as number;
    expect(await at(hint.every)).toBe(hint.memoryPerGpuBytes);
    // torchtitan has measured memory peaks: a hinted layout must fit at their P90, as the run's band says it.
    const p90 = chosen.json.range.memoryPerGpuBytes.p90 / chosen.json.memoryPerGpuBytes;
    expect(p90).toBeGreaterThan(1.1);
    expect(hint.memoryPerGpuBytes * p90).toBeLessThanOrEqual(cap);
    const stepAt = async (k: number) =>
      (await runCliJson(`${run} --recompute-every ${k} --json`)).json.stepSeconds as number;
    // A smaller K recomputes more layers and steps slower; a larger one does not fit or is no faster.
    expect(await stepAt(hint.every - 1)).toBeGreaterThan(hint.stepSeconds);
    const next = hint.every + 1;
    expect((await at(next)) * p90 > cap || (await stepAt(next)) >= hint.stepSeconds).toBe(true);
    expect((await runCli(run)).stdout).toContain(
      `hint: --recompute-every ${hint.every} (torchtitan's layer-wise`,
    );
  });
  it('refuses another mode, the recompute modules beside it, other stacks, non-counts and fine-tuning memory', async () => {
    const cases: [string, string][] = [
      ['--recompute none --recompute-num-layers 5', 'it needs --recompute full, got --recompute none'],
      [
        '--recompute-modules layernorm --recompute-num-layers 5',
        '--recompute-num-layers: sets the recomputation, as --recompute-modules does',
      ],
      ['--stack torchtitan --recompute-num-layers 5', 'it needs --stack megatron, got --stack torchtitan'],
      ['--recompute-num-layers 0', '--recompute-num-layers: must be a whole number ≥ 1'],
      [
        '--recompute-num-layers 5 --offload-activations 4',
        '--recompute-num-layers: sets full recomputation, which --offload-activations replaces',
      ],
    ];
    for (const [flags, message] of cases) {
      const r = await runCli(`memory llama-3.1-70b ${layout} ${flags}`);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    }
    const fineTuning = await runCli('memory llama-3-8b --method lora --recompute-num-layers 2');
    expect(fineTuning.code).toBe(2);
    expect(fineTuning.stderr).toContain('--recompute-num-layers: applies only without --method');
  });
});

describe("--recompute-every: torchtitan's layer-wise checkpointing of every K-th layer", () => {
  const layout = '--gpu h100 --tp 8 --pp 4 --dp 1 --seq-len 8192 --global-batch 64 --stack torchtitan';
  it('memory between none and full, printed; K = 1 is full recomputation and says so; train runs it', async () => {
    const peak = async (flags: string) =>
      (await runCliJson(`memory llama-3.1-70b ${layout} ${flags} --json`)).json;
    const [none, full, two] = [
      await peak('--recompute none'),
      await peak('--recompute full'),
      await peak('--recompute-every 2'),
    ];
    expect(two.layout.recompute).toBe('full');
    expect(two.recomputeEvery).toBe(2);
    expect(two.memoryPerGpuBytes).toBeGreaterThan(full.memoryPerGpuBytes);
    expect(two.memoryPerGpuBytes).toBeLessThan(none.memoryPerGpuBytes);
    expect((await peak('--recompute-every 1')).memoryPerGpuBytes).toBe(full.memoryPerGpuBytes);
    const text = await runCli(`memory llama-3.1-70b ${layout} --recompute-every 1`);
    expect(text.stdout).toContain(
      'warning: --recompute-every 1 recomputes every layer: it is full recomputation',
    );
    // Beyond a stage's 20 layers no layer recomputes: the memory of no recomputation, said.
    const beyond = await runCli(`memory llama-3.1-70b ${layout} --recompute-every 21`);
    expect(beyond.stdout).toContain(
      "warning: --recompute-every 21 is more than a stage's 20 layers: no layer recomputes",
    );
    expect((await peak('--recompute-every 21')).memoryPerGpuBytes).toBe(none.memoryPerGpuBytes);
    const train = await runCli(`train --model llama-3.1-70b ${layout} --gpus 32 --recompute-every 2 --top 1`);
    expect(train.code).toBe(0);
    expect(train.stdout).toMatch(/best layout: .*recompute full \(every 2nd layer\)/);
  });
  it('refuses stacks without it, a second recompute flag and non-counts, naming the flag', async () => {
    const cases: [string, string][] = [
      ['--stack megatron --recompute-every 2', '--recompute-every: names layer-wise checkpointing'],
      [
        '--recompute-every 2 --recompute-num-layers 3',
        '--recompute-every: sets the recomputation, as --recompute-num-layers does',
      ],
      ['--recompute-every 2.5', '--recompute-every: must be a whole number ≥ 1'],
    ];
    for (const [flags, message] of cases) {
      const r = await runCli(`memory llama-3.1-70b ${layout} ${flags}`);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    }
  });
});
