import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/run-cli.js';

const base = [
  'rl',
  '--model',
  'qwen2.5-7b',
  '--gpu',
  'h100',
  '--gpus',
  '8',
  '--prompts',
  '16',
  '--samples-per-prompt',
  '8',
];
const short = [
  ...base,
  '--prompt-tokens',
  '256',
  '--response-tokens',
  '1024',
  '--max-response-tokens',
  '4096',
];

/** One step off-policy on separate pools: 8 GPUs train, 8 generate. */
const offPolicy = [...short, '--placement', 'separate', '--rollout-gpus', '8', '--async-steps', '1'];

describe('llmecon rl', () => {
  it('prints the rollout engine, placement, the tail, every phase and the band', async () => {
    const r = await runCli(short);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rollouts on vllm');
    expect(r.stdout).toContain('placement: colocated on 8 × h100-sxm');
    expect(r.stdout).toMatch(/responses: mean 1\.0\dK, longest 4\.10K tokens, \d+ cut at the maximum/);
    expect(r.stdout).toContain('the synchronous step waits for the tail');
    for (const phase of [
      'rollout (',
      'weight sync (',
      'old-policy log-probs',
      'policy update',
      'reference forward',
    ])
      expect(r.stdout).toContain(phase);
    expect(r.stdout).toMatch(/step +[\d.]+ \(P10 [\d.]+ – P90 [\d.]+\)/);
    expect(r.stdout).toMatch(/RL loop, fixed per step \(calibrated\) +[\d.]+/);
    expect(r.stdout).toMatch(
      /calibrated on \d+ published RL runs: rollout ×[\d.]+ over the simulated engine, [\d.]+ s per step for the loop/,
    );
  }, 120_000);

  it('--rollout-tp fixes the rollout replicas as the run sets them', async () => {
    const r = await runCli([...short, '--rollout-tp', '2', '--json']);
    expect(r.code).toBe(0);
    const g = JSON.parse(r.stdout).generation;
    expect(g).toMatchObject({ tensorParallel: 2, expertParallel: 1, replicas: 4 });
    expect(JSON.parse(r.stdout).outsideCalibration.join(' ')).toContain(
      'a fixed TP2 is planned with the same scale',
    );
  }, 120_000);

  it('JSON: phases sum to the step, ranges beside the figures, all GPUs of separate pools counted', async () => {
    const r = await runCli([...offPolicy, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      placement: 'separate',
      trainingGpus: 8,
      rolloutGpus: 8,
      gpusUsed: 16,
      asyncSteps: 1,
    });
    const p = j.phasesSeconds;
    const trainer = p.oldLogprobs + p.policyUpdate + p.reference + p.reward;
    expect(p.loopOverhead).toBeGreaterThan(0);
    // One step off (NeMo RL's async GRPO): the trainer's step is its phases + sync + any wait for its
    // batch, which had one trainer step to generate; never faster than the engine's streamed rate.
    const trainerSide = trainer + p.weightSync;
    expect(j.streamedRolloutSeconds).toBeGreaterThan(0);
    expect(j.stepSeconds).toBeCloseTo(
      Math.max(trainerSide, (p.generation + p.loopOverhead + trainerSide) / 2, j.streamedRolloutSeconds),
      6,
    );
    expect(j.stepSeconds).toBeLessThan(p.generation + p.loopOverhead + trainerSide);
    expect(j.idleFraction.training).toBeCloseTo(1 - trainer / j.stepSeconds, 9);
    expect(j.idleFraction.rollout).toBeGreaterThanOrEqual(0);
    expect(j.range.stepSeconds.p10).toBeLessThan(j.stepSeconds);
    expect(j.range.gpuHours.p90).toBeGreaterThan(j.gpuHours);
    expect(r.stdout).not.toMatch(/NaN|Infinity/);
    // Outside the calibration runs (vLLM, colocated, on-policy): said, not hidden.
    expect(j.outsideCalibration.join(' ')).toContain('separate pools are an extrapolation');
    expect(j.outsideCalibration.join(' ')).toContain(
      'the overlap of async steps is modelled as NeMo RL runs it',
    );
  }, 120_000);

  it('one step off-policy says how the step is set: the three bounds, the rollout side overlapped', async () => {
    const r = await runCli(offPolicy);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '1 step off-policy: each batch starts generating when the weights 1 version older land',
    );
    expect(r.stdout).toMatch(
      /trainer \+ sync [\d.]+ s, \(rollout \+ loop \+ trainer \+ sync\) \/ 2 [\d.]+ s/,
    );
    expect(r.stdout).toMatch(/^rollout .*overlapped$/m);
    expect(r.stdout).toContain('the next batch is queued behind the tail');
  });

  it('--offload optimizer keeps the optimizer of the policy update in host memory: same rollout, a slower update', async () => {
    const json = async (extra: string[]) => JSON.parse((await runCli([...short, ...extra, '--json'])).stdout);
    const [onGpu, offloaded] = [await json([]), await json(['--offload', 'optimizer'])];
    expect(offloaded.phasesSeconds.generation).toBe(onGpu.phasesSeconds.generation);
    expect(offloaded.phasesSeconds.policyUpdate).toBeGreaterThan(onGpu.phasesSeconds.policyUpdate);
  }, 120_000);

  it('a reward model too large for the GPUs is named as what does not fit (exit 3), not the policy update', async () => {
    const r = await runCli([...short, '--reward-model', 'llama-3.1-405b']);
    expect(r.stderr).toMatch(
      /^error: --reward-model: the reward model Llama 3\.1 405B does not fit on the run's 8 GPUs/,
    );
    expect(r.stderr).not.toContain('policy update');
    expect(r.code).toBe(3);
  }, 120_000);

  it('bad inputs exit 2 naming the flag', async () => {
    const cases: [string[], string][] = [
      [[...short, '--rollout-engine', 'tgi'], '--rollout-engine'],
      [[...short, '--placement', 'split'], '--placement'],
      [
        [...short, '--async-steps', '1'],
        '--async-steps: rollout and training overlap only on separate pools',
      ],
      [
        [...short, '--rollout-gpus', '8'],
        '--rollout-gpus: a separate rollout pool needs --placement separate',
      ],
      [
        [...short, '--placement', 'separate'],
        "--rollout-gpus: --placement separate needs the rollout pool's size: add --rollout-gpus N",
      ],
      [[...short, '--response-p99', '900'], '--response-p99'],
      [[...short, '--max-response-tokens', '512'], '--max-response-tokens'],
      [[...short, '--async-steps', '-1'], '--async-steps'],
      [
        [...offPolicy.slice(0, -1), '1e9'],
        "--async-steps: must be a whole number ≥ 0 and ≤ 64 (steps off-policy), got '1e9'",
      ],
      [
        [...short, '--rollout-tp', '3'],
        '--rollout-tp: must be a whole number ≥ 1 that divides the 8 rollout GPUs',
      ],
      [[...short, '--rollout-tp', '0'], '--rollout-tp'],
      [[...short, '--offload', 'disk'], "--offload: 'disk' is not an offload mode"],
      // A full policy update (the default) has no adapter: a rank or targets did nothing.
      [[...short, '--rank', '32'], '--rank: applies only with an adapter method (lora, dora, qlora)'],
      [[...short, '--method', 'full', '--targets', 'attn'], '--targets: applies only with an adapter method'],
      [
        [...short, '--method', 'lora', '--targets', 'experts'],
        '--targets: experts: mixture-of-experts modules',
      ],
      [[...short, '--stack', 'unsloth', '--offload', 'optimizer'], '--offload: Unsloth does not offload'],
      [
        [...short, '--rollout-tp', '8'],
        '--rollout-tp: tensor parallelism 8 must divide the 28 attention heads',
      ],
      // The policy update's batch is the step's N·G sequences: named by the flags that set it.
      [
        ['rl', '--model', 'qwen2.5-7b', '--gpu', 'h100', '--gpus', '6'],
        "--prompts: the step's batch of 1024 sequences splits over at most 2",
      ],
      [
        [...base.slice(0, -4), '--prompts', '1', '--samples-per-prompt', '1'],
        "dp divides the step's batch 1); give a GPU count that divides the step's batch of 1",
      ],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
    }
  }, 120_000);

  it('--precision: a pure-BF16 policy update steps less optimizer traffic, said in the JSON; QLoRA takes BF16 only', async () => {
    const [mixed, pure] = await Promise.all(
      ['bf16', 'bf16-pure'].map(async (p) =>
        JSON.parse((await runCli([...short, '--precision', p, '--json'])).stdout),
      ),
    );
    expect([mixed.precision, pure.precision]).toEqual(['bf16', 'bf16-pure']);
    expect(pure.phasesSeconds.policyUpdate).toBeLessThan(mixed.phasesSeconds.policyUpdate);
    expect(pure.phasesSeconds.generation).toBe(mixed.phasesSeconds.generation);
    const qlora = await runCli([...short, '--method', 'qlora', '--precision', 'bf16-pure']);
    expect(qlora.code).toBe(2);
    expect(qlora.stderr).toMatch(/--precision: QLoRA trains its adapters in BF16/);
  });

  it("prints the policy update's layout; on Megatron it recomputes only the layers it must, as train and finetune search it", async () => {
    const megatron = [
      'rl',
      '--model',
      'llama-3.1-70b',
      '--stack',
      'megatron',
      '--gpu',
      'h100',
      '--gpus',
      '32',
    ];
    const batch = ['--prompts', '16', '--samples-per-prompt', '8', '--max-response-tokens', '16384'];
    const [searched, full] = await Promise.all(
      [[], ['--recompute', 'full']].map(async (flags) =>
        JSON.parse((await runCli([...megatron, ...batch, ...flags, '--json'])).stdout),
      ),
    );
    // Megatron-Core's block method: the first N of the 80 layers recomputed, N chosen to fit.
    expect(searched.policyUpdate.layout.recompute).toBe('full');
    expect(searched.policyUpdate.layout.recomputeLayers).toBeGreaterThan(0);
    expect(searched.policyUpdate.layout.recomputeLayers).toBeLessThan(80);
    expect(full.policyUpdate.layout.recomputeLayers).toBeUndefined();
    expect(searched.phasesSeconds.policyUpdate).toBeLessThan(full.phasesSeconds.policyUpdate);
    const text = await runCli([...megatron, ...batch]);
    expect(text.stdout).toMatch(
      // Context parallelism splits the micro-batch that holds the longest sequence (21K tokens).
      /policy update: tp \d+ · pp \d+ · dp \d+ · (cp \d+ · )?mb \d+ · recompute full \(first \d+ layers of the model\)/,
    );
  }, 60_000);

  it("bands the policy update's memory as finetune does; --memory-fit fits its layouts at the band; a stack without one refuses it", async () => {
    // Responses cut at 16K: a layout holds the micro-batch with the longest (prompt + 16,384 tokens).
    const line = [
      'rl',
      '--model',
      'llama-3.1-8b',
      '--gpu',
      'h100',
      '--gpus',
      '8',
      '--max-response-tokens',
      '16384',
    ];
    const [estimate, p90] = await Promise.all(
      [[], ['--memory-fit', 'p90']].map(async (flags) =>
        JSON.parse((await runCli([...line, ...flags, '--json'])).stdout),
      ),
    );
    const u = estimate.policyUpdate;
    expect(u.memoryFitAt).toBe('estimate');
    expect(u.range.memoryPerGpuBytes.p10).toBeLessThan(u.memoryPerGpuBytes);
    expect(u.range.memoryPerGpuBytes.p90).toBeGreaterThan(u.memoryPerGpuBytes);
    // Here the estimate fits the 80 GB GPU and its P90 does not: at P90 the search picks a lighter layout.
    expect(u.memoryFit).toBe('p90-over');
    expect(p90.policyUpdate.memoryFitAt).toBe('p90');
    expect(p90.policyUpdate.memoryFit).toBe('fits');
    expect(p90.policyUpdate.range.memoryPerGpuBytes.p90).toBeLessThanOrEqual(80 * 2 ** 30);
    expect(p90.phasesSeconds.policyUpdate).toBeGreaterThan(estimate.phasesSeconds.policyUpdate);
    const text = await runCli([...line, '--memory-fit', 'p90']);
    expect(text.stdout).toMatch(
      /policy update: .* GiB \(P10 .* – P90 .*\)\/GPU: fits on h100-sxm .*P90 included \(layouts searched at the memory band's P90: --memory-fit\)/,
    );
    const megatron = await runCli([...line, '--stack', 'megatron', '--memory-fit', 'p10']);
    expect(megatron.code).toBe(2);
    expect(megatron.stderr).toMatch(/^error: --memory-fit: the megatron stack has no P10–P90 memory band/);
  }, 60_000);

  it('fewer sequences than rollout replicas: the first replicas generate them, the rest idle', async () => {
    const one = [...base.slice(0, -4), '--prompts', '1', '--samples-per-prompt', '1', '--stack', 'megatron'];
    const r = await runCli([...one, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.phasesSeconds.generation).toBeGreaterThan(0);
    expect((await runCli(one)).stdout).toMatch(/rollout \(\d+ × TP\d+, up to 1 sequence each/);
  }, 60_000);

  it("a 10M-token context: by default responses are cut at the longest one simulation decodes, not the context's room", async () => {
    const r = await runCli(['rl', '--model', 'llama-4-scout', '--gpu', 'h200', '--gpus', '64', '--json']);
    const j = JSON.parse(r.stdout);
    expect(j.generation.longestResponseTokens).toBeLessThanOrEqual(2_000_000);
    // No layout of the policy update holds a micro-batch with that sequence: planned at the mean, and exit 3.
    expect(r.code, r.stderr).toBe(3);
    expect(j.longestSequence).toMatchObject({ tokens: 512 + j.generation.maxResponseTokens, fits: false });
    // The memory figure is the mean's; the verdict is the run's: over.
    expect(j.policyUpdate.memoryFit).toBe('over');
  }, 60_000);
});

describe('rl: rollouts served as serve serves them', () => {
  it('refuses a rollout format the GPU has no tensor cores for, and TensorRT-LLM off NVIDIA, naming the flag', async () => {
    for (const [args, message] of [
      [['--rollout-kv', 'nvfp4'], '--rollout-kv: h100-sxm has no NVFP4 tensor cores'],
      [['--rollout-weights', 'mxfp4'], '--rollout-weights: h100-sxm has no MXFP4 tensor cores'],
    ] as const) {
      const r = await runCli(['rl', '--model', 'qwen2.5-7b', '--gpu', 'h100', '--gpus', '8', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    }
    const amd = await runCli([
      'rl',
      '--model',
      'qwen2.5-7b',
      '--gpu',
      'mi300x',
      '--gpus',
      '8',
      '--rollout-engine',
      'trt-llm',
    ]);
    expect(amd.code).toBe(2);
    expect(amd.stderr).toContain(
      '--rollout-engine: TensorRT-LLM (PyTorch backend, 1.x) runs on NVIDIA GPUs only',
    );
  });
  it('adapts the modules `finetune` adapts: a state-space model its mixer, and names the adapter', async () => {
    const mamba = await runCli([
      'rl',
      '--model',
      'test/fixtures/hf-configs/hand-built/mamba-codestral-7b.json',
      '--method',
      'lora',
      '--max-response-tokens',
      '16384',
      '--gpu',
      'h100',
      '--json',
    ]);
    expect(mamba.code, mamba.stderr).toBe(0);
    expect(JSON.parse(mamba.stdout).adapter).toBe('LORA r=16 on in_proj,out_proj');
    const dense = await runCli([...short, '--method', 'lora']);
    expect(dense.stdout).toContain('policy update of LORA r=16 on q,k,v,o,gate,up,down on ');
    expect(JSON.parse((await runCli([...short, '--json'])).stdout).adapter).toBeNull();
  });
});
