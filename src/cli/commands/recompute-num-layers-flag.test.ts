import { describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../../../test/run-cli.js';

/** `memory` of Llama 3.1 70B at `layout` with each case's flags exits 2 with its message. */
async function expectRefused(layout: string, cases: readonly [flags: string, message: string][]) {
  for (const [flags, message] of cases) {
    const r = await runCli(`memory llama-3.1-70b ${layout} ${flags}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  }
}

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
    expect(ten.layout.recomputeLayers).toBe(10);
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
  it('train searches the fewest layers per chunk that fit with a 10% margin; with --recompute full it hints at them', async () => {
    // Llama 3.1 405B on 1,024 H100 at 8K tokens: no layout fits without recomputation.
    const run = 'train --model llama-3.1-405b --gpu h100 --gpus 1024 --seq-len 8192 --global-batch 512';
    const searched = (await runCliJson(`${run} --json`)).json;
    expect(searched.layout.recompute).toBe('full');
    const n = searched.layout.recomputeLayers as number;
    expect(n).toBeGreaterThan(0);
    expect(searched.recomputeHint).toBeNull();
    const cap = 79.65 * 2 ** 30; // H100 SXM's 80 GB as nvidia-smi reports it
    expect(searched.memoryPerGpuBytes * 1.1).toBeLessThanOrEqual(cap);
    // The fewest: one layer fewer does not keep the 10% margin.
    const l = searched.layout;
    const at = async (k: number) =>
      (
        await runCliJson(
          `memory llama-3.1-405b --gpu h100 --tp ${l.tp} --pp ${l.pp} --dp ${l.dp} --cp ${l.cp} --micro-batch ${l.microBatch} --zero ${l.zero}${l.sequenceParallel ? ' --sequence-parallel' : ''} --seq-len 8192 --global-batch 512 --recompute-num-layers ${k} --json`,
        )
      ).json.memoryPerGpuBytes as number;
    expect(await at(n)).toBe(searched.memoryPerGpuBytes);
    expect((await at(n - 1)) * 1.1).toBeGreaterThan(cap);
    expect((await runCli(run)).stdout).toContain(`recompute full (first ${n} layers of the model)`);
    // Every layer recomputed when asked, and the hint names the layers that would fit that layout.
    const full = (await runCliJson(`${run} --recompute full --json`)).json;
    expect(full.layout.recomputeLayers).toBeUndefined();
    const hint = full.recomputeHint;
    expect(hint.kind).toBe('block');
    expect(hint.layout).toEqual({ ...full.layout, recomputeLayers: hint.layers });
    expect(hint.stepSeconds).toBeLessThan(0.98 * full.stepSeconds);
    expect(searched.stepSeconds).toBeLessThanOrEqual(hint.stepSeconds);
    expect((await runCli(`${run} --recompute full`)).stdout).toContain(
      `hint: --recompute-num-layers ${hint.layers} (megatron's block`,
    );
    // None once a layer count is given; none on torchtitan, where even every 2nd layer does not fit.
    const asked = (await runCliJson(`${run} --recompute-num-layers ${n} --json`)).json;
    expect(asked.layout.recomputeLayers).toBe(n);
    expect(asked.recomputeHint).toBeNull();
    const titan = (await runCliJson(`${run} --stack torchtitan --json`)).json;
    expect(titan.layout.recomputeEvery).toBeUndefined();
    expect(
      (await runCliJson(`${run} --stack torchtitan --recompute full --json`)).json.recomputeHint,
    ).toBeNull();
  });
  it("torchtitan: the search runs the K that fits and steps fastest, the smallest of those (Meta's 405B layout on 8,192 H100)", async () => {
    // ZeRO-1 as Meta ran it (searched, ZeRO-2 is as fast with less memory).
    const layout =
      '--tp 8 --pp 16 --dp 64 --cp 1 --vpp 8 --micro-batch 1 --zero 1 --seq-len 8192 --global-batch 2048';
    const run = `train --model llama-3.1-405b --gpu h100 --gpus 8192 ${layout} --stack torchtitan`;
    const chosen = (await runCliJson(`${run} --json`)).json;
    expect(chosen.layout).toMatchObject({ recompute: 'full', sequenceParallel: true, zero: 1 });
    const k = chosen.layout.recomputeEvery as number;
    const full = (await runCliJson(`${run} --recompute full --json`)).json;
    expect(full.recomputeHint).toMatchObject({ kind: 'every', every: k, stepSeconds: chosen.stepSeconds });
    expect(chosen.stepSeconds).toBeLessThan(0.98 * full.stepSeconds);
    const cap = 79.65 * 2 ** 30;
    const at = async (every: number) =>
      (
        await runCliJson(
          `memory llama-3.1-405b --gpu h100 ${layout} --sequence-parallel --stack torchtitan --recompute-every ${every} --json`,
        )
      ).json.memoryPerGpuBytes as number;
    expect(await at(k)).toBe(chosen.memoryPerGpuBytes);
    // torchtitan has measured memory peaks: a partial recomputation must fit at their P90, as the run's band says it.
    const p90 = chosen.range.memoryPerGpuBytes.p90 / chosen.memoryPerGpuBytes;
    expect(p90).toBeGreaterThan(1.1);
    expect(chosen.memoryPerGpuBytes * p90).toBeLessThanOrEqual(cap);
    const stepAt = async (every: number) =>
      (await runCliJson(`${run} --recompute-every ${every} --json`)).json.stepSeconds as number;
    // A smaller K recomputes more layers and steps slower; a larger one does not fit or is no faster.
    expect(await stepAt(k - 1)).toBeGreaterThan(chosen.stepSeconds);
    const next = k + 1;
    expect((await at(next)) * p90 > cap || (await stepAt(next)) >= chosen.stepSeconds).toBe(true);
    expect((await runCli(run)).stdout).toContain(
      `recompute full (every ${k === 2 ? '2nd' : `${k}th`} layer)`,
    );
    expect((await runCli(`${run} --recompute full`)).stdout).toContain(
      `hint: --recompute-every ${k} (torchtitan's layer-wise`,
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
    await expectRefused(layout, cases);
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
    expect(two.layout.recomputeEvery).toBe(2);
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
    await expectRefused(layout, cases);
  });
});
